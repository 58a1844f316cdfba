"""The demo cases' self-assessment answers and the demo assessor's findings, written as a compliance officer and an
assessor would (every applicable question answered with the catalogue's responses, forms/key_points/)."""

from __future__ import annotations


def _answer(key_point: str, answer: str, measures: str, **responses) -> dict:
    return {"key_point": key_point, "answer": answer, "measures": measures,
            "responses": {f"{key_point}.{q}": value for q, value in responses.items()}}


def legal_document_answers(document: str, storage: str, clauses: tuple[str, ...]) -> list[dict]:
    """LD-1…LD-6: where `document` (the standard contract or the transfer agreement) sets each duty."""
    purpose, place, onward, change, breach, emergency = clauses
    return [
        _answer("LD-1", f"《{document}》{purpose}约定了出境目的、方式、字段范围及接收方的处理用途和方式。", "",
                q1=True, q2=purpose),
        _answer("LD-2", f"境外保存地点为{storage}；保存期限届满或目的完成后30日内删除，并出具删除证明。", "",
                q1=True, q2=f"{storage}；{place}"),
        _answer("LD-3", "未经我方书面同意并告知个人，接收方不得向任何第三方再转移。", "", q1=True, q2=onward),
        _answer("LD-4", "接收方控制权变更或所在地法律环境变化时，应在5个工作日内通知我方，并暂停传输直至双方确认。", "",
                q1=True, q2=change),
        _answer("LD-5", "约定违约赔偿及补救措施；适用中华人民共和国法律，争议提交上海国际仲裁中心仲裁。", "",
                q1=True, q2=breach),
        _answer("LD-6", "约定安全事件24小时内通知我方、72小时内书面报告，个人可直接向接收方或我方行使权利。", "",
                q1=True, q2=emergency),
    ]


SC_CLAUSES = ("第二条、附录一第1至4项", "第三条第（五）项、附录一第5项", "第三条第（八）项",
              "第三条第（十一）项、第六条", "第七条、第九条", "第三条第（十）项、第五条")
AGREEMENT_CLAUSES = ("第2条、附件1", "第5.1至5.3条", "第6条", "第9条", "第12条、第15条", "第10条、第11条")

CRM_ANSWERS = [
    _answer("PIA-1", "向欧洲经销商提供售后回访和保修服务所需的客户联系方式；经销商负责当地服务，数据须在当地使用。",
            "字段级最小化：仅传输姓名、电话、所购产品型号和保修期。", q1="欧洲经销商为当地客户提供保修和回访服务。",
            q2="minimised", q3="1_to_3y", q4="contract"),
    _answer("PIA-2", "约15万名欧洲客户的姓名、电话、产品型号和保修期，不含敏感个人信息。", "客户编号以假名替换。",
            q1="姓名、电话、产品型号、保修期", q4="deidentified"),
    _answer("PIA-3", "接收方持有ISO/IEC 27001和ISO/IEC 27701认证，设数据保护官，近3年无安全事件。",
            "传输使用TLS 1.3，存储使用AES-256加密，密钥由我方托管。", q1="iso27001_and_27701",
            q2="transit_and_rest", q3=0, q4="数据保护官 Anna Weber；信息安全管理制度、访问控制制度、事件响应制度。"),
    _answer("PIA-4", "已在隐私政策中告知接收方名称和联系方式，客户可通过热线或电子邮件行使权利。",
            "访问限于经销商售后岗位，日志保存180天，每季度审计。", q1="complete", q2="enforced_and_logged", q3=True),
    _answer("PIA-5", "已分析法国及欧盟个人信息保护法律，与标准合同义务不冲突。", "", q1="no_conflict",
            q2="GDPR、法国《信息与自由法》；参考xborder国家说明及律师意见。"),
    _answer("PIA-6", "无其他影响出境安全的事项。", "", q1=False, q2="无"),
    *legal_document_answers("个人信息出境标准合同", "法国巴黎（Microsoft Azure 法国中部区域）", SC_CLAUSES),
]

SERVICE_ANSWERS = [
    _answer("PIA-1", "新加坡服务中心为亚太区客户提供设备远程运维，须读取设备绑定用户的联系方式以预约上门服务。",
            "只传输联系方式和设备序列号，不传输位置信息。", q1="亚太区设备远程运维及上门服务预约。",
            q2="minimised", q3="up_to_1y", q4="contract"),
    _answer("PIA-2", "约12万名用户的姓名、电话、设备序列号和故障代码，不含敏感个人信息。", "工单关闭后姓名以假名替换。",
            q1="姓名、电话、设备序列号、故障代码", q4="deidentified"),
    _answer("PIA-3", "接收方持有ISO/IEC 27001认证，并已签署数据安全承诺书；近3年无安全事件。",
            "传输和存储均加密，运维账号启用多因素认证。", q1="iso27001", q2="transit_and_rest", q3=0,
            q4="亚太区信息安全负责人 Tan Wei Ming；ISO/IEC 27001 管理体系文件。"),
    _answer("PIA-4", "已告知用户接收方名称和联系方式，用户可通过App或热线行使权利。",
            "仅运维工程师岗位可访问，全部操作留痕并每月审计。", q1="complete", q2="enforced_and_logged", q3=True),
    _answer("PIA-5", "已分析新加坡《个人数据保护法》，与标准合同义务不冲突。", "", q1="no_conflict",
            q2="新加坡《个人数据保护法》（PDPA）；参考xborder国家说明。"),
    _answer("PIA-6", "无其他影响出境安全的事项。", "", q1=False, q2="无"),
    *legal_document_answers("个人信息出境标准合同", "新加坡（AWS 亚太新加坡区域）", SC_CLAUSES),
]

# What the enterprise changes after the assessor asks for rectification of PIA-3.
SERVICE_RECTIFIED = [
    _answer("PIA-3", "接收方持有ISO/IEC 27001认证，已补充签署数据安全承诺书，"
            "并承诺一年内取得ISO/IEC 27701认证；近3年无安全事件。",
            "传输和存储均加密，运维账号启用多因素认证；我方每半年现场审计一次。",
            q1="iso27001", q2="transit_and_rest", q3=0,
            q4="亚太区信息安全负责人 Tan Wei Ming；ISO/IEC 27001 管理体系文件、数据安全承诺书（2025年6月签署）。"),
]


def _security_answers(purpose: str, fields: str, impact: str, recipient: str, document: str, storage: str) -> list:
    return [
        _answer("SELF-1", purpose, "按数据分类分级结果逐项确定出境字段。", q1=purpose, q2="minimised", q3="1_to_3y",
                q4="human_resources"),
        _answer("SELF-2", f"出境数据为{fields}；已识别为重要数据并向上海市经济和信息化委员会报备目录。",
                "工程师联系方式只保留姓名和工作邮箱。", q1=fields, q4="filed", q5=impact, q6="deidentified"),
        _answer("SELF-3", f"{recipient}持有ISO/IEC 27001认证，近3年无安全事件。", "传输和存储均加密，密钥由我方管理。",
                q1="iso27001", q2="transit_and_rest", q3=0,
                q4=f"{recipient}信息安全委员会；数据分类、访问控制和事件响应制度。"),
        _answer("SELF-4", "工程师可通过内部门户行使个人信息权益；访问限于项目成员并完整记录审计。",
                "应急预案覆盖境外接收方，事件发生后24小时内通知。", q1="complete", q2="enforced_and_logged", q3=True),
        _answer("SELF-5", f"《{document}》已由双方签署，约定了数据安全保护责任义务。", "",
                q1=f"《{document}》，2025年6月签署", q2="signed"),
        _answer("SELF-6", "无其他影响数据出境安全的事项。", "", q1=False, q2="无"),
        *legal_document_answers(document, storage, AGREEMENT_CLAUSES),
    ]


PLATFORM_ANSWERS = _security_answers(
    "德国研发中心与上海工厂联合优化注塑工艺，须使用上海产线的工艺参数和质量数据进行仿真。",
    "注塑工艺参数、产线质量检测数据及约2000名工程师的工作联系方式",
    "工艺参数泄露可能影响我国高端装备制造领域的竞争优势，不涉及国家安全和公共利益的直接影响。",
    "Demo Engineering GmbH", "研发数据跨境传输协议", "德国慕尼黑（自建数据中心）")

PLANT_ANSWERS = _security_answers(
    "日本海外工厂按上海总部统一工艺生产，须同步生产计划、设备运行和质量追溯数据。",
    "生产计划、设备运行数据、质量追溯数据及约3000名驻外员工的工作联系方式",
    "生产运营数据汇总后可反映我国重点产业链产能布局，已按重要数据管理。",
    "Demo Manufacturing Japan K.K.", "海外工厂数据同步协议", "日本大阪（自建数据中心）")

FINDINGS = {
    "PIA-1": "出境目的明确，字段已逐项论证，符合最小必要原则。",
    "PIA-2": "出境规模和种类与申报一致，不含敏感个人信息。",
    "PIA-3": "已核验接收方认证证书及安全承诺书。",
    "PIA-4": "告知文本和行权渠道已核验，访问审计记录完整。",
    "PIA-5": "境外法律环境分析充分。",
    "PIA-6": "未发现其他影响出境安全的事项。",
    "SELF-1": "出境目的合法、正当、必要，字段范围已最小化。",
    "SELF-2": "重要数据目录已报备，回执已核验。",
    "SELF-3": "已核验接收方认证证书和安全管理制度。",
    "SELF-4": "应急预案覆盖境外接收方，行权渠道通畅。",
    "SELF-5": "法律文件已签署，条款对照表完整。",
    "SELF-6": "未发现其他影响数据出境安全的事项。",
    **{f"LD-{n}": "法律文件相应条款已核对，约定充分。" for n in range(1, 7)},
}


def findings(key_points: list[str]) -> list[dict]:
    """The demo assessor's findings: every key point satisfied, with the reason."""
    return [{"key_point": kp, "finding": "satisfied", "comment": FINDINGS[kp]} for kp in key_points]

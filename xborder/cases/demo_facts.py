"""The demo cases' transfer details (cases/facts.py): the data items of each data category, the export link, storage
abroad and the forecast, so the documents of a demo case that is submitted carry no （未填写）."""

from __future__ import annotations

from typing import Any

# The data items of each demo data category: (name, description, necessity, example).
_ITEMS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "contact": (("姓名", "客户或联系人姓名", "确认服务对象身份所必需", "张**"),
                ("手机号码", "联系人手机号码", "预约上门及回访所必需", "138****0000")),
    "device": (("设备序列号", "售出设备的出厂序列号", "定位故障设备及保修记录所必需", "SN-2024****"),),
    "production_data": (("生产批次", "产线生产批次号及产量", "海外工厂排产同步所必需", "B2025-06-***"),),
    "equipment_telemetry": (("设备运行参数", "温度、转速、振动等运行数据", "联合调试与故障诊断所必需",
                             "转速 1,450 rpm"),),
    "process_parameters": (("工艺参数", "焊接电流、温度曲线等工艺参数", "工艺联合优化所必需", "电流 180 A"),),
    "purchase": (("购买记录", "购买型号、日期及经销商", "保修期核验所必需", "2025-03-02 购入"),),
    "employment": (("员工编号", "员工工号及岗位", "跨境人力资源管理所必需", "E0****"),),
}
# Hosts of the demo's systems on both sides (documentation addresses, RFC 5737).
_LINK = ("境内系统：上海演示数据中心 gw.sh-demo.cn（203.0.113.10）；境外系统：{recipient}接收端 "
         "api.{tld}-demo.example（198.51.100.20）。出境方式：经 IPsec 专线以 HTTPS（TLS 1.3）接口传输，"
         "双向证书认证。")


def facts_for(title: str, declaration: dict[str, Any]) -> dict[str, Any]:
    """Complete transfer details for a demo case, in the shape `PUT /cases/{id}/facts` takes."""
    transfers = declaration["transfers"]
    first = transfers[0]["recipient"]
    persons = sum(t["data"]["pi_individuals"] for t in transfers)
    per_transfer = {}
    for index, transfer in enumerate(transfers):
        recipient = transfer["recipient"]
        items = [item for category in transfer["data"]["categories"] for item in _ITEMS.get(category, ())]
        per_transfer[str(index)] = {
            "data_items": [{"name": n, "description": d, "necessity": why, "example": e} for n, d, why, e in items],
            "recipient_contact": f"{recipient['name']}，数据保护联系人：Data Protection Office，"
                                 f"privacy@{recipient['country'].lower()}-demo.example",
            "processing_manner": "存储、使用（仅限约定目的）",
            "sensitive_categories": "无" if not transfer["data"]["sensitive_pi_individuals"] else "金融账户信息",
            "onward_recipients": "无" if not recipient.get("onward_transfer") else "集团内研发关联公司（仅限调试目的）",
            "transfer_method": "IPsec 专线，HTTPS（TLS 1.3）接口",
            "storage_period": "自出境之日起三年，期满删除",
            "storage_place": f"{recipient['name']}所在国家或地区的自有数据中心",
        }
    return {
        "assessment_work": f"2025 年 5 月 6 日至 6 月 6 日，由数据安全部牵头、法务部和信息技术部参与，对“{title}”"
                           "开展自评估，采用资料审查、系统核查和人员访谈方式；未委托第三方机构。",
        "domestic_storage": "上海演示数据中心（自建机房）业务系统，数据库加密存储，异地备份于苏州。",
        "export_link": _LINK.format(recipient=first["name"], tld=first["country"].lower()),
        "storage_abroad": f"{first['name']}自有数据中心，保存三年，期满删除并出具删除证明。",
        "onward": "无" if not any(t["recipient"].get("onward_transfer") for t in transfers)
        else "境外接收方仅向集团内研发关联公司提供调试所需的运行数据，已在合同中约定同等保护义务。",
        "forecast": f"本年度 {persons:,} 人；预计未来三年每年增长不超过 10%。",
        "appendix_two": "无",
        "transfers": per_transfer,
    }

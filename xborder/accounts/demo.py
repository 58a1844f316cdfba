"""The demo organisations and accounts of the CLI contract, created idempotently."""

from __future__ import annotations

import sqlalchemy as sa

from xborder.accounts.models import Organisation, User
from xborder.extensions import db

DEMO_PASSWORD = "demo-password"

DEMO_ORGANISATIONS = (
    {"kind": "enterprise", "name": "上海演示智能制造有限公司", "uscc": "9131011552601815X1", "province": "310000"},
    {"kind": "assessor", "name": "演示数据安全评估中心", "uscc": "91320500131860916B", "province": "320000"},
    {"kind": "authority", "name": "上海市演示数据出境管理办公室", "uscc": "113100000024158670", "province": "310000"},
)

# The demo enterprise's organisation profile (accounts/profile.py), so its first bundle is a complete one.
DEMO_PROFILE = {
    "registered_address": "上海市浦东新区张江高科技园区演示路88号",
    "business_overview": (
        "研发、生产和销售工业自动化设备，在德国、日本、新加坡设有子公司和服务中心，为全球客户提供设备远程运维和售后"
        "服务。"),
    "data_assets": (
        "业务数据主要包括设备运行数据、生产运营数据、工艺参数，以及约42万名客户和员工的个人信息；已按数据分类分级制"
        "度编制数据资产目录。"),
    "shareholding": "上海演示控股集团有限公司持股70%，员工持股平台持股30%。",
    "actual_controller": "上海演示控股集团有限公司",
    "investments": "境内全资子公司2家；境外全资子公司3家（德国、日本、新加坡）。",
    "organisation_structure": "董事会下设数据安全委员会；信息安全部为数据安全管理机构，各业务部门设数据安全专员。",
    "legal_representative": "陈立",
    "legal_representative_id": "310101197001010011",
    "legal_representative_phone": "021-50000001",
    "security_officer": "刘洋",
    "security_officer_position": "首席信息安全官",
    "security_officer_contact": "021-50000002，dpo@demo.xborder",
    "security_body": "信息安全部",
    "security_body_contact": "021-50000003，security@demo.xborder",
    "handler": "王敏",
    "handler_id": "310101199001010022",
    "handler_contact": "13800000000，enterprise@demo.xborder",
    "security_management": (
        "制定数据安全管理制度、数据分类分级制度、个人信息保护制度、数据安全事件应急预案，每年开展数据安全风险评估和"
        "应急演练；向境外提供个人信息前履行告知义务并取得个人单独同意。"),
    "security_technical": (
        "数据传输采用TLS 1.3加密，存储采用国密算法加密；访问控制基于最小权限原则并保留审计日志180天；出境数据字段级"
        "脱敏。"),
    "security_evidence": (
        "通过网络安全等级保护第三级测评（2025年）、ISO/IEC 27001认证；2025年完成个人信息保护合规审计。"),
    "compliance_record": "近三年未因违反数据安全、网络安全和个人信息保护法律法规受到行政处罚。",
    "no_legal_representative": False,
}

DEMO_USERS = (
    {"email": "enterprise@demo.xborder", "name": "王敏（合规专员）", "role": "enterprise",
     "uscc": "9131011552601815X1"},
    {"email": "assessor@demo.xborder", "name": "李强（评估师）", "role": "assessor", "uscc": "91320500131860916B"},
    {"email": "official@demo.xborder", "name": "张华（审核员）", "role": "provincial_official",
     "uscc": "113100000024158670"},
)


def seed_demo_accounts() -> list[User]:
    """Create the demo organisations and users if missing; existing rows are left exactly as they are."""
    orgs: dict[str, Organisation] = {}
    for spec in DEMO_ORGANISATIONS:
        org = db.session.scalar(sa.select(Organisation).where(Organisation.uscc == spec["uscc"]))
        if org is None:
            org = Organisation(**spec, profile=DEMO_PROFILE if spec["kind"] == "enterprise" else None)
            db.session.add(org)
        orgs[spec["uscc"]] = org
    db.session.flush()
    users = []
    for spec in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.email == spec["email"]))
        if user is None:
            user = User(email=spec["email"], name=spec["name"], role=spec["role"], organisation=orgs[spec["uscc"]])
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        users.append(user)
    db.session.flush()
    return users

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
            org = Organisation(**spec)
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

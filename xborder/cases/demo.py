"""Demo cases for `xborder serve --demo`: real declarations and answers in several pathways."""

from __future__ import annotations

import sqlalchemy as sa

from xborder.accounts.models import User
from xborder.cases import operations
from xborder.cases.models import Case
from xborder.extensions import db

EXPORTER_USCC = "9131011552601815X1"


def _declaration(transfers: list[dict]) -> dict:
    return {
        "as_of": "2025-06-30",
        "exporter": {"name": "上海演示智能制造有限公司", "uscc": EXPORTER_USCC, "province": "310000",
                     "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 420_000},
        "prior_transfers": [{"date": "2025-02-10", "pi_individuals": 30_000, "sensitive_pi_individuals": 0,
                             "exemption": None}],
        "transfers": transfers,
    }


def _transfer(purpose: str, recipient: str, country: str, pi: int, sensitive: int = 0, important: bool = False,
              onward: bool = False, exemption: str | None = None, categories: tuple[str, ...] = ("contact",)) -> dict:
    return {"purpose": purpose, "exemption": exemption,
            "recipient": {"name": recipient, "country": country, "onward_transfer": onward},
            "data": {"pi_individuals": pi, "sensitive_pi_individuals": sensitive, "important_data": important,
                     "core_data": False, "transit_only": False, "categories": list(categories)}}


DEMO_CASES = (
    ("海外员工人事管理数据出境", [_transfer("跨境人力资源管理", "Demo Manufacturing GmbH", "DE", 1_200,
                                          exemption="cross_border_hr", categories=("employment",))], []),
    ("全球售后服务工单数据出境", [_transfer("全球售后服务工单处理", "Demo Service Europe GmbH", "DE", 80_000,
                                          categories=("contact", "device"))], [
        {"key_point": "PIA-1", "answer": "为向境外用户提供售后维修服务，仅传输工单所需的联系方式和设备序列号。",
         "measures": "字段级最小化，保存期限12个月。", "responses": {}},
        {"key_point": "PIA-2", "answer": "约8万名用户的联系方式与设备信息，不含敏感个人信息。",
         "measures": "", "responses": {}},
    ]),
    ("工业设备运行数据（重要数据）出境", [_transfer("海外研发中心联合调试", "Demo R&D Inc.", "US", 0, important=True,
                                                 onward=True, categories=("equipment_telemetry",))], []),
)


def seed_demo_cases() -> None:
    """Create the demo cases for the demo enterprise once (matched by title)."""
    user = db.session.scalar(sa.select(User).where(User.email == "enterprise@demo.xborder"))
    if user is None:
        return
    for title, transfers, answers in DEMO_CASES:
        exists = db.session.scalar(sa.select(Case.id).where(Case.exporter_id == user.organisation_id,
                                                            Case.title == title))
        if exists is not None:
            continue
        case = operations.create_case(user, title, _declaration(transfers))
        if answers:
            operations.save_answers(user, case, case.version, answers)

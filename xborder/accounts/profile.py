"""The organisation profile the filing documents draw on (issue 16): registered address, legal representative (or
none, for a non-legal-person entity), data-security officer and management body, the handler (经办人),
shareholding and actual controller, business and data assets, security capability and compliance record.

The fields follow the online form's sections 1–5 and the self-assessment template's 二(一) and 二(三)
(forms/documents/2025-06-27.yaml uses them as `profile.<name>`). The enterprise keeps the profile; each case copies
it at `submit` (`snapshot_on_submit`), so a signed document never changes when the profile does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma

from xborder.core.text import SafeText


@dataclass(frozen=True)
class ProfileField:
    """One field of the profile: its name, labels, and whether it is a paragraph (multi-line) or a line."""

    name: str
    zh: str
    en: str
    multiline: bool = False
    max_length: int = 200


# Grouped as the documents print them: (section zh, section en, fields).
SECTIONS: tuple[tuple[str, str, tuple[ProfileField, ...]], ...] = (
    ("数据处理者情况", "The processor", (
        ProfileField("registered_address", "注册地址", "Registered address"),
        ProfileField("business_overview", "业务概况", "Business overview", True, 4000),
        ProfileField("data_assets", "数据资产情况", "Data assets", True, 4000),
        ProfileField("shareholding", "股权结构", "Shareholding", True, 2000),
        ProfileField("actual_controller", "实际控制人", "Actual controller"),
        ProfileField("investments", "境内外投资情况", "Investments at home and abroad", True, 2000),
        ProfileField("organisation_structure", "组织架构", "Organisation structure", True, 2000),
    )),
    ("法定代表人", "Legal representative", (
        ProfileField("legal_representative", "法定代表人姓名", "Name"),
        ProfileField("legal_representative_id", "身份证件号码", "ID number", max_length=40),
        ProfileField("legal_representative_phone", "联系电话", "Telephone", max_length=40),
    )),
    ("数据安全责任人和管理机构", "Data-security officer and management body", (
        ProfileField("security_officer", "数据安全负责人", "Data-security officer"),
        ProfileField("security_officer_position", "职务", "Position"),
        ProfileField("security_officer_contact", "联系方式", "Contact"),
        ProfileField("security_body", "数据安全管理机构", "Management body"),
        ProfileField("security_body_contact", "管理机构联系方式", "Body's contact"),
    )),
    ("经办人", "Handler", (
        ProfileField("handler", "经办人姓名", "Name"),
        ProfileField("handler_id", "身份证件号码", "ID number", max_length=40),
        ProfileField("handler_contact", "联系方式", "Contact"),
    )),
    ("数据安全保障能力和合规情况", "Security capability and compliance", (
        ProfileField("security_management", "数据安全管理能力", "Management capability", True, 4000),
        ProfileField("security_technical", "数据安全技术能力", "Technical capability", True, 4000),
        ProfileField("security_evidence", "保障措施有效性证明", "Evidence of effectiveness", True, 4000),
        ProfileField("compliance_record", "遵守法律法规情况", "Compliance record", True, 4000),
    )),
)
FIELDS: tuple[ProfileField, ...] = tuple(f for _, _, fields in SECTIONS for f in fields)
FLAGS = ("no_legal_representative",)


def _schema() -> type[ma.Schema]:
    attrs: dict[str, Any] = {
        f.name: SafeText(load_default=None, allow_none=True, multiline=f.multiline,
                         validate=ma.validate.Length(max=f.max_length),
                         metadata={"description": f"{f.zh} / {f.en}"})
        for f in FIELDS}
    attrs["no_legal_representative"] = ma.fields.Boolean(
        load_default=False, metadata={"description": "无法定代表人 (a non-legal-person entity)"})
    attrs["Meta"] = type("Meta", (), {"unknown": ma.RAISE})
    return type("ProfileSchema", (ma.Schema,), attrs)


ProfileSchema = _schema()


def clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The profile as stored: blank text is absent (None), and a legal representative only when there is one."""
    out = {f.name: (str(data.get(f.name)).strip() or None) if data.get(f.name) is not None else None
           for f in FIELDS}
    out["no_legal_representative"] = bool(data.get("no_legal_representative"))
    if out["no_legal_representative"]:
        for name in ("legal_representative", "legal_representative_id", "legal_representative_phone"):
            out[name] = None
    return out


def profile_of(organisation) -> dict[str, Any]:
    """The organisation's profile, every field present (None when not filled in)."""
    return clean(organisation.profile or {})


def missing(profile: Mapping[str, Any]) -> list[ProfileField]:
    """The fields not filled in (the legal representative's are not missing for an entity without one)."""
    skip = {"legal_representative", "legal_representative_id", "legal_representative_phone"} \
        if profile.get("no_legal_representative") else set()
    return [f for f in FIELDS if f.name not in skip and not profile.get(f.name)]


def save(organisation, data: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the organisation's profile with validated data (flushes nothing: the caller's unit of work commits)."""
    organisation.profile = clean(data)
    return organisation.profile


def snapshot_on_submit(case, action: str, source: str, body: dict, user) -> None:
    """Workflow listener: copy the exporter's profile onto the case at `submit`, before stage 1 is signed."""
    if action != "submit":
        return
    import sqlalchemy as sa
    from sqlalchemy.orm.attributes import set_committed_value

    from xborder.extensions import db

    snapshot = profile_of(case.exporter)
    # Written beside the transition's own versioned UPDATE (listeners run after it), as part of the same step:
    # a table-level UPDATE, so the copy does not count as a second change of the case (version + 1 per action).
    table = type(case).__table__
    # updated_at kept as the transition's own UPDATE set it (the column's onupdate would move it again, and the
    # answer to the submit would then show an updated_at the database no longer has).
    db.session.execute(sa.update(table).where(table.c.id == case.id)
                       .values(profile_snapshot=snapshot, updated_at=case.updated_at))
    set_committed_value(case, "profile_snapshot", snapshot)

"""Small factories for test data (in the spirit of indico's testing fixtures)."""

from __future__ import annotations

import itertools

from stdnum.cn import uscc as uscc_mod

_seq = itertools.count(1)


def make_uscc(n: int) -> str:
    """A valid USCC whose organisation code is derived from `n`."""
    base = f"91310000{n:08d}"
    org = base[8:16]
    # GB 11714 check character for the 8-digit organisation code
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(digits.index(c) * w for c, w in zip(org, weights, strict=True))
    check = 11 - total % 11
    org_check = {10: "X", 11: "0"}.get(check, str(check))
    body = base + org_check
    return body + uscc_mod.calc_check_digit(body)


class Factory:
    """Create rows in the test's transaction."""

    def __init__(self, db):
        self.db = db

    def organisation(self, kind: str = "enterprise", province: str = "310000", name: str | None = None, **kw):
        from xborder.accounts.models import Organisation

        n = next(_seq)
        org = Organisation(kind=kind, name=name or f"测试组织{n}", uscc=kw.pop("uscc", make_uscc(100 + n)),
                           province=province, **kw)
        self.db.session.add(org)
        self.db.session.flush()
        return org

    def user(self, role: str = "enterprise", organisation=None, password: str = "correct horse", **kw):
        from xborder.accounts.models import User

        kind = {"enterprise": "enterprise", "assessor": "assessor"}.get(role, "authority")
        organisation = organisation or self.organisation(kind=kind)
        n = next(_seq)
        user = User(email=kw.pop("email", f"user{n}@example.test"), role=role, organisation=organisation, **kw)
        user.set_password(password)
        self.db.session.add(user)
        self.db.session.flush()
        return user

    def token(self, user) -> str:
        from xborder.accounts.operations import issue_token

        token, _ = issue_token(user)
        return token

    def case(self, exporter, title: str = "测试案件", **kw):
        import datetime as dt

        from xborder.cases.models import Case, next_reference

        case = Case(reference=next_reference(exporter.province, dt.date.today().year), exporter=exporter,
                    province=exporter.province, title=title, **kw)
        self.db.session.add(case)
        self.db.session.flush()
        return case

    def signed_case(self, assessor_org, took: int, signed_on=None):
        """A case some exporter submitted to `assessor_org` and whose opinion was signed `took` working days later
        (on `signed_on`, a working day; default 2026-06-01), as the audit trail and `reached_provincial_at` record
        it: the history a review estimate is taken from."""
        import datetime as dt

        import sqlalchemy as sa

        from xborder.core import audit
        from xborder.core.timeutil import CHINA
        from xborder.core.workdays import subtract_working_days

        signed_on = signed_on or dt.date(2026, 6, 1)
        submitted_on = subtract_working_days(signed_on, took).due
        at_ten = dt.time(10, tzinfo=CHINA)  # mid-morning in China: the same calendar day in UTC
        case = self.case(self.organisation(), assessor_org=assessor_org, status="provincial_review",
                         reached_provincial_at=dt.datetime.combine(signed_on, at_ten))
        entry = audit.record(case, "transition.submit", {"to": "third_party_review"})
        self.db.session.execute(sa.update(audit.AuditEntry).where(audit.AuditEntry.id == entry.id)
                                .values(created_at=dt.datetime.combine(submitted_on, at_ten)))
        return case


def auth(token: str) -> dict[str, str]:
    """The Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}


def declaration(uscc: str, *, as_of: str = "2025-06-30", pi: int = 80_000, sensitive: int = 0,
                important: bool = False, onward: bool = False, country: str = "DE", province: str = "310000",
                exemption: str | None = None, prior: list | None = None,
                contract_effective_date: str | None = None) -> dict:
    """A one-transfer declaration for the exporter with this USCC (with the standard contract's effective day when
    given: a filing needs it, issue 15)."""
    extra = {"contract_effective_date": contract_effective_date} if contract_effective_date else {}
    return {**extra,
        "as_of": as_of,
        "exporter": {"name": "测试企业", "uscc": uscc, "province": province, "sector": "manufacturing",
                     "is_ciio": False, "pi_subjects_processed": 250_000},
        "prior_transfers": prior or [],
        "transfers": [{
            "purpose": "售后服务", "exemption": exemption,
            "recipient": {"name": "Example GmbH", "country": country, "onward_transfer": onward},
            "data": {"pi_individuals": pi, "sensitive_pi_individuals": sensitive, "important_data": important,
                     "core_data": False, "transit_only": False, "categories": ["contact"]},
        }],
    }

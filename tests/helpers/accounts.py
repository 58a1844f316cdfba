"""Accounts and onboarding in tests: valid USCCs in any division, registration bodies, a strong password."""

from __future__ import annotations

import itertools

from stdnum.cn import uscc as stdnum_uscc

_seq = itertools.count(1)
STRONG = "Qv7-lantern-orbit-93"


def uscc_in(division: str, n: int | None = None) -> str:
    """A valid USCC registered in `division` (characters 3–8), with its GB 11714 and GB 32100 check characters."""
    n = next(_seq) + 5000 if n is None else n
    org = f"{n:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(org, weights, strict=True)) % 11
    body = f"91{division}{org}{ {10: 'X', 11: '0'}.get(check, str(check))}"
    return body + stdnum_uscc.calc_check_digit(body)


def application(kind: str = "enterprise", *, province: str = "310000", uscc: str | None = None,
                email: str | None = None, password: str = STRONG, **org) -> dict:
    """A registration body that passes every check."""
    n = next(_seq)
    body = {"organisation": {"kind": kind, "name": f"申请组织{n}", "uscc": uscc or uscc_in(province[:2] + "0100"),
                             "province": province, **org},
            "user": {"email": email or f"applicant{n}@example.test", "name": f"申请人{n}", "password": password}}
    if kind == "assessor":
        body["organisation"].setdefault("accreditation_scope", "数据出境安全评估")
        body["organisation"].setdefault("accredited_until", "2099-12-31")
    return body

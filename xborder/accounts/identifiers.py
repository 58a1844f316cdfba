"""Checks on what an organisation says about itself: its USCC (check character, registration division) and province."""

from __future__ import annotations

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from xborder.core.errors import field_error
from xborder.law import catalogue

# A USCC issued by a national registration authority carries this division and may be registered in any province.
NATIONAL_DIVISION = "100000"


def division(uscc: str) -> str:
    """The administrative division a USCC was registered in (characters 3–8, GB 32100-2015)."""
    return uscc[2:8]


def organisation_errors(uscc: str, province: str, *, prefix: str = "") -> list[dict[str, str]]:
    """Field errors for a USCC and a province: an unknown province, a wrong check character, or a registration
    division outside the province (a national `100000` fits any); empty when both hold."""
    errors: list[dict[str, str]] = []
    known = catalogue.province(province)
    if known is None:
        errors.append(field_error(f"{prefix}province", "unknown_province",
                                  "Not one of the 31 province-level divisions (GB/T 2260 code, e.g. 310000)",
                                  "不是 31 个省级行政区之一（GB/T 2260 代码，如 310000）"))
    try:
        stdnum_uscc.validate(uscc)
    except ValidationError:
        errors.append(field_error(f"{prefix}uscc", "check_character",
                                  "Not a valid unified social credit code (18 characters, check character)",
                                  "不是有效的统一社会信用代码（18 位，校验码须正确）"))
        return errors
    code = division(uscc)
    if known is not None and code != NATIONAL_DIVISION and code[:2] != province[:2]:
        errors.append(field_error(
            f"{prefix}uscc", "province_mismatch",
            f"The code was registered in division {code}, which is not in {known.name_en}",
            f"该代码的登记管理机关行政区划（{code}）不在{known.name_zh}"))
    return errors

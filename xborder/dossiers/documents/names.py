"""Names for the codes a case carries (province, sector, data category, country, pathway, mechanism, status), so a
document prints a name and never a code. Pure: reads forms/ and pycountry, no Flask."""

from __future__ import annotations

import functools
import gettext
import re

from xborder.law import catalogue, formsdata

_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)+$")
MECHANISMS = {"standard_contract": {"zh": "个人信息出境标准合同", "en": "standard contract"},
              "certification": {"zh": "个人信息保护认证", "en": "PI protection certification"}}
# The statuses a document may name (xborder/cases/models/status.py holds the enum; the pages' labels are Babel's).
STATUSES = {
    "draft": ("草稿", "Draft"), "third_party_review": ("第三方评估", "Third-party review"),
    "rectification": ("整改", "Rectification"), "provincial_review": ("省级审查", "Provincial review"),
    "supplement_requested": ("补充材料", "Supplement requested"),
    "submitted_to_regulator": ("已报送国家网信部门", "Submitted to regulator"), "filed": ("已备案", "Filed"),
    "approved": ("评估通过", "Approved"), "rejected": ("评估未通过", "Rejected"),
    "exempt_recorded": ("已记录豁免", "Exemption recorded"), "withdrawn": ("已撤回", "Withdrawn"),
    "expired": ("已过期", "Expired"),
}


@functools.lru_cache(maxsize=1)
def _names() -> dict:
    return formsdata.load("documents/names/names.yaml")


formsdata.on_clear(_names.cache_clear)


def _spaced(code: str) -> str:
    # An unknown code the enterprise typed: its words, never the identifier itself.
    return re.sub(r"[_.]+", " ", code)


def _named(section: str, value: object, lang: str) -> str:
    text = str(value or "").strip()
    entry = _names()[section].get(text) or _names()[section].get(text.lower())
    if entry:
        return entry[lang]
    return _spaced(text) if _CODE.match(text) else text


def sector(value: object, lang: str = "zh") -> str:
    """A sector's name (`manufacturing` → 制造业); text the enterprise typed in words passes unchanged."""
    return _named("sectors", value, lang)


def category(value: object, lang: str = "zh") -> str:
    """A data category's name (`contact` → 联系方式)."""
    return _named("categories", value, lang)


def province(code: object, lang: str = "zh") -> str:
    """A province's name from its GB/T 2260 code (`310000` → 上海市)."""
    found = catalogue.province(str(code or ""))
    if found is None:
        return str(code or "")
    return found.name_zh if lang == "zh" else found.name_en


@functools.lru_cache(maxsize=512)
def country(code: object, lang: str = "zh") -> str:
    """A country's or region's name from its ISO 3166-1 alpha-2 code (`SG` → 新加坡)."""
    import pycountry

    found = pycountry.countries.get(alpha_2=str(code or "").upper())
    if found is None:
        return str(code or "")
    english = getattr(found, "common_name", None) or found.name
    if lang != "zh":
        return english
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    return zh.gettext(found.name)


def pathway(code: object, lang: str = "zh") -> str:
    """A pathway's name from forms/reasons.yaml."""
    try:
        return catalogue.text("pathways", str(code))[lang]
    except KeyError:
        return _spaced(str(code or ""))


def mechanism(code: object, lang: str = "zh") -> str:
    """A mechanism's name (standard contract or certification)."""
    return MECHANISMS.get(str(code), {}).get(lang) or _spaced(str(code or ""))


def status(code: object, lang: str = "zh") -> str:
    """A case status's name."""
    names = STATUSES.get(str(code))
    return (names[0] if lang == "zh" else names[1]) if names else _spaced(str(code or ""))

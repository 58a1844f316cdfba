"""Typed, cached accessors over `forms/`: instruments and articles, regimes by date, provinces, texts."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xborder.law import formsdata
from xborder.law.formsdata import FormsError

# The contract's pathway identifiers, least to most demanding (spec/README.md); their order is the law's.
PATHWAYS: tuple[str, ...] = ("exempt", "standard_contract_or_certification", "security_assessment")
PATHWAY_RANK: Mapping[str, int] = {name: rank for rank, name in enumerate(PATHWAYS)}

# What a transfer carries, as bits, so that a rule's `carries` test is one AND in the hot loop.
PI, SENSITIVE_PI, IMPORTANT, CORE = 1, 2, 4, 8
CARRIES: Mapping[str, int] = {
    "pi": PI,
    "sensitive_pi": SENSITIVE_PI,
    "any_pi": PI | SENSITIVE_PI,
    "important_data": IMPORTANT | CORE,  # core data is treated at least as important data
    "core_data": CORE,
    "nothing": 0,  # special-cased: matches only a transfer that carries none of the above
}
_COVERS: Mapping[str, int] = {"pi": PI, "sensitive_pi": SENSITIVE_PI, "important_data": IMPORTANT, "core_data": CORE}


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    return dt.date.fromisoformat(str(value))


def _active(start: dt.date | None, end: dt.date | None, on: dt.date) -> bool:
    return (start is None or start <= on) and (end is None or on <= end)


@dataclass(frozen=True, slots=True)
class Citation:
    """One legal basis: instrument id, article and optional item, as the contract spells them."""

    instrument: str
    article: str
    item: str | None = None

    def as_json(self) -> dict[str, str]:
        """Return the contract's `{"instrument", "article", "item"?}` object (a fresh dict each call)."""
        if self.item is None:
            return {"instrument": self.instrument, "article": self.article}
        return {"instrument": self.instrument, "article": self.article, "item": self.item}


@dataclass(frozen=True, slots=True)
class Article:
    """An article of an instrument, with the items a citation may name and the span its content is in force."""

    number: str
    gist_zh: str
    gist_en: str
    items: tuple[str, ...]
    effective_from: dt.date | None
    effective_to: dt.date | None


@dataclass(frozen=True, slots=True)
class Instrument:
    """A law, regulation or measure with its titles, in-force date and cited articles."""

    id: str
    order: int
    title_zh: str
    title_en: str
    short_zh: str
    short_en: str
    in_force: dt.date
    articles: Mapping[str, Article]


@dataclass(frozen=True, slots=True)
class Province:
    """A province-level division by its GB/T 2260 code."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """A number of persons and which count it applies to; `at_least` includes it (以上), `below` excludes it (不满)."""

    id: str
    count: str
    value: int
    words_zh: str
    words_en: str


@dataclass(frozen=True, slots=True)
class Condition:
    """A rule's `when`, compiled: what the transfer carries, who the exporter is, and the counts."""

    carries: int
    nothing: bool
    ciio: bool | None
    sectors: frozenset[str] | None
    processed_at_least: Threshold | None
    count: str | None
    at_least: Threshold | None
    below: Threshold | None

    def could_match(self, kinds: int, ciio: bool) -> bool:
        """Say whether the parts of the condition that do not depend on counts or sector hold (the rest may not)."""
        if self.nothing:
            if kinds:
                return False
        elif not kinds & self.carries:
            return False
        return self.ciio is None or self.ciio == ciio


@dataclass(frozen=True, slots=True)
class Rule:
    """A pathway rule: when it matches a transfer, the transfer needs at least `pathway`, for `legal_basis`."""

    id: str
    when: Condition
    pathway: str
    rank: int
    legal_basis: tuple[Citation, ...]
    effective_from: dt.date | None
    effective_to: dt.date | None
    params: Mapping[str, str]
    text: str = ""


@dataclass(frozen=True, slots=True)
class Exemption:
    """A scenario that exempts a transfer, the kinds of data it can cover and the facts it requires."""

    scenario: str
    covers: int
    requires: frozenset[str]
    legal_basis: tuple[Citation, ...]
    effective_from: dt.date | None = None
    # The interpretation under which a transfer this scenario covers is still counted toward the thresholds.
    counted_if: str | None = None


@dataclass(frozen=True, slots=True)
class Obligation:
    """A duty that follows from a transfer's content or pathway."""

    code: str
    carries: int | None
    pathway: str | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    legal_basis: tuple[Citation, ...]
    # Only for a transfer judged on this year's counts when earlier transfers of the year were counted too.
    counted_earlier: bool = False


@dataclass(frozen=True, slots=True)
class Interpretation:
    """A named, switchable reading of the text that is ours, not the legislator's."""

    id: str
    enabled: bool
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, eq=False)
class Regime:
    """One dated regime of outbound transfer rules (a file in `forms/regimes/`), compiled for the engine."""

    id: str
    title_zh: str
    title_en: str
    effective_from: dt.date
    effective_to: dt.date | None
    instruments: tuple[str, ...]
    required_fields: tuple[str, ...]
    window_years_back: int
    window_basis: tuple[Citation, ...]
    thresholds: Mapping[str, Threshold]
    interpretations: Mapping[str, Interpretation]
    exemptions: Mapping[str, Exemption]
    unknown_exemption_basis: tuple[Citation, ...]
    rules: tuple[Rule, ...]
    obligations: tuple[Obligation, ...]
    assessment_validity_years: int
    validity_basis: tuple[Citation, ...]
    _active_rules: dict[dt.date, tuple[Rule, ...]] = field(default_factory=dict, repr=False, compare=False)
    _rule_shortlists: dict[tuple[dt.date, int, bool], tuple[Rule, ...]] = field(default_factory=dict, repr=False,
                                                                                 compare=False)

    def enabled(self, interpretation: str) -> bool:
        """Say whether the named interpretation exists in this regime and is switched on."""
        found = self.interpretations.get(interpretation)
        return found is not None and found.enabled

    def counts_covered(self, scenario: str) -> bool:
        """Say whether a transfer covered by `scenario` still counts toward the thresholds."""
        if not self.enabled("exempt_transfers_not_counted"):
            return True
        counted_if = self.exemptions[scenario].counted_if
        return counted_if is not None and self.enabled(counted_if)

    def window_start(self, as_of: dt.date) -> dt.date:
        """Return the first day of the counting window for a transfer on `as_of` (1 January, N years back)."""
        return dt.date(as_of.year - self.window_years_back, 1, 1)

    def rules_on(self, on: dt.date) -> tuple[Rule, ...]:
        """Return the rules in force on `on`: within their dates and citing at least one instrument then in force."""
        found = self._active_rules.get(on)
        if found is None:
            found = tuple(r for r in self.rules if _active(r.effective_from, r.effective_to, on)
                          and any(cited_on(c, on) for c in r.legal_basis))
            if len(self._active_rules) < 4096:
                self._active_rules[on] = found
        return found

    def rules_for(self, on: dt.date, kinds: int, ciio: bool) -> tuple[Rule, ...]:
        """Return the rules in force on `on` that can match a transfer carrying `kinds` (bits) of an exporter that is
        or is not a CIIO: the table the engine consults, so a request tests only the sector and counts of these few.

        In `rules_on` order. A rule left out could not match whatever the counts and sector; the engine still tests
        every condition of the rules kept.
        """
        key = (on, kinds, ciio)
        found = self._rule_shortlists.get(key)
        if found is None:
            found = tuple(r for r in self.rules_on(on) if r.when.could_match(kinds, ciio))
            if len(self._rule_shortlists) < 4096:
                self._rule_shortlists[key] = found
        return found


# ---------------------------------------------------------------------------------------------------------------
# Loading and compiling (once per process; formsdata.clear_cache() forgets everything)


@functools.cache
def _instruments() -> Mapping[str, Instrument]:
    doc = formsdata.load("instruments.yaml")
    found: dict[str, Instrument] = {}
    for order, raw in enumerate(doc["instruments"]):
        articles = {
            str(a["article"]): Article(str(a["article"]), a["gist_zh"], a["gist_en"],
                                       tuple(str(i) for i in a.get("items") or ()),
                                       _date(a.get("effective_from")), _date(a.get("effective_to")))
            for a in raw["articles"]
        }
        in_force = _date(raw["in_force"])
        if in_force is None:
            raise FormsError(f"instrument {raw['id']} has no in_force date")
        found[raw["id"]] = Instrument(raw["id"], order, raw["title_zh"], raw["title_en"], raw["short_zh"],
                                      raw["short_en"], in_force, articles)
    return found


@functools.cache
def _texts() -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    texts: Mapping[str, Mapping[str, Mapping[str, str]]] = formsdata.load("reasons.yaml")
    return texts


@functools.cache
def _provinces() -> Mapping[str, Province]:
    doc = formsdata.load("provinces.yaml")
    return {str(p["code"]): Province(str(p["code"]), p["name_zh"], p["name_en"]) for p in doc["provinces"]}


def _citations(raw: Iterable[Mapping[str, Any]], where: str) -> tuple[Citation, ...]:
    cited = []
    for entry in raw:
        citation = Citation(str(entry["instrument"]), str(entry["article"]),
                            None if entry.get("item") is None else str(entry["item"]))
        if not article_exists(citation.instrument, citation.article, citation.item):
            raise FormsError(f"{where} cites {citation}, which forms/instruments.yaml does not have")
        cited.append(citation)
    return tuple(cited)


def _threshold_words(threshold: Threshold | None, name: str) -> dict[str, str]:
    if threshold is None:
        return {}
    return {f"{name}_zh": threshold.words_zh, f"{name}_en": threshold.words_en}


def _compile_regime(doc: Mapping[str, Any]) -> Regime:
    rid = doc["id"]
    texts = _texts()
    thresholds = {
        key: Threshold(key, t["count"], int(t["value"]), t["words_zh"], t["words_en"])
        for key, t in (doc.get("thresholds") or {}).items()
    }

    def threshold(key: str | None, where: str) -> Threshold | None:
        if key is None:
            return None
        if key not in thresholds:
            raise FormsError(f"{where} names threshold {key!r}, which regime {rid} does not define")
        return thresholds[key]

    interpretations = {
        i["id"]: Interpretation(i["id"], bool(i["enabled"]), _citations(i["legal_basis"], f"{rid} {i['id']}"))
        for i in doc.get("interpretations") or ()
    }
    for key in interpretations:
        if key not in texts["interpretations"]:
            raise FormsError(f"interpretation {key} has no text in forms/reasons.yaml")
    by_kind = interpretations.get("pathway_by_pi_kind_carried")
    judge_by_kind = by_kind is not None and by_kind.enabled
    sectors = frozenset(s.lower() for s in doc.get("miit_sectors") or ())

    rules = []
    for raw in doc["rules"]:
        where = f"{rid} rule {raw['id']}"
        when = raw["when"]
        carries = when["carries"]
        cumulative = when.get("cumulative") or {}
        at_least = threshold(cumulative.get("at_least"), where)
        below = threshold(cumulative.get("below"), where)
        counts = {t.count for t in (at_least, below) if t is not None}
        if len(counts) > 1:
            raise FormsError(f"{where} compares one count with thresholds of different counts")
        if cumulative and not judge_by_kind and carries in ("pi", "sensitive_pi"):
            # The processor-level reading: any PI transfer is judged on every cumulative count.
            carries = "any_pi"
        processed = threshold((when.get("processed") or {}).get("at_least"), where)
        condition = Condition(
            carries=CARRIES[carries], nothing=carries == "nothing", ciio=when.get("ciio"),
            sectors=sectors if when.get("sector_in") else None, processed_at_least=processed,
            count=next(iter(counts), None), at_least=at_least, below=below)
        text_code = raw.get("text") or raw["id"]
        if text_code not in texts["reasons"]:
            raise FormsError(f"{where} has no reason text in forms/reasons.yaml")
        params = {**_threshold_words(at_least or processed, "at_least"), **_threshold_words(below, "below")}
        rules.append(Rule(raw["id"], condition, raw["pathway"], PATHWAY_RANK[raw["pathway"]],
                          _citations(raw["legal_basis"], where), _date(raw.get("effective_from")),
                          _date(raw.get("effective_to")), params, text_code))

    exemptions = {}
    for raw in doc.get("exemptions") or ():
        covers = 0
        for kind in raw.get("covers") or ():
            covers |= _COVERS[kind]
        exemptions[raw["scenario"]] = Exemption(raw["scenario"], covers, frozenset(raw.get("requires") or ()),
                                                _citations(raw["legal_basis"], f"{rid} {raw['scenario']}"),
                                                _date(raw.get("effective_from")), raw.get("counted_if"))

    obligations = []
    for raw in doc.get("obligations") or ():
        if raw["code"] not in texts["obligations"]:
            raise FormsError(f"obligation {raw['code']} has no text in forms/reasons.yaml")
        when = raw["when"]
        obligations.append(Obligation(
            raw["code"], CARRIES[when["carries"]] if "carries" in when else None, when.get("pathway"),
            _date(raw.get("effective_from")), _date(raw.get("effective_to")),
            _citations(raw["legal_basis"], f"{rid} obligation {raw['code']}"), bool(when.get("counted_earlier"))))

    start = _date(doc["effective_from"])
    if start is None:
        raise FormsError(f"regime {rid} has no effective_from")
    assessment = doc["validity"]["security_assessment"]
    return Regime(
        id=rid, title_zh=doc["title_zh"], title_en=doc["title_en"], effective_from=start,
        effective_to=_date(doc.get("effective_to")), instruments=tuple(doc["instruments"]),
        required_fields=tuple((doc.get("declaration") or {}).get("required_fields") or ()),
        window_years_back=int(doc["counting_window"]["years_back"]),
        window_basis=_citations(doc["counting_window"]["legal_basis"], f"{rid} counting_window"),
        thresholds=thresholds, interpretations=interpretations, exemptions=exemptions,
        unknown_exemption_basis=_citations(doc["unknown_exemption_basis"], f"{rid} unknown_exemption_basis"),
        rules=tuple(rules), obligations=tuple(obligations), assessment_validity_years=int(assessment["years"]),
        validity_basis=_citations(assessment["legal_basis"], f"{rid} validity"))


@functools.cache
def _regimes() -> tuple[Regime, ...]:
    return tuple(_compile_regime(doc) for doc in formsdata.versions_of("regimes"))


@functools.lru_cache(maxsize=4096)
def _regime_on(on: dt.date) -> Regime | None:
    docs = formsdata.versions_of("regimes")
    chosen = formsdata.in_force(docs, on)
    if chosen is None:
        return None
    return regime(chosen["id"])


# ---------------------------------------------------------------------------------------------------------------
# Public accessors


def instruments() -> tuple[Instrument, ...]:
    """Return every instrument in `forms/instruments.yaml`, in file order."""
    return tuple(_instruments().values())


def instrument(instrument_id: str) -> Instrument:
    """Return the instrument with this id, raising KeyError when forms does not have it."""
    return _instruments()[instrument_id]


def article_exists(instrument_id: str, article: str, item: str | None = None) -> bool:
    """Say whether forms lists this article (and item, when given) of this instrument."""
    found = _instruments().get(instrument_id)
    if found is None or article not in found.articles:
        return False
    return item is None or item in found.articles[article].items


def cited_on(citation: Citation, on: dt.date) -> bool:
    """Say whether a citation may be made for a transfer on `on`: instrument in force and article's content current."""
    found = _instruments()[citation.instrument]
    if on < found.in_force:
        return False
    article = found.articles[citation.article]
    return _active(article.effective_from, article.effective_to, on)


def regimes() -> tuple[Regime, ...]:
    """Return every regime in `forms/regimes/`, oldest first."""
    return _regimes()


def regime(regime_id: str) -> Regime:
    """Return the regime with this id, raising KeyError when forms does not have it."""
    for found in _regimes():
        if found.id == regime_id:
            return found
    raise KeyError(regime_id)


def regime_for(on: dt.date) -> Regime | None:
    """Return the regime in force on `on`, or None before the first one (2022-09-01)."""
    return _regime_on(on)


def earliest_date() -> dt.date:
    """Return the first day any regime is in force: declarations dated earlier are not supported."""
    return min(r.effective_from for r in _regimes())


@functools.cache
def scenario_ids() -> tuple[str, ...]:
    """Return the exemption scenario ids a declaration may claim, in the order the regimes list them."""
    seen: dict[str, None] = {}
    for found in _regimes():
        for scenario in found.exemptions:
            seen.setdefault(scenario, None)
    return tuple(seen)


def provinces() -> Mapping[str, Province]:
    """Return the 31 province-level divisions by GB/T 2260 code."""
    return _provinces()


def province(code: str) -> Province | None:
    """Return the province with this GB/T 2260 code, or None when it is not one of the 31."""
    return _provinces().get(code)


def text(section: str, code: str) -> Mapping[str, str]:
    """Return the bilingual entry `code` of a section of `forms/reasons.yaml`, raising KeyError when missing."""
    return _texts()[section][code]


def reason_text(code: str, lang: str = "zh", **params: Any) -> str:
    """Return the text of reason `code` in `lang` ("zh" or "en") with its placeholders filled from `params`."""
    return _texts()["reasons"][code][lang].format_map(params)


_ZH_DIGITS = "零一二三四五六七八九"


def zh_number(number: int) -> str:
    """Write 1 to 99 as Chinese numerals the way articles are numbered (第十一条, 第二十条)."""
    if number < 10:
        return _ZH_DIGITS[number]
    tens, ones = divmod(number, 10)
    head = "十" if tens == 1 else _ZH_DIGITS[tens] + "十"
    return head + (_ZH_DIGITS[ones] if ones else "")


def citation_label(citation: Mapping[str, Any] | Citation, lang: str = "zh") -> str:
    """Render a legal basis for people: 《个人信息保护法》第三十九条, or "PIPL art. 39"."""
    if isinstance(citation, Citation):
        citation = citation.as_json()
    found = _instruments().get(str(citation["instrument"]))
    article, item = str(citation["article"]), citation.get("item")
    if lang == "zh":
        name = f"《{found.short_zh}》" if found else str(citation["instrument"])
        label = f"{name}第{zh_number(int(article))}条"
        return label + (f"第（{zh_number(int(item))}）项" if item else "")
    name = found.short_en if found else str(citation["instrument"])
    return f"{name} art. {article}" + (f"({item})" if item else "")


def sort_key(citation: Citation) -> tuple[int, int, int]:
    """Order citations by instrument (as listed in forms), then article and item number."""
    return (_instruments()[citation.instrument].order, int(citation.article), int(citation.item or 0))


def check() -> list[str]:
    """Compile every forms file this package reads and return the problems found (empty when all is well)."""
    problems: list[str] = []
    try:
        _instruments()
        found = _regimes()
        _provinces()
    except (FormsError, KeyError, TypeError, ValueError) as exc:
        return [f"{type(exc).__name__}: {exc}"]
    for first, second in zip(found, found[1:], strict=False):
        if first.effective_to is None or (first.effective_to + dt.timedelta(days=1)) != second.effective_from:
            problems.append(f"regimes {first.id} and {second.id} leave a gap or overlap")
    for scenario in scenario_ids():
        if scenario not in _texts()["scenarios"]:
            problems.append(f"scenario {scenario} has no text in forms/reasons.yaml")
    return problems


def clear_cache() -> None:
    """Forget every compiled catalogue (tests that point XBORDER_FORMS_DIR elsewhere call this)."""
    for cached in (_instruments, _texts, _provinces, _regimes, scenario_ids):
        cached.cache_clear()
    _regime_on.cache_clear()
    formsdata.load.cache_clear()


formsdata.on_clear(clear_cache)

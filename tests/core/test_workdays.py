"""Chinese working days and procedure deadlines, hand-counted against the State Council's holiday notices."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
import yaml

from tests.helpers.forms import plain
from xborder.core.workdays import (
    Deadline,
    add_working_days,
    add_years,
    deadline_for,
    deadline_rule,
    is_working_day,
    subtract_working_days,
    working_days_between,
)
from xborder.law.formsdata import FORMS_DIR

D = dt.date


def test_forms_deadlines_validate_against_schema():
    schema = json.loads((FORMS_DIR / "schema" / "deadlines.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted((FORMS_DIR / "deadlines").glob("*.yaml"))
    assert files
    for path in files:
        document = plain(yaml.safe_load(path.read_text(encoding="utf-8")))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == [], f"{path.name}: {errors}"
        assert path.name.startswith(document["effective_from"])


# ------------------------------------------------------------------------------ National Day 2025
# Oct 1 (Wed) – Oct 8 (Wed) off; Sun Sep 28 and Sat Oct 11 worked.

@pytest.mark.parametrize(("start", "n", "due"), [
    (D(2025, 9, 30), 1, D(2025, 10, 9)),   # the whole holiday is skipped
    (D(2025, 9, 30), 2, D(2025, 10, 10)),
    (D(2025, 9, 30), 3, D(2025, 10, 11)),  # Saturday, worked
    (D(2025, 9, 30), 5, D(2025, 10, 14)),  # 9, 10, 11, 13, 14
    (D(2025, 9, 26), 1, D(2025, 9, 28)),   # Sat 27 off, Sun 28 worked
    (D(2025, 9, 26), 2, D(2025, 9, 29)),
    (D(2025, 9, 26), 4, D(2025, 10, 9)),   # 28, 29, 30, then 9 Oct
    (D(2025, 9, 25), 5, D(2025, 10, 9)),   # provincial completeness check across the holiday: 26, 28, 29, 30, 9
])
def test_national_day_2025(start, n, due):
    assert add_working_days(start, n) == Deadline(due=due, provisional=False)


def test_national_day_2025_calendar_as_the_notice_says():
    assert [is_working_day(D(2025, 10, d)) for d in range(1, 12)] == [
        False, False, False, False, False, False, False, False, True, True, True]
    assert is_working_day(D(2025, 9, 28)) is True
    assert is_working_day(D(2025, 9, 27)) is False


# --------------------------------------------------------------------------- Spring Festival 2026
# The 2026 notice: Feb 15 (Sun) – Feb 23 (Mon) off; Sat Feb 14 and Sat Feb 28 worked. The package agrees:

def test_spring_festival_2026_calendar_in_the_package():
    february = {d: is_working_day(D(2026, 2, d)) for d in range(12, 29)}
    assert [d for d, working in february.items() if working] == [12, 13, 14, 24, 25, 26, 27, 28]


@pytest.mark.parametrize(("start", "n", "due"), [
    (D(2026, 2, 12), 1, D(2026, 2, 13)),
    (D(2026, 2, 12), 2, D(2026, 2, 14)),   # Saturday, worked
    (D(2026, 2, 12), 3, D(2026, 2, 24)),   # the nine days off are skipped
    (D(2026, 2, 12), 5, D(2026, 2, 26)),
    (D(2026, 2, 12), 7, D(2026, 2, 28)),   # Saturday, worked
    (D(2026, 2, 12), 8, D(2026, 3, 2)),
])
def test_spring_festival_2026(start, n, due):
    assert add_working_days(start, n) == Deadline(due=due, provisional=False)


def test_spring_festival_2026_counted_back():
    assert subtract_working_days(D(2026, 2, 24), 1) == Deadline(D(2026, 2, 14))
    assert subtract_working_days(D(2026, 2, 24), 2) == Deadline(D(2026, 2, 13))


# ------------------------------------------------------------------------- adjusted working weekends

def test_adjusted_working_sunday_across_new_year_2026():
    # Jan 1–3 2026 off, Sunday Jan 4 worked.
    assert add_working_days(D(2025, 12, 31), 1) == Deadline(D(2026, 1, 4))
    assert add_working_days(D(2025, 12, 31), 2) == Deadline(D(2026, 1, 5))


def test_adjusted_working_sunday_before_labour_day_2025():
    # Sunday Apr 27 2025 worked; May 1–5 off.
    assert add_working_days(D(2025, 4, 25), 1) == Deadline(D(2025, 4, 27))
    assert add_working_days(D(2025, 4, 25), 5) == Deadline(D(2025, 5, 6))   # 27, 28, 29, 30, 6 May


def test_counting_back_across_national_day_2025():
    assert subtract_working_days(D(2025, 10, 9), 1) == Deadline(D(2025, 9, 30))
    assert subtract_working_days(D(2025, 10, 9), 3) == Deadline(D(2025, 9, 28))
    assert subtract_working_days(D(2025, 10, 9), 4) == Deadline(D(2025, 9, 26))


# ------------------------------------------------------------------------------- unknown years

def test_year_the_calendar_does_not_know_counts_weekends_only_and_is_provisional():
    # 2026-12-31 is a Thursday (known); 2027-01-01 is a Friday, counted as a working day for want of a notice.
    assert add_working_days(D(2026, 12, 30), 1) == Deadline(D(2026, 12, 31), provisional=False)
    assert add_working_days(D(2026, 12, 30), 2) == Deadline(D(2027, 1, 1), provisional=True)
    assert add_working_days(D(2026, 12, 30), 3) == Deadline(D(2027, 1, 4), provisional=True)
    # Friday 5 March 2027 + 5: Mon 8 … Fri 12.
    assert add_working_days(D(2027, 3, 5), 5) == Deadline(D(2027, 3, 12), provisional=True)
    assert subtract_working_days(D(2027, 3, 8), 1) == Deadline(D(2027, 3, 5), provisional=True)
    assert is_working_day(D(2027, 10, 1)) is True   # a Friday: weekends only, until the calendar knows better


def test_zero_and_negative_counts():
    assert add_working_days(D(2025, 10, 1), 0) == Deadline(D(2025, 10, 1))
    with pytest.raises(ValueError, match="negative"):
        add_working_days(D(2025, 10, 1), -1)


@pytest.mark.parametrize(("start", "years", "end"), [
    (D(2024, 2, 29), 1, D(2025, 2, 28)),
    (D(2024, 2, 29), 4, D(2028, 2, 29)),
    (D(2024, 2, 29), 3, D(2027, 2, 28)),
    (D(2023, 3, 1), 2, D(2025, 3, 1)),
    (D(2025, 6, 30), 3, D(2028, 6, 30)),
    (D(2028, 2, 29), -1, D(2027, 2, 28)),
])
def test_add_years(start, years, end):
    assert add_years(start, years) == end


# ------------------------------------------------------------------------------------ deadlines

@pytest.mark.parametrize(("kind", "start", "due"), [
    # Friday 10 May 2024; Saturday 11 May 2024 was a working day (Labour Day adjustment).
    ("provincial_completeness_check", D(2024, 5, 10), D(2024, 5, 16)),   # 11, 13, 14, 15, 16
    ("regulator_acceptance", D(2024, 5, 10), D(2024, 5, 20)),            # … 17, 20
    ("reassessment_request", D(2025, 9, 26), D(2025, 10, 23)),           # 28, 29, 30, 9, 10, 11, 13–17, 20–23
    ("standard_contract_filing", D(2026, 2, 12), D(2026, 3, 4)),         # 13, 14, 24–28, 2, 3, 4
    ("supplement", D(2026, 2, 12), D(2026, 3, 4)),
    ("filing_review", D(2025, 9, 26), D(2025, 10, 23)),
])
def test_deadline_for_working_day_kinds(kind, start, due):
    for regime in ("cac-2022", "cac-2024"):
        assert deadline_for(kind, start, regime) == Deadline(due)


def test_assessment_takes_45_working_days():
    # From Monday 1 September 2025: 2–30 September give 22 (21 weekdays and Sunday the 28th), 9–31 October 18
    # (9, 10, Saturday 11, 13–17, 20–24, 27–31): 40; Monday 3 to Friday 7 November: 45.
    assert deadline_for("assessment", D(2025, 9, 1), "cac-2024") == Deadline(D(2025, 11, 7))


def test_validity_is_two_years_then_three():
    assert deadline_for("validity", D(2023, 11, 20), "cac-2022") == Deadline(D(2025, 11, 20))
    assert deadline_for("validity", D(2024, 5, 10), "cac-2024") == Deadline(D(2027, 5, 10))
    assert deadline_for("validity", D(2024, 2, 29), "cac-2024") == Deadline(D(2027, 2, 28))


def test_extension_window_cac_2022_is_a_latest_date():
    # 60 working days before 15 January 2025, counted back by hand: 14 Jan is the 1st, 2 Jan the 9th (1 Jan off),
    # December 2024 gives 22 (31st … 2nd), November 21 (29th … 1st), then 31, 30, 29, 28, 25, 24, 23, 22 October.
    assert deadline_for("extension_window", D(2025, 1, 15), "cac-2022") == Deadline(D(2024, 10, 22))


def test_extension_window_cac_2024_opens_and_closes():
    assert deadline_for("extension_window", D(2025, 1, 15), "cac-2024") == Deadline(
        due=D(2025, 1, 15), provisional=False, opens=D(2024, 10, 22))
    # A result issued in 2024 expires in 2027: the window is counted without 2027's holidays, so provisional.
    expiry = deadline_for("validity", D(2024, 5, 10), "cac-2024").due
    window = deadline_for("extension_window", expiry, "cac-2024")
    assert window.provisional is True and window.due == D(2027, 5, 10)


def test_deadline_rules_carry_their_legal_basis():
    assert deadline_rule("assessment", D(2025, 1, 2), "cac-2024")["legal_basis"] == [
        {"instrument": "sa-measures-2022", "article": "12"}]
    assert deadline_rule("validity", D(2025, 1, 2), "cac-2024")["legal_basis"] == [
        {"instrument": "cbdf-2024", "article": "9"}]
    assert deadline_rule("validity", D(2023, 1, 2), "cac-2022")["legal_basis"] == [
        {"instrument": "sa-measures-2022", "article": "14"}]
    assert deadline_rule("standard_contract_filing", D(2025, 1, 2), "cac-2024")["legal_basis"] == [
        {"instrument": "sc-measures-2023", "article": "7"}]
    supplement = deadline_rule("supplement", D(2025, 1, 2), "cac-2024")
    assert (supplement["count"], supplement["xborder_default"], supplement["legal_basis"]) == (10, True, [])
    window = deadline_rule("extension_window", D(2025, 1, 2), "cac-2022")
    assert (window["count"], window["direction"], window["window"]) == (60, "before", "no_later_than")


def test_every_kind_resolves_under_both_regimes():
    kinds = ["provincial_completeness_check", "regulator_acceptance", "assessment", "reassessment_request",
             "standard_contract_filing", "supplement", "filing_review", "validity", "extension_window"]
    for kind in kinds:
        for regime in ("cac-2022", "cac-2024"):
            rule = deadline_rule(kind, D(2025, 1, 2), regime)
            assert rule["kind"] == kind and rule["regime"] == regime
            assert rule["unit"] in ("working_days", "years") and rule["count"] >= 1
            assert rule["legal_basis"] != [] or rule.get("xborder_default") or rule.get("guide_en")


def test_standard_contract_filing_did_not_exist_before_june_2023():
    with pytest.raises(ValueError, match="not in force"):
        deadline_for("standard_contract_filing", D(2023, 5, 31), "cac-2022")


def test_unknown_kind_or_regime_is_refused():
    with pytest.raises(ValueError, match="kind"):
        deadline_for("coffee_break", D(2025, 1, 2), "cac-2024")
    with pytest.raises(ValueError, match="regime"):
        deadline_for("assessment", D(2025, 1, 2), "cac-2030")
    with pytest.raises(ValueError, match="2022-08-31"):
        deadline_for("assessment", D(2022, 8, 31), "cac-2022")


def test_every_cited_article_exists_in_the_instrument_catalogue():
    from xborder.law import catalogue as instruments

    rules = [deadline_rule(kind, D(2025, 1, 2), regime)
             for kind in yaml.safe_load((FORMS_DIR / "deadlines" / "2022-09-01.yaml").read_text("utf-8"))["kinds"]
             for regime in ("cac-2022", "cac-2024")]
    cited = {(b["instrument"], b["article"], b.get("item")) for rule in rules for b in rule["legal_basis"]}
    assert cited == {("sa-measures-2022", "7", None), ("sa-measures-2022", "12", None),
                     ("sa-measures-2022", "13", None), ("sa-measures-2022", "14", None),
                     ("sc-measures-2023", "7", None), ("cbdf-2024", "9", None),
                     ("pi-cert-measures-2025", "8", None)}  # certificate validity and renewal (issue 15)
    assert [c for c in sorted(cited, key=str) if not instruments.article_exists(*c)] == []


@pytest.mark.parametrize(("start", "end", "days"), [
    # Mon 29 Sep 2025 to Mon 20 Oct: 30 Sep; 1-8 Oct off; 9, 10, Sat 11 (worked), 13-17, 20 Oct — ten.
    ("2025-09-29", "2025-10-20", 10),
    ("2025-09-30", "2025-10-08", 0),  # the holiday only
    ("2025-10-20", "2025-10-20", 0),
    ("2025-10-20", "2025-09-29", 0),  # an end before the start
])
def test_working_days_between_counts_after_the_start_up_to_the_end(start, end, days):
    assert working_days_between(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == days

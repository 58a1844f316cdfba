"""The key-point catalogue: its data, which key points and questions apply to a case, and answer validation."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers.forms import plain
from xborder.law.formsdata import FORMS_DIR
from xborder.law.keypoints import applicable_key_points, case_facts, catalogue, validate_answers

SA = "security_assessment"
SC = "standard_contract_or_certification"
EXPECTED_IDS = ([f"SA-{n}" for n in range(1, 8)] + [f"SELF-{n}" for n in range(1, 7)]
                + [f"LD-{n}" for n in range(1, 7)] + [f"PIA-{n}" for n in range(1, 7)])


def forms_files(folder: str) -> list[pathlib.Path]:
    files = sorted((FORMS_DIR / folder).glob("*.yaml"))
    assert files, f"forms/{folder}/ has no files"
    return files


def validate_folder(folder: str, schema_name: str) -> None:
    schema = json.loads((FORMS_DIR / "schema" / schema_name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in forms_files(folder):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(plain(document))]
        assert errors == [], f"{path.name}: {errors}"
        # Files are named by the date they come into force, so that sorting them sorts the versions.
        assert path.name.startswith(plain(document)["effective_from"])


def declaration(*, as_of: dt.date = dt.date(2025, 6, 30), pi: int = 80000, sensitive: int = 0,
                important: bool = False, core: bool = False, onward: bool = False, country: str = "DE",
                extra_transfers: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    return {
        "as_of": as_of,
        "exporter": {"name": "上海某智能制造有限公司", "uscc": "9131011552601815X1", "province": "310000",
                     "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 250000},
        "prior_transfers": [],
        "transfers": [{
            "purpose": "全球售后服务工单处理", "exemption": None,
            "recipient": {"name": "Example GmbH", "country": country, "onward_transfer": onward},
            "data": {"pi_individuals": pi, "sensitive_pi_individuals": sensitive, "important_data": important,
                     "core_data": core, "transit_only": False, "categories": ["contact"]},
        }, *extra_transfers],
    }


def determination(pathway: str, regime: str = "cac-2024") -> dict[str, Any]:
    return {"regime": regime, "pathway": pathway}


def question_ids(points: list[dict[str, Any]]) -> set[str]:
    return {q["id"] for p in points for q in p["questions"]}


def test_forms_key_points_validate_against_schema():
    validate_folder("key_points", "key_points.json")


def test_every_key_point_is_in_the_catalogue_once():
    ids = [p["id"] for p in catalogue(dt.date(2025, 6, 30))["key_points"]]
    assert sorted(ids) == sorted(EXPECTED_IDS)
    assert len(ids) == len(set(ids))


def test_question_ids_are_unique_and_belong_to_their_key_point():
    seen: list[str] = []
    for point in catalogue(dt.date(2025, 6, 30))["key_points"]:
        for question in point.get("questions") or ():
            assert question["id"].startswith(point["id"] + ".q")
            seen.append(question["id"])
    assert len(seen) == len(set(seen))
    assert len(seen) == 53


def test_questions_sharing_a_topic_share_kind_and_options():
    by_topic: dict[str, tuple[str, list[str]]] = {}
    for point in catalogue(dt.date(2025, 6, 30))["key_points"]:
        for question in point.get("questions") or ():
            if "topic" not in question:
                continue
            shape = (question["kind"], [o["value"] for o in question.get("options") or ()])
            assert by_topic.setdefault(question["topic"], shape) == shape, question["id"]


def test_regulator_key_points_are_covered_by_answered_ones():
    points = {p["id"]: p for p in catalogue(dt.date(2025, 6, 30))["key_points"]}
    for point in points.values():
        if point["role"] == "regulator":
            assert point["covered_by"], point["id"]
            for covering in point["covered_by"]:
                assert points[covering]["role"] == "enterprise"
                assert SA in points[covering]["pathways"]


def test_no_catalogue_before_the_regime_starts():
    with pytest.raises(ValueError, match="2022-08-31"):
        catalogue(dt.date(2022, 8, 31))


def test_security_assessment_enterprise_answers_self_and_legal_documents():
    points = applicable_key_points(declaration(important=True), determination(SA))
    assert [p["id"] for p in points] == [f"SELF-{n}" for n in range(1, 7)] + [f"LD-{n}" for n in range(1, 7)]
    assert {p["role"] for p in points} == {"enterprise"}
    first = points[0]
    assert set(first) >= {"id", "title_zh", "title_en", "legal_basis", "questions", "evidence_hints"}
    assert first["legal_basis"] == [{"instrument": "sa-measures-2022", "article": "5", "item": "1"}]
    assert first["title_zh"] == "数据出境及境外接收方处理数据的合法性、正当性、必要性"
    assert first["evidence_hints"][0] == {"zh": "业务说明及数据流图",
                                          "en": "Business description and data-flow diagram"}


def test_regulator_key_points_are_shown_only_on_request_and_carry_no_questions():
    points = applicable_key_points(declaration(important=True), determination(SA), include_regulator=True)
    regulator = [p for p in points if p["role"] == "regulator"]
    assert [p["id"] for p in regulator] == [f"SA-{n}" for n in range(1, 8)]
    assert all(p["questions"] == [] and p["risk_factors"] == [] for p in regulator)
    assert regulator[1]["covered_by"] == ["SELF-3", "SELF-4", "LD-4"]


def test_standard_contract_enterprise_answers_pia_and_legal_documents():
    points = applicable_key_points(declaration(pi=150000), determination(SC))
    assert [p["id"] for p in points] == [f"PIA-{n}" for n in range(1, 7)] + [f"LD-{n}" for n in range(1, 7)]


def test_exempt_case_has_no_key_points():
    assert applicable_key_points(declaration(pi=5000), determination("exempt")) == []


def test_unknown_pathway_is_refused():
    with pytest.raises(ValueError, match="pathway"):
        applicable_key_points(declaration(), {"pathway": "nothing"})


def test_legal_basis_follows_the_pathway_and_the_date():
    sa_ld = applicable_key_points(declaration(important=True), determination(SA))[6]
    assert sa_ld["id"] == "LD-1"
    assert sa_ld["legal_basis"] == [{"instrument": "sa-measures-2022", "article": "9", "item": "1"}]
    sc_points = applicable_key_points(declaration(as_of=dt.date(2023, 7, 1)), determination(SC, "cac-2022"))
    by_id = {p["id"]: p for p in sc_points}
    assert by_id["LD-1"]["legal_basis"] == [{"instrument": "pipl", "article": "38"},
                                            {"instrument": "sc-measures-2023", "article": "6"}]
    assert by_id["PIA-5"]["legal_basis"] == [{"instrument": "pipl", "article": "55", "item": "4"},
                                             {"instrument": "pipl", "article": "56", "item": "2"},
                                             {"instrument": "sc-measures-2023", "article": "5", "item": "5"}]
    # Before the standard-contract measures were in force, only the PIPL is cited.
    early = {p["id"]: p for p in applicable_key_points(declaration(as_of=dt.date(2023, 5, 31)),
                                                       determination(SC, "cac-2022"))}
    assert early["PIA-5"]["legal_basis"] == [{"instrument": "pipl", "article": "55", "item": "4"},
                                             {"instrument": "pipl", "article": "56", "item": "2"}]
    assert early["LD-1"]["legal_basis"] == [{"instrument": "pipl", "article": "38"}]


def test_sensitive_pi_questions_only_when_sensitive_pi_is_declared():
    without = question_ids(applicable_key_points(declaration(important=True), determination(SA)))
    with_sensitive = question_ids(applicable_key_points(declaration(important=True, sensitive=20),
                                                        determination(SA)))
    assert {"SELF-2.q2", "SELF-2.q3"} & without == set()
    assert with_sensitive - without == {"SELF-2.q2", "SELF-2.q3"}
    sc_without = question_ids(applicable_key_points(declaration(), determination(SC)))
    sc_with = question_ids(applicable_key_points(declaration(sensitive=20), determination(SC)))
    assert sc_with - sc_without == {"PIA-2.q2", "PIA-2.q3"}


def test_important_data_questions_only_when_important_or_core_data_is_declared():
    plain_pi = question_ids(applicable_key_points(declaration(pi=2_000_000), determination(SA)))
    important = question_ids(applicable_key_points(declaration(pi=2_000_000, important=True), determination(SA)))
    core = question_ids(applicable_key_points(declaration(pi=2_000_000, core=True), determination(SA)))
    assert important - plain_pi == {"SELF-2.q4", "SELF-2.q5"}
    assert core == important


def test_onward_transfer_question_only_when_onward_transfer_is_declared():
    without = question_ids(applicable_key_points(declaration(important=True), determination(SA)))
    onward = question_ids(applicable_key_points(declaration(important=True, onward=True), determination(SA)))
    assert onward - without == {"LD-3.q3"}


def test_pi_questions_drop_out_when_no_personal_information_is_sent():
    pi = question_ids(applicable_key_points(declaration(important=True), determination(SA)))
    no_pi = question_ids(applicable_key_points(declaration(pi=0, important=True), determination(SA)))
    assert pi - no_pi == {"SELF-1.q4", "SELF-2.q6", "SELF-4.q1"}


def test_case_facts_read_every_transfer():
    second = {"purpose": "HR", "exemption": None,
              "recipient": {"name": "Other Ltd", "country": "JP", "onward_transfer": True},
              "data": {"pi_individuals": 0, "sensitive_pi_individuals": 5, "important_data": False,
                       "core_data": True, "transit_only": False, "categories": []}}
    facts = case_facts(declaration(extra_transfers=(second,)))
    assert facts == {"pi": True, "sensitive_pi": True, "important_data": True, "core_data": True,
                     "onward_transfer": True, "ciio": False, "multiple_recipients": True}


def test_questions_are_typed_with_bilingual_labels_and_options():
    points = applicable_key_points(declaration(important=True, sensitive=10), determination(SA))
    questions = {q["id"]: q for p in points for q in p["questions"]}
    assert {q["kind"] for q in questions.values()} == {"yes_no", "choice", "number", "text"}
    certifications = questions["SELF-3.q1"]
    assert certifications["kind"] == "choice"
    assert [o["value"] for o in certifications["options"]] == ["iso27001_and_27701", "iso27001", "iso27701", "none"]
    assert certifications["options"][3] == {"value": "none", "label_zh": "无", "label_en": "None"}
    assert questions["SELF-3.q3"]["min"] == 0
    assert questions["SELF-1.q1"]["max_length"] == 5000
    for question in questions.values():
        for key in ("label_zh", "label_en", "help_zh", "help_en"):
            assert isinstance(question[key], str) and question[key].strip() != "", (question["id"], key)


# ------------------------------------------------------------------------------------------------ answers


@pytest.fixture()
def sa_points() -> list[dict[str, Any]]:
    return applicable_key_points(declaration(important=True, sensitive=10), determination(SA))


def test_valid_answers_have_no_errors(sa_points):
    answers = [
        {"key_point": "SELF-2", "answer": "见附件", "measures": "去标识化", "evidence": [3],
         "responses": {"SELF-2.q1": "联系人、设备号", "SELF-2.q3": True, "SELF-2.q4": "filed", "SELF-2.q6": None}},
        {"key_point": "SELF-3", "answer": "ISO 27001", "responses": {"SELF-3.q3": 0, "SELF-3.q1": "iso27001"}},
        {"key_point": "LD-3", "answer": "第7条", "responses": {}},
        {"key_point": "SELF-1", "answer": "", "responses": {"SELF-1.q3": "1_to_3y"}},
    ]
    assert validate_answers(answers, sa_points) == []


def test_answer_errors_name_the_path_and_code(sa_points):
    answers = [
        {"key_point": "SELF-2", "responses": {
            "SELF-2.q3": "yes",        # yes_no needs a boolean
            "SELF-2.q4": "somewhere",  # not an option
            "SELF-2.q9": True,         # no such question
        }},
        {"key_point": "PIA-1", "responses": {}},                           # not a key point of a security assessment
        {"key_point": "SELF-3", "responses": {"SELF-3.q3": True,           # a boolean is not a number
                                              "SELF-3.q1": 2,              # a choice is a string
                                              "SELF-3.q4": ["a"]}},        # text is a string
        {"key_point": "SELF-2", "responses": {}},                          # answered twice
        "SELF-4",
        {"responses": {}},
        {"key_point": "SELF-6", "answer": 5, "evidence": "x", "responses": []},
        {"key_point": "SELF-1", "responses": {"SELF-1.q1": "x" * 5001}},
    ]
    errors = validate_answers(answers, sa_points)
    assert [(e["path"], e["code"]) for e in errors] == [
        ("answers/0/responses/SELF-2.q3", "type"),
        ("answers/0/responses/SELF-2.q4", "choice"),
        ("answers/0/responses/SELF-2.q9", "unknown_question"),
        ("answers/1/key_point", "unknown_key_point"),
        ("answers/2/responses/SELF-3.q3", "type"),
        ("answers/2/responses/SELF-3.q1", "type"),
        ("answers/2/responses/SELF-3.q4", "type"),
        ("answers/3/key_point", "duplicate"),
        ("answers/4", "type"),
        ("answers/5/key_point", "required"),
        ("answers/6/answer", "type"),
        ("answers/6/evidence", "type"),
        ("answers/6/responses", "type"),
        ("answers/7/responses/SELF-1.q1", "max_length"),
    ]
    for error in errors:
        assert set(error) == {"path", "code", "message_en", "message_zh"}
        assert error["message_en"].strip() != "" and error["message_zh"].strip() != ""
    assert errors[1]["message_en"] == "Must be one of: filed, identified_not_filed, not_identified"


def test_number_below_minimum_is_an_error(sa_points):
    errors = validate_answers([{"key_point": "SELF-3", "responses": {"SELF-3.q3": -1}}], sa_points)
    assert [(e["path"], e["code"]) for e in errors] == [("answers/0/responses/SELF-3.q3", "min")]


def test_question_that_does_not_apply_to_the_case_is_unknown():
    points = applicable_key_points(declaration(important=True), determination(SA))  # no sensitive PI
    errors = validate_answers([{"key_point": "SELF-2", "responses": {"SELF-2.q3": True}}], points)
    assert [(e["path"], e["code"]) for e in errors] == [("answers/0/responses/SELF-2.q3", "unknown_question")]


def test_answers_must_be_a_list(sa_points):
    assert [(e["path"], e["code"]) for e in validate_answers({"key_point": "SELF-1"}, sa_points)] == [
        ("answers", "type")]


def test_every_cited_article_exists_in_the_instrument_catalogue():
    from xborder.law import catalogue as instruments

    cited = {(b["instrument"], str(b["article"]), b.get("item"))
             for point in catalogue(dt.date(2025, 6, 30))["key_points"] for b in point["legal_basis"]}
    assert len(cited) == 32
    assert [c for c in sorted(cited, key=str) if not instruments.article_exists(*c)] == []

"""Web forms (Flask-WTF, so every POST carries a CSRF token) and their mapping onto the API's documents."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from xborder.web.helpers import parse_count

MAX_TRANSFERS = 20
MAX_PRIOR_TRANSFERS = 50
_PRIOR_KEY = re.compile(r"prior_transfers-(\d+)-(\w+)")


class TransferForm(Form):
    """One transfer: purpose, claimed scenario, recipient, and what the data holds (no CSRF: part of a larger form)."""

    purpose = StringField(_l("Purpose of the transfer"), validators=[Optional(), Length(max=500)])
    exemption = SelectField(_l("Exemption scenario claimed"), validate_choice=False)
    recipient_name = StringField(_l("Recipient abroad"), validators=[Optional(), Length(max=200)])
    country = SelectField(_l("Recipient's country or region"), validate_choice=False)
    onward_transfer = BooleanField(_l("The recipient passes the data on to third parties"))
    pi_individuals = StringField(_l("Persons whose personal information (not sensitive) is sent"),
                                 validators=[Optional(), Length(max=20)])
    sensitive_pi_individuals = StringField(_l("Persons whose sensitive personal information is sent"),
                                           validators=[Optional(), Length(max=20)])
    important_data = BooleanField(_l("Includes important data"))
    core_data = BooleanField(_l("Includes core data"))
    transit_only = BooleanField(_l("Collected abroad, processed in China and sent back out unchanged"))
    categories = StringField(_l("Kinds of data (comma separated)"), validators=[Optional(), Length(max=500)])


class PriorTransferForm(Form):
    """A transfer made earlier outside xborder, counted toward the thresholds (no CSRF: part of a larger form)."""

    date = StringField(_l("Date of the earlier transfer"), validators=[Optional(), Length(max=20)])
    pi_individuals = StringField(_l("Persons (personal information, not sensitive)"),
                                 validators=[Optional(), Length(max=20)])
    sensitive_pi_individuals = StringField(_l("Persons (sensitive personal information)"),
                                           validators=[Optional(), Length(max=20)])
    exemption = SelectField(_l("Exemption scenario applied"), validate_choice=False)

    def is_blank(self) -> bool:
        """Nothing typed in this row (such a row is left out, not reported)."""
        return not any((field.data or "").strip() for field in self)


class DeclarationForm(FlaskForm):
    """The declaration wizard: the exporter's facts and its transfers, one by one."""

    title = StringField(_l("Case title"), validators=[Optional(), Length(max=200)])
    as_of = DateField(_l("Date of the planned transfer"), validators=[InputRequired()])
    exporter_name = StringField(_l("Exporter"), validators=[Optional(), Length(max=200)])
    exporter_uscc = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=18)])
    exporter_province = SelectField(_l("Province"), validate_choice=False)
    sector = StringField(_l("Sector"), validators=[Optional(), Length(max=100)])
    is_ciio = BooleanField(_l("We operate critical information infrastructure"))
    pi_subjects_processed = StringField(_l("Persons whose personal information we process in total"),
                                        validators=[Optional(), Length(max=20)])
    transfers = FieldList(FormField(TransferForm), min_entries=1, max_entries=MAX_TRANSFERS)
    prior_transfers = FieldList(FormField(PriorTransferForm), min_entries=0, max_entries=MAX_PRIOR_TRANSFERS)
    version = HiddenField()

    def setup_choices(self, scenarios: list[tuple[str, str]], countries: list[tuple[str, str]],
                      provinces: list[tuple[str, str]]) -> None:
        """Fill the pickers (they depend on the language of the request)."""
        self.exporter_province.choices = provinces
        self._scenarios = scenarios
        for entry in self.transfers:
            entry.form.exemption.choices = [("", str(_l("None")))] + scenarios
            entry.form.country.choices = [("", str(_l("Choose…")))] + countries
        for entry in self.prior_transfers:
            entry.form.exemption.choices = [("", str(_l("None")))] + scenarios

    def blank_prior_transfer(self) -> PriorTransferForm:
        """An empty earlier-transfer row numbered `__index__`, which the script copies when a row is added."""
        row = PriorTransferForm(prefix="prior_transfers-__index__-")
        row.exemption.choices = [("", str(_l("None")))] + list(getattr(self, "_scenarios", []))
        return row

    def reload_prior_transfers(self, formdata: Mapping[str, str], drop: int | None = None) -> None:
        """Read the earlier transfers from `formdata` again, numbered 0, 1, … in the order sent, leaving out row
        `drop` and rows with nothing typed, so that an engine error's index names the row the user sees."""
        rows: dict[int, dict[str, str]] = {}
        for key in formdata:
            match = _PRIOR_KEY.fullmatch(key)
            if match:
                rows.setdefault(int(match[1]), {})[match[2]] = formdata.get(key) or ""
        kept = [row for index, row in sorted(rows.items())
                if index != drop and any(value.strip() for value in row.values())]
        renumbered = {f"prior_transfers-{index}-{name}": value
                      for index, row in enumerate(kept) for name, value in row.items()}
        self.prior_transfers.process(MultiDict(renumbered))

    def to_declaration(self) -> dict[str, Any]:
        """The declaration document the engine validates (the same one `POST /api/v1/cases` accepts)."""
        return {
            "as_of": self.as_of.data.isoformat() if isinstance(self.as_of.data, dt.date) else self.as_of.raw_data,
            "exporter": {
                "name": (self.exporter_name.data or "").strip(),
                "uscc": (self.exporter_uscc.data or "").strip().upper(),
                "province": self.exporter_province.data or "",
                "sector": (self.sector.data or "").strip() or None,
                "is_ciio": bool(self.is_ciio.data),
                "pi_subjects_processed": parse_count(self.pi_subjects_processed.data),
            },
            "prior_transfers": [_prior_transfer(entry.form) for entry in self.prior_transfers
                                if not entry.form.is_blank()],
            "transfers": [_transfer(entry.form) for entry in self.transfers],
        }

    def fill_from(self, declaration: dict[str, Any]) -> None:
        """Show an existing declaration in the form."""
        exporter = declaration.get("exporter") or {}
        self.as_of.data = dt.date.fromisoformat(declaration["as_of"])
        self.exporter_name.data = exporter.get("name")
        self.exporter_uscc.data = exporter.get("uscc")
        self.exporter_province.data = exporter.get("province")
        self.sector.data = exporter.get("sector")
        self.is_ciio.data = bool(exporter.get("is_ciio"))
        count = exporter.get("pi_subjects_processed")
        self.pi_subjects_processed.data = f"{count:,}" if isinstance(count, int) else ""
        while len(self.transfers.entries):
            self.transfers.pop_entry()
        for transfer in declaration.get("transfers") or []:
            recipient, data = transfer.get("recipient") or {}, transfer.get("data") or {}
            self.transfers.append_entry({
                "purpose": transfer.get("purpose"), "exemption": transfer.get("exemption") or "",
                "recipient_name": recipient.get("name"), "country": recipient.get("country"),
                "onward_transfer": bool(recipient.get("onward_transfer")),
                "pi_individuals": f"{data.get('pi_individuals', 0):,}",
                "sensitive_pi_individuals": f"{data.get('sensitive_pi_individuals', 0):,}",
                "important_data": bool(data.get("important_data")), "core_data": bool(data.get("core_data")),
                "transit_only": bool(data.get("transit_only")),
                "categories": ", ".join(data.get("categories") or []),
            })
        while len(self.prior_transfers.entries):
            self.prior_transfers.pop_entry()
        for prior in declaration.get("prior_transfers") or []:
            self.prior_transfers.append_entry({
                "date": prior.get("date"), "exemption": prior.get("exemption") or "",
                "pi_individuals": f"{prior.get('pi_individuals', 0):,}",
                "sensitive_pi_individuals": f"{prior.get('sensitive_pi_individuals', 0):,}",
            })


def _transfer(form: TransferForm) -> dict[str, Any]:
    categories = [c.strip() for c in (form.categories.data or "").replace("，", ",").split(",") if c.strip()]
    return {
        "purpose": (form.purpose.data or "").strip() or None,
        "exemption": form.exemption.data or None,
        "recipient": {"name": (form.recipient_name.data or "").strip(), "country": form.country.data or "",
                      "onward_transfer": bool(form.onward_transfer.data)},
        "data": {"pi_individuals": _count_or_zero(form.pi_individuals.data),
                 "sensitive_pi_individuals": _count_or_zero(form.sensitive_pi_individuals.data),
                 "important_data": bool(form.important_data.data), "core_data": bool(form.core_data.data),
                 "transit_only": bool(form.transit_only.data), "categories": categories},
    }


def _prior_transfer(form: PriorTransferForm) -> dict[str, Any]:
    # A missing date is left out rather than sent as null, so the engine says "required" at its path.
    date = (form.date.data or "").strip()
    return {**({"date": date} if date else {}),
            "pi_individuals": _count_or_zero(form.pi_individuals.data),
            "sensitive_pi_individuals": _count_or_zero(form.sensitive_pi_individuals.data),
            "exemption": form.exemption.data or None}


def _count_or_zero(raw: str | None) -> int | str:
    value = parse_count(raw)
    if isinstance(value, str) and re.fullmatch(r"-\d+", value.strip().replace(",", "")):
        return int(value.strip().replace(",", ""))  # a negative number: the engine says "must be 0 or more"
    return 0 if value is None else value


def field_id_for(path: str) -> str:
    """The form field that shows an engine error at `path` (`transfers/0/data/pi_individuals` →
    `transfers-0-pi_individuals`), so each message sits beside its input."""
    parts = path.split("/")
    if parts[0] == "prior_transfers" and len(parts) >= 3 and parts[1].isdigit():
        return f"prior_transfers-{parts[1]}-{parts[2]}"
    if parts[0] == "transfers" and len(parts) >= 3 and parts[1].isdigit():
        leaf = parts[-1]
        if parts[2] == "recipient":
            leaf = {"name": "recipient_name"}.get(leaf, leaf)
        return f"transfers-{parts[1]}-{leaf}"
    if parts[0] == "exporter" and len(parts) > 1:
        return {"name": "exporter_name", "uscc": "exporter_uscc", "province": "exporter_province"}.get(
            parts[1], parts[1])
    return parts[0]


class AnswerForm(FlaskForm):
    """One key point's answer; the question responses come from the key point's own fields in `forms/`."""

    answer = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=5000)])
    measures = TextAreaField(_l("Measures taken"), validators=[Optional(), Length(max=5000)])
    version = HiddenField(validators=[DataRequired()])


class EvidenceForm(FlaskForm):
    """An evidence file, optionally for a key point."""

    file = FileField(_l("File"))
    key_point = HiddenField()


class ActionForm(FlaskForm):
    """Any workflow action; which fields matter depends on the action (the workflow checks them)."""

    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[InputRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    assessor_org_id = SelectField(_l("Third-party assessment body"), coerce=int, validate_choice=False,
                                  validators=[Optional()])
    key_points = SelectMultipleField(_l("Key points to fix"), validate_choice=False)
    due_date = DateField(_l("Due date"), validators=[Optional()])
    completeness_confirmed = BooleanField(_l("I confirm the materials are complete"))
    filing_number = StringField(_l("Filing number"), validators=[Optional(), Length(max=100)])
    decision = SelectField(_l("Decision"), validate_choice=False)
    decision_number = StringField(_l("Decision number"), validators=[Optional(), Length(max=100)])
    decision_date = DateField(_l("Decision date"), validators=[Optional()])
    result_received_date = DateField(_l("Date the result was received"), validators=[Optional()])
    acceptance_date = DateField(_l("Date of the acceptance notice"), validators=[Optional()])

    def to_body(self) -> dict[str, Any]:
        """The body `POST /api/v1/cases/{id}/transitions` takes, with only what was filled in."""
        body: dict[str, Any] = {"action": self.action.data, "version": self.version.data}
        if (self.comment.data or "").strip():
            body["comment"] = self.comment.data.strip()
        if self.assessor_org_id.data:
            body["assessor_org_id"] = self.assessor_org_id.data
        if self.key_points.data:
            body["key_points"] = list(self.key_points.data)
        if self.due_date.data:
            body["due_date"] = self.due_date.data.isoformat()
        if self.completeness_confirmed.data:
            body["completeness_confirmed"] = True
        for name in ("filing_number", "decision_number"):
            if (getattr(self, name).data or "").strip():
                body[name] = getattr(self, name).data.strip()
        if self.action.data == "record_decision":
            body["decision"] = self.decision.data
            if self.decision_date.data:
                body["decision_date"] = self.decision_date.data.isoformat()
            if self.result_received_date.data:
                body["result_received_date"] = self.result_received_date.data.isoformat()
        if self.action.data == "record_acceptance" and self.acceptance_date.data:
            body["acceptance_date"] = self.acceptance_date.data.isoformat()
        return body


class ReviewForm(FlaskForm):
    """The assessor's findings; per key point fields are read by name (`finding-<id>` …) from the request."""

    version = HiddenField(validators=[DataRequired()])

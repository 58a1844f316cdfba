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

from xborder.cases.transitions import ACTIONS, Field, FieldKind, fields_by_name
from xborder.core.labels import category_code, category_label, sector_choices
from xborder.core.text import MESSAGES, normalise_newlines, unsafe_character
from xborder.web.helpers import parse_count


class SafeText:
    """A wtforms validator refusing control characters (and, unless multiline, line breaks), as the API does."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        from wtforms.validators import ValidationError

        if isinstance(field.data, str) and (code := unsafe_character(field.data, multiline=self.multiline)):
            raise ValidationError(" / ".join(reversed(MESSAGES[code])))


def _lf(value: Any) -> Any:
    return normalise_newlines(value) if isinstance(value, str) else value  # browsers send CR LF

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

    title = StringField(_l("Case title"), validators=[Optional(), Length(max=200), SafeText()])
    as_of = DateField(_l("Date of the planned transfer"), validators=[InputRequired()])
    exporter_name = StringField(_l("Exporter"), validators=[Optional(), Length(max=200)])
    exporter_uscc = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=18)])
    exporter_province = SelectField(_l("Province"), validate_choice=False)
    # A picker of named sectors (the rules read the code; people read the name), see core/labels.py.
    sector = SelectField(_l("Sector"), validators=[Optional(), Length(max=100)], validate_choice=False)
    is_ciio = BooleanField(_l("We operate critical information infrastructure"))
    # Issue 15: the pilot free trade zone the exporter is registered in (forms/ftz/zones.yaml), and the day its
    # standard contract takes effect (the filing is due 10 working days later, sc-measures-2023 art 7).
    ftz = SelectField(_l("Pilot free trade zone"), validate_choice=False)
    contract_effective_date = DateField(_l("Day the standard contract takes effect"), validators=[Optional()])
    pi_subjects_processed = StringField(_l("Persons whose personal information we process in total"),
                                        validators=[Optional(), Length(max=20)])
    transfers = FieldList(FormField(TransferForm), min_entries=1, max_entries=MAX_TRANSFERS)
    prior_transfers = FieldList(FormField(PriorTransferForm), min_entries=0, max_entries=MAX_PRIOR_TRANSFERS)
    version = HiddenField()

    def setup_choices(self, scenarios: list[tuple[str, str]], countries: list[tuple[str, str]],
                      provinces: list[tuple[str, str]]) -> None:
        """Fill the pickers (they depend on the language of the request)."""
        self.exporter_province.choices = provinces
        self.sector.choices = sector_choices(self.sector.data)
        self.ftz.choices = ftz_choices(None)
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
        declaration: dict[str, Any] = {
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
        # Both optional and null by default (declaration.md): sent only when given, so a declaration without them
        # reads as it always did.
        if self.ftz.data:
            declaration["exporter"]["ftz"] = self.ftz.data
        if isinstance(self.contract_effective_date.data, dt.date):
            declaration["contract_effective_date"] = self.contract_effective_date.data.isoformat()
        return declaration

    def fill_from(self, declaration: dict[str, Any]) -> None:
        """Show an existing declaration in the form."""
        exporter = declaration.get("exporter") or {}
        self.as_of.data = dt.date.fromisoformat(declaration["as_of"])
        self.exporter_name.data = exporter.get("name")
        self.exporter_uscc.data = exporter.get("uscc")
        self.exporter_province.data = exporter.get("province")
        self.sector.data = exporter.get("sector")
        self.sector.choices = sector_choices(self.sector.data)
        self.is_ciio.data = bool(exporter.get("is_ciio"))
        self.ftz.data = exporter.get("ftz") or ""
        contract = declaration.get("contract_effective_date")
        self.contract_effective_date.data = dt.date.fromisoformat(contract) if contract else None
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
                "categories": ", ".join(category_label(c) for c in data.get("categories") or []),
            })
        while len(self.prior_transfers.entries):
            self.prior_transfers.pop_entry()
        for prior in declaration.get("prior_transfers") or []:
            self.prior_transfers.append_entry({
                "date": prior.get("date"), "exemption": prior.get("exemption") or "",
                "pi_individuals": f"{prior.get('pi_individuals', 0):,}",
                "sensitive_pi_individuals": f"{prior.get('sensitive_pi_individuals', 0):,}",
            })


def ftz_choices(province: str | None) -> list[tuple[str, str]]:
    """The pilot free trade zones with a negative list, those in `province` only when it is given, by name."""
    from xborder.core.i18n import current_locale
    from xborder.law.zones import zones

    names = [(z.id, z.name_en if current_locale() == "en" else z.name_zh) for z in zones().values()
             if province is None or z.province == province]
    return [("", str(_l("None")))] + names


def _transfer(form: TransferForm) -> dict[str, Any]:
    # A category shown by its name (an older code, see fill_from) is stored as that code again: editing changes nothing.
    categories = [category_code(c.strip()) for c in (form.categories.data or "").replace("，", ",").split(",")
                  if c.strip()]
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


class ExtensionCheckForm(FlaskForm):
    """The extension check's answers; the six conditions' fields are read by id from the request (they are data,
    forms/extension.yaml), the version the page was built on is here."""

    version = HiddenField(validators=[DataRequired()])


class EvidenceForm(FlaskForm):
    """An evidence file, optionally for a key point."""

    file = FileField(_l("File"))
    key_point = HiddenField()


# The words the pages show for the action table's fields (`transitions.py`); every field has one.
FIELD_LABELS = {
    "comment": _l("Comment"),
    "assessor_org_id": _l("Third-party assessment body"),
    "key_points": _l("Key points to fix"),
    "due_date": _l("Due date"),
    "completeness_confirmed": _l("I confirm the materials are complete"),
    "filing_number": _l("Filing number"),
    "decision": _l("Decision"),
    "decision_number": _l("Decision number"),
    "decision_date": _l("Decision date"),
    "result_received_date": _l("Date the result was received"),
    "acceptance_date": _l("Date of the acceptance notice"),
    "mechanism": _l("Route"),
    "certificate_number": _l("Certificate number"),
    "certification_body": _l("Certification body"),
    "issued_on": _l("Date the certificate was issued"),
    "valid_until": _l("Valid until (after the extension)"),
    "assessment_completed_on": _l("Date the self-assessment was completed"),
}


def web_field(field: Field):
    """The form field for one field of the action table: its kind's widget, its length as a validator (requiredness
    and the rest are the action's checks, reported after the post like the API's)."""
    label = FIELD_LABELS[field.name]
    length = [Length(max=field.length)] if field.length else []
    if field.kind is FieldKind.TEXT:
        return TextAreaField(label, validators=[Optional(), SafeText(multiline=True), *length], filters=[_lf])
    if field.kind is FieldKind.LINE:
        return StringField(label, validators=[Optional(), SafeText(), *length])
    if field.kind is FieldKind.REF:
        return SelectField(label, coerce=int, validate_choice=False, validators=[Optional()])
    if field.kind is FieldKind.IDS:
        return SelectMultipleField(label, validate_choice=False)
    if field.kind is FieldKind.DATE:
        return DateField(label, validators=[Optional()])
    if field.kind is FieldKind.FLAG:
        return BooleanField(label)
    return SelectField(label, validate_choice=False)  # the options are the table's `choices` (the page lists them)


def _body_value(field: Field, data: Any) -> Any:
    """What a filled-in form field sends in the API's body; None when it was left empty (then it is not sent)."""
    if field.kind in (FieldKind.TEXT, FieldKind.LINE, FieldKind.CHOICE):
        return (data or "").strip() or None
    if field.kind is FieldKind.DATE:
        return data.isoformat() if isinstance(data, dt.date) else None
    if field.kind is FieldKind.FLAG:
        return True if data else None
    if field.kind is FieldKind.IDS:
        return list(data) if data else None
    return data or None


class _ActionFormBase(FlaskForm):
    """Any workflow action: the action's fields are those of its row in the action table."""

    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[InputRequired()])
    # Web only (the API takes an action at once): the second, confirmed post of an action the table asks to confirm,
    # and the assessor's express confirmation that the opinion is signed with findings of 不符合.
    confirm = HiddenField()
    confirm_unmet = BooleanField(_l("I confirm the opinion is signed with these findings"))

    @staticmethod
    def fields_of(name: str) -> tuple[Field, ...]:
        """The fields action `name` takes, in the table's order (the page renders these)."""
        action = ACTIONS.get(name)
        return action.fields if action is not None else ()

    def to_body(self) -> dict[str, Any]:
        """The body `POST /api/v1/cases/{id}/transitions` takes, with only what was filled in of the action's
        fields (the workflow loads it through the same `TransitionSchema`)."""
        body: dict[str, Any] = {"action": self.action.data, "version": self.version.data}
        for field in self.fields_of(self.action.data):
            value = _body_value(field, self[field.name].data)
            if value is not None:
                body[field.name] = value
        return body


#: The web form of every workflow action, one form field per field of the action table.
ActionForm = type("ActionForm", (_ActionFormBase,), {
    "__doc__": _ActionFormBase.__doc__, **{name: web_field(field) for name, field in fields_by_name().items()}})


class ReviewForm(FlaskForm):
    """The assessor's findings; per key point fields are read by name (`finding-<id>` …) from the request."""

    version = HiddenField(validators=[DataRequired()])


class FactsCsrfForm(FlaskForm):
    """The transfer details page's CSRF token; its fields are validated by the API's schema (cases/facts.py)."""

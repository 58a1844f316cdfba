"""Web: the case's transfer details (出境详情) — the facts the filing documents need beside the declaration, a section
per transfer with the data-item table as rows one adds or removes without a script (cases/facts.py validates)."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases import facts, operations, queries
from xborder.cases.blueprint import bp
from xborder.cases.permissions import can_act
from xborder.cases.web_forms import FactsCsrfForm
from xborder.core.errors import ApiError
from xborder.core.unit_of_work import commit
from xborder.web.helpers import attempt, error_messages, field_errors, form_version, is_zh, require_role

# Blank rows offered below a transfer's data items, so a row can be typed without a script.
_BLANK_ROWS = 1
_MAX_ROWS_SHOWN = 500  # what a tampered `t<i>-rows` may ask the page to draw


def _values_from_case(case, shape: facts.FactsShape) -> tuple[dict[str, str], dict[int, list[dict[str, str]]]]:
    stored = case.facts or {}
    values = {f"case-{f.name}": stored.get(f.name) or "" for f in shape.case}
    rows: dict[int, list[dict[str, str]]] = {}
    per_transfer = stored.get("transfers") or []
    for index in range(facts.transfer_count(case)):
        entry = per_transfer[index] if index < len(per_transfer) else {}
        values.update({f"t{index}-{f.name}": entry.get(f.name) or "" for f in shape.transfer})
        rows[index] = [{f.name: item.get(f.name) or "" for f in shape.data_item}
                       for item in entry.get("data_items") or []]
    return values, rows


def _values_from_form(form, case, shape: facts.FactsShape) -> tuple[dict[str, str], dict[int, list[dict[str, str]]]]:
    """What was typed, as the page shows it again (nothing typed is lost on an error); removed and blank rows (the
    page's spare rows) are gone."""
    values = {f"case-{f.name}": form.get(f"case-{f.name}", "") for f in shape.case}
    rows: dict[int, list[dict[str, str]]] = {}
    for index in range(facts.transfer_count(case)):
        values.update({f"t{index}-{f.name}": form.get(f"t{index}-{f.name}", "") for f in shape.transfer})
        count = min(form.get(f"t{index}-rows", 0, type=int) or 0, _MAX_ROWS_SHOWN)
        typed = [{f.name: form.get(f"t{index}-item{j}-{f.name}", "") for f in shape.data_item}
                 for j in range(count) if not form.get(f"t{index}-item{j}-remove")]
        rows[index] = [row for row in typed if any(v.strip() for v in row.values())]
    return values, rows


def _raw(values: dict[str, str], rows: dict[int, list[dict[str, str]]], shape: facts.FactsShape) -> dict[str, Any]:
    """The facts to validate, as the API takes them."""
    raw: dict[str, Any] = {f.name: values[f"case-{f.name}"] for f in shape.case}
    raw["transfers"] = {str(index): {**{f.name: values[f"t{index}-{f.name}"] for f in shape.transfer},
                                     "data_items": items} for index, items in rows.items()}
    return raw


def _form_errors(exc: ApiError, shape: facts.FactsShape) -> tuple[dict[str, list[str]], list[str]]:
    """Messages by form field name, and the summary naming each field (the API's paths mapped to the page)."""
    labels = {f.name: f.zh if is_zh() else f.en for f in (*shape.case, *shape.transfer, *shape.data_item)}
    by_field: dict[str, list[str]] = {}
    summary = []
    for path, messages in field_errors(exc).items():
        name, label = "", ""
        if match := re.fullmatch(r"facts/(\w+)", path):
            name, label = f"case-{match[1]}", labels.get(match[1], match[1])
        elif match := re.fullmatch(r"facts/transfers/(\d+)/data_items/(\d+)/(\w+)", path):
            index, row = int(match[1]), int(match[2])  # the page's rows are the saved rows, in order
            name = f"t{index}-item{row}-{match[3]}"
            label = _("Transfer %(n)s · data item %(row)s · %(field)s", n=index + 1, row=row + 1,
                      field=labels.get(match[3], match[3]))
        elif match := re.fullmatch(r"facts/transfers/(\d+)/(data_items)", path):
            name, label = f"t{match[1]}-rows", _("Transfer %(n)s · data items", n=int(match[1]) + 1)
        elif match := re.fullmatch(r"facts/transfers/(\d+)/(\w+)", path):
            name = f"t{match[1]}-{match[2]}"
            label = _("Transfer %(n)s · %(field)s", n=int(match[1]) + 1, field=labels.get(match[2], match[2]))
        by_field.setdefault(name, []).extend(messages)
        summary += [f"{label}：{m}" if label and is_zh() else f"{label}: {m}" if label else m for m in messages]
    return by_field, summary or error_messages(exc)


@bp.route("/cases/<int:case_id>/facts", methods=["GET", "POST"])
@login_required
def case_facts(case_id: int):
    """The transfer details: the case's own fields, then a section per transfer of the declaration."""
    case = queries.get_case(current_user, case_id)
    shape = facts.shape(case.as_of)
    form = FactsCsrfForm()
    editable = can_act(current_user, case, "edit_facts")
    errors: dict[str, list[str]] = {}
    summary: list[str] = []
    status = 200
    if request.method == "POST":
        require_role("enterprise")
        values, rows = _values_from_form(request.form, case, shape)
        add = request.form.get("add_row", type=int)
        if add is not None and add in rows:  # another row for this transfer; nothing is saved yet
            rows[add].append({f.name: "" for f in shape.data_item})
        elif not form.validate_on_submit():
            summary, status = [_("The form has expired; please save again.")], 400
        else:
            try:
                with attempt():
                    operations.save_facts(current_user, case, form_version(request.form.get("version")),
                                          _raw(values, rows, shape))
                commit()
                flash(_("Transfer details saved. The documents of the next submission carry them."), "success")
                return redirect(url_for("cases.case_facts", case_id=case.id))
            except ApiError as exc:
                errors, summary = _form_errors(exc, shape)
                status = exc.status
                case = queries.get_case(current_user, case_id)
    else:
        values, rows = _values_from_case(case, shape)
    shown = {i: items + [{f.name: "" for f in shape.data_item}] * (_BLANK_ROWS if editable else 0)
             for i, items in rows.items()}
    transfers = (case.declaration or {}).get("transfers") or []
    return render_template("cases/facts.html", case=case, shape=shape, form=form, values=values, rows=shown,
                           transfers=transfers, errors=errors, summary=summary, editable=editable), status

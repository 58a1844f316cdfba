"""Web: the province's statistics — cases per pathway and status, average days per stage, upcoming expiries —
drawn as inline SVG and exported as CSV or XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases.blueprint import bp
from xborder.cases.models import Case, visible_to
from xborder.cases.models.status import ALL as ALL_STATUSES
from xborder.cases.models.status import CaseStatus
from xborder.core import audit
from xborder.core.labels import STATUS_LABELS
from xborder.core.text import spreadsheet_cell, xlsx_row
from xborder.core.timeutil import as_utc, china_today
from xborder.extensions import db
from xborder.law import catalogue
from xborder.web.helpers import catalogue_text, require_role

PATHWAYS = tuple(reversed(catalogue.PATHWAYS))  # most demanding first, as officials read them


def _visible_ids(user) -> sa.Select:
    return sa.select(Case.id).where(visible_to(user))


def province_statistics(user, horizon_days: int = 180) -> dict[str, Any]:
    """Counts per pathway and status, mean days spent in each stage, and approvals expiring within the horizon."""
    per_status = dict(db.session.execute(
        sa.select(Case.status, sa.func.count()).where(visible_to(user)).group_by(Case.status)).all())
    per_pathway = dict(db.session.execute(
        sa.select(Case.pathway, sa.func.count()).where(visible_to(user)).group_by(Case.pathway)).all())
    created = dict(db.session.execute(sa.select(Case.id, Case.created_at).where(visible_to(user))).all())
    entries = db.session.execute(
        sa.select(audit.AuditEntry.case_id, audit.AuditEntry.created_at, audit.AuditEntry.payload)
        .where(audit.AuditEntry.case_id.in_(_visible_ids(user)), audit.AuditEntry.action.like("transition.%"))
        .order_by(audit.AuditEntry.case_id, audit.AuditEntry.seq)).all()
    entered: dict[int, dt.datetime] = {case_id: as_utc(at) for case_id, at in created.items()}
    durations: dict[str, list[float]] = defaultdict(list)
    for case_id, at, payload in entries:
        source = (payload or {}).get("from")
        start = entered.get(case_id)
        if source and start is not None:
            durations[source].append((as_utc(at) - start).total_seconds() / 86400)
        entered[case_id] = as_utc(at)
    today = china_today()
    expiring = db.session.scalars(
        sa.select(Case).where(visible_to(user), Case.status == CaseStatus.APPROVED, Case.valid_until.is_not(None),
                              Case.valid_until <= today + dt.timedelta(days=horizon_days))
        .order_by(Case.valid_until)).all()
    return {
        "per_status": [(s, per_status.get(s, 0)) for s in ALL_STATUSES if per_status.get(s)],
        "per_pathway": [(p, per_pathway.get(p, 0)) for p in PATHWAYS if per_pathway.get(p)],
        "stage_days": [(s, round(sum(d) / len(d), 1), len(d)) for s in ALL_STATUSES if (d := durations.get(s))],
        "expiring": [{"reference": c.reference, "exporter": c.exporter.name, "valid_until": c.valid_until,
                      "days_left": (c.valid_until - today).days, "id": c.id} for c in expiring],
        "total": sum(per_status.values()),
        "horizon_days": horizon_days,
    }


def statistics_rows(stats: dict[str, Any]) -> list[list[Any]]:
    """The statistics as one table (section, item, value, count) for CSV and XLSX."""
    rows: list[list[Any]] = [[_("Section"), _("Item"), _("Value"), _("Cases")]]
    rows += [[_("Cases per pathway"), catalogue_text("pathways", p), n, n] for p, n in stats["per_pathway"]]
    rows += [[_("Cases per status"), str(STATUS_LABELS.get(s, s)), n, n] for s, n in stats["per_status"]]
    rows += [[_("Average days per stage"), str(STATUS_LABELS.get(s, s)), days, n] for s, days, n in stats["stage_days"]]
    rows += [[_("Upcoming expiries"), f"{e['reference']} {e['exporter']}", e["valid_until"].isoformat(), 1]
             for e in stats["expiring"]]
    return rows


@bp.route("/statistics")
@login_required
def statistics():
    """The statistics page with its charts."""
    require_role("provincial_official")
    stats = province_statistics(current_user)
    charts = {"pathway": [(catalogue_text("pathways", p), n) for p, n in stats["per_pathway"]],
              "status": [(str(STATUS_LABELS.get(s, s)), n) for s, n in stats["per_status"]],
              "stage": [(str(STATUS_LABELS.get(s, s)), days) for s, days, _n in stats["stage_days"]]}
    return render_template("cases/statistics.html", stats=stats, charts=charts)


@bp.route("/statistics.<fmt>")
@login_required
def statistics_export(fmt: str):
    """The statistics as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX."""
    require_role("provincial_official")
    rows = statistics_rows(province_statistics(current_user))
    stamp = china_today().isoformat()
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        csv.writer(out).writerows([spreadsheet_cell(v) for v in row] for row in rows)
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="xborder-statistics-{stamp}.csv"'})
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "statistics"
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 24, 48
        data = io.BytesIO()
        book.save(data)
        data.seek(0)
        return send_file(data, as_attachment=True, download_name=f"xborder-statistics-{stamp}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    abort(404)

"""Scheduled jobs on cases: expiry of approvals and filings whose validity has ended.

Module-level functions taking plain arguments, so RQ can run them in a worker and the embedded mode in-process.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from xborder.cases.models import Case
from xborder.cases.models.status import VALID_UNTIL_EXPIRY, CaseStatus
from xborder.core import audit
from xborder.core.jobs import job_app
from xborder.core.timeutil import china_today
from xborder.extensions import db


def expire_cases(today: str | None = None) -> list[str]:
    """Move approved or filed cases whose validity ended before `today` (China time) to `expired`; returns refs."""
    from xborder.notifications import texts
    from xborder.notifications.mail import dispatch
    from xborder.notifications.operations import notify, users_concerned

    app = job_app()
    with app.app_context():
        day = dt.date.fromisoformat(today) if today else china_today()
        due = db.session.scalars(
            sa.select(Case).where(Case.status.in_(VALID_UNTIL_EXPIRY), Case.valid_until.is_not(None),
                                  Case.valid_until < day).order_by(Case.id)
        ).all()
        for case in due:
            case.status = CaseStatus.EXPIRED
            db.session.flush()
            audit.record(case, "job.expired", {"from": "/".join(sorted(VALID_UNTIL_EXPIRY)),
                                               "to": CaseStatus.EXPIRED.value,
                                               "valid_until": case.valid_until.isoformat(), "on": day.isoformat()})
            notify(case, "case.expired", texts.expired_text(case), users_concerned(case))
        db.session.commit()
        if due:
            dispatch()
        return [case.reference for case in due]

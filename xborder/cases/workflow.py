"""The case workflow's engine over the action table (`transitions.ACTIONS`): which actions a caller may take now,
and taking one (checks, effects, status, deadline starts, audit, listeners). `open_deadlines` is re-exported from
`deadlines` for the callers that know it here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm.attributes import set_committed_value

from xborder.cases.deadlines import open_deadlines
from xborder.cases.models import Case
from xborder.cases.next_due import nearest_due
from xborder.cases.permissions import can_act, require_party
from xborder.cases.transitions import ACTIONS, audit_payload, load_body, reads_body
from xborder.core import audit
from xborder.core.errors import Unprocessable, field_error
from xborder.core.timeutil import china_today, utcnow
from xborder.core.unit_of_work import conflicts, flush, stale
from xborder.extensions import db

__all__ = ["ACTIONS", "available_actions", "check", "on_transition", "open_deadlines", "reads_body", "transition",
           "write_case"]

Listener = Callable[[Case, str, str, dict, Any], None]

_LISTENERS = "xborder.transition_listeners"


def on_transition(app: Flask, listener: Listener) -> Listener:
    """Register `listener(case, action, source_status, body, user)` for transitions taken in `app`, called inside
    the transition's transaction after the status changed and the audit entry was written (e.g. stage signing,
    notifications). Each package's `init_app` does it, so an app has exactly the listeners it was built with."""
    listeners = app.extensions.setdefault(_LISTENERS, [])
    if listener not in listeners:
        listeners.append(listener)
    return listener


def available_actions(case: Case, user) -> list[str]:
    """The actions this caller may take on the case now (role, organisation, status and preconditions all hold)."""
    out = []
    for name, action in ACTIONS.items():
        if can_act(user, case, name):
            # Only what the case itself decides; what the caller will send is judged when it is sent.
            if not any(rule(case, {}, user) for rule in action.all_checks() if not reads_body(rule)):
                out.append(name)
    return out


def check(case: Case, user, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Whether action `name` may be taken with this body, without taking it: the loaded body, or the error
    `transition` would raise (the web's confirmation step asks this before it shows what will be signed)."""
    action = ACTIONS.get(name)
    if action is None:
        raise Unprocessable(f"Unknown action {name}", [field_error(
            "action", "one_of", f"Actions: {', '.join(ACTIONS)}", f"可用操作：{'、'.join(ACTIONS)}")])
    body = load_body(name, body)
    require_party(user, case, name)
    case.check_version(body.get("version"))
    if case.status not in action.sources:
        raise Unprocessable(f"{name} is not possible in status {case.status}", [field_error(
            "status", "status", f"{name} needs status {' or '.join(action.sources)}",
            f"{name} 仅适用于状态 {'、'.join(action.sources)}")])
    errors = [e for rule in action.all_checks() for e in rule(case, body, user)]
    if errors:
        raise Unprocessable(f"{name}: preconditions not met", errors)
    return body


def transition(case: Case, user, name: str, body: Mapping[str, Any]) -> Case:
    """Take action `name` on the case: the body is loaded through the action table's schema (422 per field), then
    403 for the wrong party, 409 for a stale version, 422 with reasons for the status or unmet preconditions."""
    body = check(case, user, name, body)
    action = ACTIONS[name]
    source = case.status
    target = action.target_for(source, body, case)
    for effect in action.effects:
        effect(case, body, user)
    case.status = target
    today = china_today()
    events = dict(case.workflow.get("deadline_starts") or {})
    for kind in action.deadlines:
        events[kind] = today.isoformat()
    case.workflow = {**case.workflow, "deadline_starts": events}
    # The versioned UPDATE: of two concurrent transitions the second becomes 409 here, not a 500. When it ran, it
    # holds the row's lock to the commit: the chain needs no second lock statement.
    updated = write_case(case)
    audit.record(case, f"transition.{name}", audit_payload(action, source, target, body), user, row_locked=updated)
    for listener in current_app.extensions.get(_LISTENERS, ()):
        listener(case, name, source, body, user)
    return case


def write_case(case: Case) -> bool:
    """Write the case's changed columns as the ORM's flush would — `next_due` kept (`next_due.nearest_due`),
    `updated_at` set, the version moved, 409 when another writer moved it first — in one UPDATE statement built
    once, then mark them written on the object. True when it updated the row (which then holds the row's lock).

    The ORM's flush of a loaded case built and compiled its UPDATE anew and ran the unit of work (~1 ms of a
    transition, issue 20). A change the statement does not cover (a relationship set) takes the flush.
    tests/api/test_transition_reads.py holds the row and the object equal to the flush's for each action."""
    state = sa.inspect(case)
    if state.session is None or state.key is None:  # not loaded from the database: only the flush knows it
        flush()
        return False
    columns = Case.__mapper__.column_attrs
    candidates = set(state.manager) - state.unmodified
    if any(key not in columns for key in candidates):
        seen = case.version
        flush()
        return case.version != seen
    values = {key: getattr(case, key) for key in candidates if state.attrs[key].history.has_changes()}
    if not values:
        flush()
        return False
    due = nearest_due(case)
    if due != case.next_due:
        values["next_due"] = due
    values.setdefault("updated_at", utcnow())
    seen = case.version
    values["version"] = seen + 1
    with conflicts():  # on the session's connection: the session's execute would flush the case first
        matched = db.session.connection().execute(_VERSIONED_UPDATE, {**values, "case_id": case.id,
                                                                      "seen": seen}).rowcount
    if matched != 1:
        raise stale()
    for key, value in values.items():
        set_committed_value(case, key, value)
    # What the ORM does to an object it has just flushed (every other column set was set to what it was): nothing of
    # it is pending any more, so the session is clean again and the next flush (the audit entry's, the commit's) has
    # nothing to look at. Without it, a flush ran its listeners and the unit of work over the case to find nothing
    # (~0.5 ms).
    state._commit_all(state.dict, db.session.identity_map)
    flush()  # anything else the action changed
    return True


_CASES = Case.__table__
# The SET clause is the execution's parameters', as the ORM's own UPDATE does; the statement is built once.
_VERSIONED_UPDATE = sa.update(_CASES).where(_CASES.c.id == sa.bindparam("case_id"),
                                            _CASES.c.version == sa.bindparam("seen"))

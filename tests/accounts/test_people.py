"""An organisation's administrator: invitations (single-use, expiring links) and deactivation; the last
administrator stays."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from tests.helpers.accounts import STRONG, application
from tests.helpers.factories import auth
from xborder.accounts.models import User
from xborder.accounts.records import Invitation, is_org_admin, make_org_admin


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _sign_in(app, email, password=STRONG):
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    assert web.post("/login", data={"email": email, "password": password, "csrf_token": _csrf(page)}) \
        .status_code == 302
    return web


def test_approved_applicant_administers_and_invites(app, client, db, demo):
    body = application()
    reg = client.post("/api/v1/registrations", json=body).json
    client.post(f"/api/v1/registrations/{reg['id']}/approve", headers=auth(demo["official"]), json={})
    admin = db.session.scalar(sa.select(User).where(User.email == body["user"]["email"]))
    assert is_org_admin(admin)

    web = _sign_in(app, admin.email)
    page = web.get("/organisation/people").get_data(as_text=True)
    assert "邀请同事" in page
    sent = web.post("/organisation/people", data={"email": "colleague@example.test", "csrf_token": _csrf(page)})
    link = re.search(r'id="invitation-link">[^<]*(/invitation/[A-Za-z0-9_-]+)<', sent.get_data(as_text=True)).group(1)

    joiner = app.test_client()
    form = joiner.get(link).get_data(as_text=True)
    assert "colleague@example.test" in form
    weak = joiner.post(link, data={"name": "同事", "password": "password123", "csrf_token": _csrf(form)})
    assert 'id="password-error"' in weak.get_data(as_text=True)
    joined = joiner.post(link, data={"name": "同事", "password": STRONG, "csrf_token": _csrf(form)})
    assert joined.status_code == 302
    colleague = db.session.scalar(sa.select(User).where(User.email == "colleague@example.test"))
    assert colleague.organisation_id == admin.organisation_id and colleague.role == "enterprise"
    assert joiner.get(link).status_code == 404  # single use

    # Expired links do not work either.
    page = web.get("/organisation/people").get_data(as_text=True)
    sent = web.post("/organisation/people", data={"email": "late@example.test", "csrf_token": _csrf(page)})
    late = re.search(r'(/invitation/[A-Za-z0-9_-]+)<', sent.get_data(as_text=True)).group(1)
    db.session.execute(sa.update(Invitation).where(Invitation.email == "late@example.test")
                       .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert app.test_client().get(late).status_code == 404


def test_deactivating_colleagues_keeps_the_last_admin(app, client, db, factory):
    org = factory.organisation("enterprise")
    admin = factory.user("enterprise", organisation=org, password=STRONG)
    colleague = factory.user("enterprise", organisation=org, password=STRONG)
    make_org_admin(admin)
    token = factory.token(colleague)
    web = _sign_in(app, admin.email)
    page = web.get("/organisation/people").get_data(as_text=True)
    web.post(f"/organisation/people/{colleague.id}/deactivate", data={"csrf_token": _csrf(page)})
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    refused = web.post(f"/organisation/people/{admin.id}/deactivate", data={"csrf_token": _csrf(page)},
                       follow_redirects=True)
    assert "最后一位管理员" in refused.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active
    outsider = factory.user("enterprise", password=STRONG)
    make_org_admin(outsider)
    other = _sign_in(app, outsider.email)
    page = other.get("/organisation/people").get_data(as_text=True)
    other.post(f"/organisation/people/{admin.id}/deactivate", data={"csrf_token": _csrf(page)})
    db.session.refresh(admin)
    assert admin.active  # another organisation's administrator cannot touch it
    plain = factory.user("enterprise", password=STRONG)
    assert _sign_in(app, plain.email).get("/organisation/people").status_code == 403

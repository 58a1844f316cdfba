"""The web pages under test: CSRF tokens read from a page, clients signed in through the login form, the three demo
users with cases built through the same operations the pages call, and the wizard's form data."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.helpers.factories import declaration

ENTERPRISE_USCC = "9131011552601815X1"


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(app, email: str, password: str = "demo-password"):
    """A test client signed in as `email` through the login form."""
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


class People:
    """The three demo users, signed in, and helpers to build cases for them."""

    def __init__(self, app, db):
        from xborder.accounts.demo import seed_demo_accounts
        from xborder.accounts.models import User

        seed_demo_accounts()
        self.db = db
        users = {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.xborder")))}
        self.enterprise_user, self.assessor_user, self.official_user = (
            users["enterprise"], users["assessor"], users["provincial_official"])
        self.enterprise = sign_in(app, "enterprise@demo.xborder")
        self.assessor = sign_in(app, "assessor@demo.xborder")
        self.official = sign_in(app, "official@demo.xborder")

    @property
    def assessor_org_id(self) -> int:
        return self.assessor_user.organisation_id

    def case(self, *, answered: bool = False, title: str = "页面测试案件", **decl):
        """A draft case of the demo enterprise, optionally with every key point answered."""
        from xborder.cases import keypoints, operations

        decl.setdefault("pi", 150_000)  # a standard-contract case: twelve key points to answer
        case = operations.create_case(self.enterprise_user, title, declaration(ENTERPRISE_USCC, **decl))
        if answered:
            answers = [{"key_point": kp["id"], "answer": f"{kp['id']} 的回答"}
                       for kp in keypoints.key_point_status(case)]
            operations.save_answers(self.enterprise_user, case, case.version, answers)
        self.db.session.flush()
        return case

    def act(self, case, user, action: str, **body):
        """Take a workflow action through the workflow (to set a case up for a page under test)."""
        from tests.helpers.materials import attach_materials_db
        from xborder.cases import workflow

        if action == "submit":
            attach_materials_db(case, user)  # a submission carries its filing materials (issue 16)
        workflow.transition(case, user, action, {"version": case.version, **body})
        self.db.session.flush()
        return case

    def submitted(self, **decl):
        """A case in third-party review with the demo assessor."""
        case = self.case(answered=True, **decl)
        return self.act(case, self.enterprise_user, "submit", assessor_org_id=self.assessor_org_id)

    def signed(self, **decl):
        """A case in provincial review: every key point found satisfied and the opinion signed."""
        from xborder.cases import keypoints, operations

        case = self.submitted(**decl)
        reviews = [{"key_point": kp["id"], "finding": "satisfied"} for kp in keypoints.key_point_status(case)]
        operations.save_review(self.assessor_user, case, case.version, reviews)
        return self.act(case, self.assessor_user, "sign_opinion")


def wizard_data(token: str, **overrides) -> dict:
    """The new-case wizard's form fields for a standard-contract transfer, with `overrides`."""
    data = {
        "csrf_token": token, "title": "网页申报", "as_of": "2025-06-30", "sector": "manufacturing",
        "pi_subjects_processed": "1,200,000",
        "transfers-0-purpose": "售后", "transfers-0-recipient_name": "Example GmbH", "transfers-0-country": "DE",
        "transfers-0-pi_individuals": "150,000", "transfers-0-sensitive_pi_individuals": "0",
        "transfers-0-categories": "contact，device", "transfers-0-exemption": "", "save": "1",
    }
    data.update(overrides)
    return data


def confirmed_action(client, case, data: dict):
    """Post a workflow action that the pages confirm first (signing, forwarding, filing, decisions): the first post
    must show the confirmation page and change nothing, the confirmed post takes the action; its response."""
    status, version = case.status, case.version
    asked = client.post(f"/cases/{case.id}/actions", data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'name="confirm"' in page, page[:500]
    assert case.status == status and case.version == version
    return client.post(f"/cases/{case.id}/actions", data={**data, "csrf_token": csrf_token(page), "confirm": "1"})

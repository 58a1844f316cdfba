"""The page walk of issue 18: every page of the three roles — the demo data and a case in each status, the pages
behind the forms (the /verify report, an import's preview, each confirmation and refused action), one's account pages
and the admin's — each as the HTML answer a signed-in test client got. tests/web/test_page_words.py reads their
words; tests/e2e/test_page_walk_accessibility.py shows each in Chromium and runs axe-core on it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.helpers.web import csrf_token


@dataclass(frozen=True)
class Visit:
    """One page of the walk: who saw it (`label`), the client whose session fetched it and the answer it got."""

    label: str
    client: Any  # flask.testing.FlaskClient: the page's own requests (styles, scripts, fetches) go through it
    response: Any  # werkzeug.test.TestResponse, text/html


def every_status(people, db):
    """The demo cases plus one case in each status the pages show differently."""
    from xborder.cases import operations
    from xborder.cases.demo import seed_demo_cases

    seed_demo_cases()
    people.case(title="草稿案件")
    people.submitted(title="评估中案件")
    rect = people.submitted(title="整改案件")
    people.act(rect, people.assessor_user, "request_rectification", comment="请补充", key_points=["PIA-2"])
    operations.save_answers(people.enterprise_user, rect, rect.version,
                            [{"key_point": "PIA-2", "answer": "修改后的回答"}])
    operations.save_answers(people.enterprise_user, rect, rect.version,
                            [{"key_point": "PIA-2", "answer": "再次修改后的回答"}])
    people.signed(title="省级审查案件")
    supp = people.signed(title="补正案件", pi=0, important=True)
    people.act(supp, people.official_user, "request_supplement", comment="请补充合同文本")
    people.act(people.case(title="撤回案件"), people.enterprise_user, "withdraw", comment="不再需要")
    db.session.flush()


def _pages(client, db, role: str) -> list[str]:
    """Every page a role's user reaches from the navigation and the case list."""
    from xborder.cases.models import Case

    pages = ["/", "/notifications/", "/quick-check", "/verify"]
    if role == "enterprise":
        pages += ["/cases/new", "/inventory", "/inventory/declare"]
    if role == "provincial_official":
        pages += ["/statistics"]
    home = client.get("/").get_data(as_text=True)
    ids = sorted({int(i) for i in re.findall(r'href="/cases/(\d+)"', home)})
    for case_id in ids:
        pages.append(f"/cases/{case_id}")
        case = db.session.get(Case, case_id)
        if role == "enterprise":
            pages += [f"/cases/{case_id}/self-assessment"]
            if case.status == "draft":
                pages.append(f"/cases/{case_id}/declaration")
        if role == "assessor" and case.status == "third_party_review":
            pages.append(f"/cases/{case_id}/review")
        pages.append(f"/cases/{case_id}/dossier")
    return pages


def _upload_inventory(app, people) -> int:
    """An import run with a good and a refused row, so the preview shows both states."""
    from tests.helpers.inventory import flow, workbook

    page = people.enterprise.get("/inventory").get_data(as_text=True)
    content = workbook([flow("W1", 150_000, purpose="售后服务"), flow("W2", "很多", purpose="人事")])
    response = people.enterprise.post("/inventory/imports", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(content), "inv.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    if app.config["XBORDER"].redis_url:
        from xborder.inventory.tasks import preview_import

        preview_import(run_id)
    return run_id


def _build(db, path: str) -> None:
    """With Redis the dossier is built by a job: run it as the worker would."""
    import sqlalchemy as sa

    from xborder.dossiers.builds import build_dossier
    from xborder.dossiers.models import DossierBuild

    case_id = int(path.split("/")[2])
    build_id = db.session.scalar(sa.select(DossierBuild.id).where(DossierBuild.case_id == case_id)
                                 .order_by(DossierBuild.id.desc()))
    build_dossier(build_id)


def walk(app, people, db, locale: str) -> Iterator[Visit]:
    """Every page of the three roles in `locale` (after `every_status`), one HTML answer at a time."""
    bundle = None
    for role, client in (("enterprise", people.enterprise), ("assessor", people.assessor),
                         ("provincial_official", people.official)):
        client.get(f"/lang/{locale}")
        for path in _pages(client, db, role):
            response = client.get(path)
            if response.status_code in (302, 403, 404):
                continue
            if response.status_code == 202 and bundle is None:
                # The dossier's waiting page, then the bundle it waited for (a real one, verified below).
                yield Visit(f"{role} {path} (building)", client, response)
                _build(db, path)
                response = client.get(path)
            assert response.status_code in (200, 202), (role, path, response.status_code)
            if response.mimetype != "text/html":
                bundle = bundle or (response.data if response.mimetype == "application/zip" else None)
                continue  # a download
            yield Visit(f"{role} {path}", client, response)
    # The pages behind a form: the verification report of a real bundle, and an import's preview.
    client = people.enterprise
    assert bundle, "no signed dossier among the demo cases"
    page = client.get("/verify").get_data(as_text=True)
    extra = {"/verify (report)": client.post("/verify", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "bundle": (io.BytesIO(bundle), "dossier.zip")})}
    for path, response in extra.items():
        assert response.status_code == 200, (path, response.status_code)
        yield Visit(f"enterprise {path}", client, response)
    run_id = _upload_inventory(app, people)
    for path, url in (("/inventory/imports (preview)", f"/inventory/imports/{run_id}"),
                      ("/inventory (with an import)", "/inventory")):
        response = client.get(url)
        assert response.status_code == 200, (path, response.status_code)
        yield Visit(f"enterprise {path}", client, response)
    yield from _confirmations_and_refusals(people)
    yield from _walk_accounts(app, people, db, locale)


ACCOUNT_PAGES = ["/account/sessions", "/account/tokens", "/account/password", "/account/totp"]
ADMIN_PAGES = ["/admin/organisations", "/admin/users", "/admin/trust-anchors", "/registrations"]


def _walk_accounts(app, people, db, locale: str) -> Iterator[Visit]:
    """One's account pages (each role), and the admin's pages with something in every state: a pending
    application, a deactivated organisation, an external CA, a revoked and a person's certificate."""
    from tests.helpers.accounts import STRONG, application
    from tests.helpers.factories import Factory
    from tests.helpers.web import sign_in
    from xborder.dossiers import pki, signing

    factory = Factory(db)
    admin = factory.user("admin", password=STRONG, name="管理员")
    people.enterprise.post("/account/tokens", data={"name": "报表程序", "days": "30", "csrf_token": csrf_token(
        people.enterprise.get("/account/tokens").get_data(as_text=True))})
    app.test_client().post("/api/v1/registrations", json=application())
    gone = factory.user("enterprise", password=STRONG, name="离职员工")
    pki.signer_for(gone.organisation, gone)
    gone.deactivate()
    _key, external = signing.create_ca("外部测试 CA")
    pki.add_external_ca(signing.cert_to_pem(external))
    db.session.flush()
    admin_client = sign_in(app, admin.email, STRONG)
    for role, client, pages in (("enterprise", people.enterprise, ACCOUNT_PAGES),
                                ("provincial_official", people.official, ACCOUNT_PAGES),
                                ("admin", admin_client, ACCOUNT_PAGES + ADMIN_PAGES)):
        client.get(f"/lang/{locale}")
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            yield Visit(f"{role} {path}", client, response)


def _confirmations_and_refusals(people) -> Iterator[Visit]:
    """The pages behind the action forms (issue 18): each confirmation page (a 不符合 finding's warning included)
    and a refused action shown again, on the review page and on the case page."""
    from xborder.cases import keypoints, operations

    def post(client, case, data):
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        return client.post(f"/cases/{case.id}/actions", data={"csrf_token": csrf_token(page),
                                                               "version": case.version, **data})

    def shown(label, client, response):
        assert response.status_code in (200, 422), (label, response.status_code)
        return Visit(label, client, response)

    case = people.submitted(title="确认页案件")
    reviews = [{"key_point": kp["id"], "finding": "satisfied"} for kp in keypoints.key_point_status(case)]
    reviews[0]["finding"] = "not_satisfied"
    operations.save_review(people.assessor_user, case, case.version, reviews)
    yield shown("assessor sign_opinion (confirmation)", people.assessor,
                post(people.assessor, case, {"action": "sign_opinion"}))
    review = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    yield shown("assessor review (refused)", people.assessor, people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(review), "version": case.version, "conclude": "request_rectification",
        "request_rectification-key_points": ["PIA-1"]}))
    # In a year of its own: the demo's and the walk's cases already count past the standard contract's band.
    filing = people.signed(title="备案确认页案件", as_of="2024-06-30", contract_effective_date="2024-07-01")
    assert filing.pathway == "standard_contract_or_certification"
    yield shown("official record_filing (confirmation)", people.official, post(people.official, filing, {
        "action": "record_filing", "filing_number": "沪备-2025-0100"}))
    yield shown("official record_filing (refused)", people.official,
                post(people.official, filing, {"action": "record_filing"}))
    security = people.signed(title="报送确认页案件", pi=0, important=True)
    yield shown("official forward_to_regulator (confirmation)", people.official, post(people.official, security, {
        "action": "forward_to_regulator", "completeness_confirmed": "y"}))
    people.act(security, people.official_user, "forward_to_regulator", completeness_confirmed=True)
    yield shown("official record_decision (confirmation)", people.official, post(people.official, security, {
        "action": "record_decision", "decision": "approved", "decision_number": "国网信评〔2025〕9号",
        "decision_date": "2025-07-15"}))
    yield shown("official record_decision (refused)", people.official,
                post(people.official, security, {"action": "record_decision"}))

"""Words, not codes: every page of the three roles (demo data and a case in each status), in Chinese and English,
shows no lowercase identifier (`snake_case`, `dotted.names`) and, in Chinese, no English string of the catalogue."""

from __future__ import annotations

import html.parser
import io
import pathlib
import re

import pytest
from babel.messages.pofile import read_po

from tests.helpers.web import csrf_token

SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@])")
DOTTED = re.compile(r"(?<![\w./@-])[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+(?![\w@/])")
KEBAB = re.compile(r"(?<![\w./@-])[a-z]+(?:-[a-z0-9]+)*-\d+(?![\w@])")  # a versioned rule id (cac-2024)
# On a Chinese page a lone lowercase English word is a code (`applied`, `manufacturing`, `partly`).
LONE_WORD = re.compile(r"^[a-z]{3,}$")
# Not identifiers a person is shown by mistake: addresses, file names and the product's own domain.
ALLOWED = re.compile(r"\S+@\S+|https?://\S+|\S+\.(?:docx|pdf|zip|csv|xlsx|json|txt|png|pem)\b|\bxborder\b|\be\.g\.|\bi\.e\.")
SKIPPED_TAGS = {"script", "style", "template"}
SHOWN_INPUTS = {"text", "search", "number", ""}


class _Text(html.parser.HTMLParser):
    """The text a person sees: text nodes outside script/style (attributes are not read)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skip += 1
        if tag == "option":
            self.chunks.append("\n")
        if tag == "input":
            # What a field is prefilled with is read like any text.
            fields = dict(attrs)
            if (fields.get("type") or "") in SHOWN_INPUTS and (fields.get("value") or "").strip():
                self.chunks.append(fields["value"].strip())

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.chunks.append(data.strip())


def visible_text(page: str) -> list[str]:
    """The visible text nodes of a page."""
    parser = _Text()
    parser.feed(page)
    return [c for c in parser.chunks if c.strip()]


def identifiers(texts: list[str]) -> set[str]:
    """The lowercase identifiers among the texts."""
    found = set()
    for text in texts:
        text = ALLOWED.sub(" ", text)
        found.update(SNAKE.findall(text))
        found.update(DOTTED.findall(text))
        found.update(KEBAB.findall(text))
    return found


def _catalogue_english() -> set[str]:
    """The English sources of the catalogue that would betray a missing translation on a Chinese page."""
    po = pathlib.Path(__file__).resolve().parents[2] / "xborder/translations/zh/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    out = set()
    for message in catalog:
        source = message.id if isinstance(message.id, str) else message.id[0]
        # Whole sentences only: a single word ("PDF", "USCC") may rightly stay as it is.
        if source and " " in source.strip() and "%" not in source and re.search("[a-z]{3}", source):
            out.add(source.strip())
    return out


def untranslated(texts: list[str], english: set[str]) -> set[str]:
    """Text nodes of a Chinese page that are an English catalogue string, or English prose (three lowercase words)."""
    found = {t for t in texts if t in english}
    found.update(t for t in texts if LONE_WORD.match(t) and not ALLOWED.fullmatch(t))
    found.update(t for t in texts if re.search(r"\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b", t) and not ALLOWED.fullmatch(t))
    return found


def _every_status(people, db):
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


def _check(response, locale: str, english: set[str]) -> set[str]:
    texts = visible_text(response.get_data(as_text=True))
    found = identifiers(texts)
    if locale == "zh_CN":
        found |= untranslated(texts, english)
    return found


def _built(client, db, path, response, locale, english, problems, role):
    """With Redis the dossier is built by a job: check the waiting page, run the job as the worker would, fetch."""
    import sqlalchemy as sa

    from xborder.dossiers.builds import build_dossier
    from xborder.dossiers.models import DossierBuild

    found = _check(response, locale, english)
    if found:
        problems[f"{role} {path} (building)"] = found
    case_id = int(path.split("/")[2])
    build_id = db.session.scalar(sa.select(DossierBuild.id).where(DossierBuild.case_id == case_id)
                                 .order_by(DossierBuild.id.desc()))
    build_dossier(build_id)
    return client.get(path)


def _walk(app, people, db, locale: str) -> dict[str, set[str]]:
    english = _catalogue_english() if locale == "zh_CN" else set()
    problems: dict[str, set[str]] = {}
    bundle = None
    for role, client in (("enterprise", people.enterprise), ("assessor", people.assessor),
                         ("provincial_official", people.official)):
        client.get(f"/lang/{locale}")
        for path in _pages(client, db, role):
            response = client.get(path)
            if response.status_code in (302, 403, 404):
                continue
            if response.status_code == 202 and bundle is None:
                response = _built(client, db, path, response, locale, english, problems, role)
            assert response.status_code in (200, 202), (role, path, response.status_code)
            if response.mimetype != "text/html":
                bundle = bundle or (response.data if response.mimetype == "application/zip" else None)
                continue  # a download
            found = _check(response, locale, english)
            if found:
                problems[f"{role} {path}"] = found
    # The pages behind a form: the verification report of a real bundle, and an import's preview.
    client = people.enterprise
    assert bundle, "no signed dossier among the demo cases"
    page = client.get("/verify").get_data(as_text=True)
    extra = {"/verify (report)": client.post("/verify", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "bundle": (io.BytesIO(bundle), "dossier.zip")})}
    run_id = _upload_inventory(app, people)
    extra["/inventory/imports (preview)"] = client.get(f"/inventory/imports/{run_id}")
    extra["/inventory (with an import)"] = client.get("/inventory")
    for path, response in extra.items():
        assert response.status_code == 200, (path, response.status_code)
        found = _check(response, locale, english)
        if found:
            problems[f"enterprise {path}"] = found
    for path, response in _confirmations_and_refusals(people).items():
        assert response.status_code in (200, 422), (path, response.status_code)
        found = _check(response, locale, english)
        if found:
            problems[path] = found
    problems.update(_walk_accounts(app, people, db, locale, english))
    return problems


ACCOUNT_PAGES = ["/account/sessions", "/account/tokens", "/account/password", "/account/totp"]
ADMIN_PAGES = ["/admin/organisations", "/admin/users", "/admin/trust-anchors", "/registrations"]


def _walk_accounts(app, people, db, locale: str, english: set[str]) -> dict[str, set[str]]:
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
    problems: dict[str, set[str]] = {}
    admin_client = sign_in(app, admin.email, STRONG)
    for role, client, pages in (("enterprise", people.enterprise, ACCOUNT_PAGES),
                                ("provincial_official", people.official, ACCOUNT_PAGES),
                                ("admin", admin_client, ACCOUNT_PAGES + ADMIN_PAGES)):
        client.get(f"/lang/{locale}")
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            found = _check(response, locale, english)
            if found:
                problems[f"{role} {path}"] = found
    return problems


def _confirmations_and_refusals(people) -> dict:
    """The pages behind the action forms (issue 18): each confirmation page (a 不符合 finding's warning included)
    and a refused action shown again, on the review page and on the case page."""
    from xborder.cases import keypoints, operations

    def post(client, case, data):
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        return client.post(f"/cases/{case.id}/actions", data={"csrf_token": csrf_token(page),
                                                               "version": case.version, **data})

    out = {}
    case = people.submitted(title="确认页案件")
    reviews = [{"key_point": kp["id"], "finding": "satisfied"} for kp in keypoints.key_point_status(case)]
    reviews[0]["finding"] = "not_satisfied"
    operations.save_review(people.assessor_user, case, case.version, reviews)
    out["assessor sign_opinion (confirmation)"] = post(people.assessor, case, {"action": "sign_opinion"})
    review = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    out["assessor review (refused)"] = people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(review), "version": case.version, "conclude": "request_rectification",
        "request_rectification-key_points": ["PIA-1"]})
    # In a year of its own: the demo's and the walk's cases already count past the standard contract's band.
    filing = people.signed(title="备案确认页案件", as_of="2024-06-30", contract_effective_date="2024-07-01")
    assert filing.pathway == "standard_contract_or_certification"
    out["official record_filing (confirmation)"] = post(people.official, filing, {
        "action": "record_filing", "filing_number": "沪备-2025-0100"})
    out["official record_filing (refused)"] = post(people.official, filing, {"action": "record_filing"})
    security = people.signed(title="报送确认页案件", pi=0, important=True)
    out["official forward_to_regulator (confirmation)"] = post(people.official, security, {
        "action": "forward_to_regulator", "completeness_confirmed": "y"})
    people.act(security, people.official_user, "forward_to_regulator", completeness_confirmed=True)
    out["official record_decision (confirmation)"] = post(people.official, security, {
        "action": "record_decision", "decision": "approved", "decision_number": "国网信评〔2025〕9号",
        "decision_date": "2025-07-15"})
    out["official record_decision (refused)"] = post(people.official, security, {"action": "record_decision"})
    return out


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_page_of_the_three_roles_shows_a_code_or_untranslated_text(app, people, db, locale):
    _every_status(people, db)
    problems = _walk(app, people, db, locale)
    assert not problems, "\n".join(f"{page}: {sorted(found)}" for page, found in sorted(problems.items()))


def test_the_walker_sees_codes_and_english(app):
    """The checks themselves catch what they must and leave addresses and file names alone."""
    page = ("<p>dossier.stage_signed</p><p>状态 <b>third_party_review</b></p><p>applied</p>"
            "<script>var a_b = 1;</script><p>enterprise@demo.xborder bundle.zip</p><p title='x_y'>ok</p>"
            "<p>Please log in to access this page.</p>")
    texts = visible_text(page)
    assert identifiers(texts) == {"dossier.stage_signed", "third_party_review"}
    assert untranslated(texts, set()) == {"Please log in to access this page.", "applied"}



@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_single_sign_on_pages_show_no_code_or_untranslated_text(app, db, factory, locale):
    """The sign-in page with the single sign-on button and a refusal, and the one-time code step after the provider
    (a real provider over HTTP: tests/helpers/oidc_provider.py)."""
    import pyotp

    from tests.helpers.oidc_provider import Provider, configured, sign_in
    from xborder.accounts import mfa

    english = _catalogue_english() if locale == "zh_CN" else set()
    user = factory.user("enterprise")
    secret, _uri = mfa.begin(user)
    assert mfa.confirm(user, pyotp.TOTP(secret).now())
    provider = Provider()
    problems: dict[str, set[str]] = {}
    try:
        with configured(app, provider):
            client = app.test_client()
            client.get(f"/lang/{locale}")
            pages = {"/login": client.get("/login")}
            provider.person = {"email": "nobody@example.gov.cn", "email_verified": True}
            assert sign_in(client).status_code == 302
            pages["/login (refused)"] = client.get("/login")
            provider.person = {"email": user.email, "email_verified": True}
            assert sign_in(client).headers["Location"] == "/auth/oidc/code"
            pages["/auth/oidc/code"] = client.get("/auth/oidc/code")
            for path, response in pages.items():
                assert response.status_code == 200, (path, response.status_code)
                found = _check(response, locale, english)
                if found:
                    problems[path] = found
    finally:
        provider.close()
    assert not problems, "\n".join(f"{page}: {sorted(found)}" for page, found in sorted(problems.items()))

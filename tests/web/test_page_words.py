"""Words, not codes: every page of the three roles (demo data and a case in each status), in Chinese and English,
shows no lowercase identifier (`snake_case`, `dotted.names`) and, in Chinese, no English string of the catalogue."""

from __future__ import annotations

import html.parser
import pathlib
import re

import pytest
from babel.messages.pofile import read_po

from tests.helpers import page_walk

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


def _check(response, locale: str, english: set[str]) -> set[str]:
    texts = visible_text(response.get_data(as_text=True))
    found = identifiers(texts)
    if locale == "zh_CN":
        found |= untranslated(texts, english)
    return found


def _walk(app, people, db, locale: str) -> dict[str, set[str]]:
    """What each page of the walk (tests/helpers/page_walk.py) shows that it should not."""
    english = _catalogue_english() if locale == "zh_CN" else set()
    problems: dict[str, set[str]] = {}
    for visit in page_walk.walk(app, people, db, locale):
        found = _check(visit.response, locale, english)
        if found:
            problems[visit.label] = found
    return problems


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_page_of_the_three_roles_shows_a_code_or_untranslated_text(app, people, db, locale):
    page_walk.every_status(people, db)
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

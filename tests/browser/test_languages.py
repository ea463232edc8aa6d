"""Every attendee page state in Spanish and in Hebrew gets the checks every page gets, with the
language and direction right; and in a nonsense pseudo-locale no English text is left.

The pseudo-locale proves that everything an attendee reads goes through the catalogue: its
"translation" of each text is the text with every letter swapped for an accented look-alike, so
any run of plain ASCII letters left on the page is text that was never marked (or data, which
the check knows: whatever the database holds and the settings say).
"""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import force_locale, gettext
from sqlalchemy import String, Text, select

from accessreq.extensions import db
from accessreq.i18n import catalogues
from accessreq.i18n.languages import LANGUAGES, Language

from .helpers import check
from .states_public import PUBLIC_STATES
from .states_routing import ROUTING_STATES
from .states_staff import ERROR_STATES
from .test_pages import _with_settings, page_failures

pytestmark = pytest.mark.browser

ATTENDEE_STATES = (PUBLIC_STATES
                   + [s for s in ROUTING_STATES if s.id == "event-cosponsored"]
                   # error-400-csrf is the staff sign-in's (English) error.
                   + [s for s in ERROR_STATES if s.login_as is None and s.id != "error-400-csrf"])

# A locale Babel knows (its dates come out in Georgian script, so no ASCII) and we do not ship.
PSEUDO = "ka"
_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTED = "åƀçđéƒĝĥîĵķłɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶŁṀÑÖÞǪŔŠŢÛṼŴẊÝŽ"
_SWAP = str.maketrans(_PLAIN, _ACCENTED)
# Kept as they are: placeholders, markup and character references.
_KEEP = re.compile(r"(%\([a-z_]+\)[sd]|%%|<[^>]*>|&[a-zA-Z#0-9]+;)")
_WORD = re.compile(r"[A-Za-z]{2,}")
_LINKS = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Zone abbreviations that times carry in every language.
_ZONES = {"GMT", "UTC", "BST", "CET", "CEST"}

TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
                    word-spacing: 0.16em !important; }
                  p { margin-bottom: 2em !important; }"""

# Every text a person may see or hear: text nodes (visually hidden ones too), the page title,
# and the attributes read aloud or shown as tooltips.
_VISIBLE_TEXT = """() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest("script, style, template, textarea")) continue;  // typed text is data
    if (node.textContent.trim()) texts.push(node.textContent.trim());
  }
  for (const element of document.querySelectorAll("*")) {
    for (const name of ["aria-label", "aria-description", "title", "alt", "placeholder"]) {
      const value = element.getAttribute(name);
      if (value && value.trim()) texts.push(value.trim());
    }
    if (element.matches("input[type=submit], input[type=button]")) texts.push(element.value);
  }
  return texts;
}"""


def pseudo(text: str) -> str:
    return "".join(part if _KEEP.fullmatch(part) else part.translate(_SWAP)
                   for part in _KEEP.split(text))


@pytest.fixture(scope="session")
def pseudo_catalogue(tmp_path_factory):
    """Every extracted text "translated" into the pseudo-locale, compiled where Babel looks."""
    catalogue = Catalog(locale=PSEUDO, domain=catalogues.DOMAIN)
    for message in catalogues.extract():
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):
            forms = tuple(pseudo(message.id[min(i, 1)]) for i in range(catalogue.num_plurals))
            catalogue.add(message.id, forms, context=message.context)
        else:
            catalogue.add(message.id, pseudo(message.id), context=message.context)
    directory = tmp_path_factory.mktemp("pseudo")
    mo = directory / PSEUDO / "LC_MESSAGES" / f"{catalogues.DOMAIN}.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as target:
        write_mo(target, catalogue)
    return directory


@pytest.fixture
def in_pseudo_locale(app, pseudo_catalogue, monkeypatch):
    monkeypatch.setitem(LANGUAGES, PSEUDO, Language(PSEUDO, "Pseudo", "ltr", "Pseudo"))
    directories = app.extensions["babel"].translation_directories
    monkeypatch.setattr(app.extensions["babel"], "translation_directories",
                        [*directories, str(pseudo_catalogue)])


def _data_words(app) -> set[str]:
    """The words the page may show that are data, not text of ours: every string the database
    holds, the settings, and the languages' names."""
    words: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str):
                    words.update(_WORD.findall(value))
    for value in app.config.values():
        if isinstance(value, str):
            words.update(_WORD.findall(value))
    for language in LANGUAGES.values():
        words.update(_WORD.findall(language.name))
    return words | _ZONES


@pytest.mark.parametrize("state", _with_settings(ATTENDEE_STATES), ids=str)
def test_no_english_is_left_in_the_pseudo_locale(world, in_pseudo_locale, state):
    page = world.visit(state, locale=PSEUDO)
    assert page.evaluate("document.documentElement.lang") == PSEUDO
    allowed = _data_words(world.app)
    untranslated = []
    for text in page.evaluate(_VISIBLE_TEXT):
        words = [w for w in _WORD.findall(_LINKS.sub(" ", text)) if w not in allowed]
        if words:
            untranslated.append(text)
    assert not untranslated, (
        f"{state.id}: text not marked for translation (or data the check does not know):\n- "
        + "\n- ".join(sorted(set(untranslated))))


@pytest.mark.parametrize("code", ["es", "he"])
@pytest.mark.parametrize("state", _with_settings(ATTENDEE_STATES), ids=str)
def test_attendee_page_in_language(world, axe, state, code):
    language = LANGUAGES[code]
    page = world.visit(state, locale=code)
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        language.code, language.direction]
    with world.app.test_request_context(), force_locale(code):
        error_prefix, optional_word = gettext("Error:") + " ", gettext("(optional)")
    failures = page_failures(world, axe, state, page, error_prefix, optional_word)
    assert not failures, f"{state.id} in {code} ({page.url}):\n" + "\n\n".join(failures)


@pytest.mark.parametrize("state_id", ["request-form-errors", "status-needs_info",
                                      "status-after-the-event-outcomes"])
def test_wider_text_spacing_loses_nothing_right_to_left(world, state_id):
    state = next(s for s in ATTENDEE_STATES if s.id == state_id)
    page = world.visit(state, locale="he", viewport={"width": 320, "height": 640},
                       bypass_csp=True)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.add_style_tag(content=TEXT_SPACING)
    assert check(page, "clipped") == []
    overflow = check(page, "overflow")
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow

"""The shipped catalogues are whole: every text the code marks is translated in every language,
nothing is fuzzy, and each translation keeps its original's placeholders and markup."""

from __future__ import annotations

import re

import pytest

from accessreq.i18n import catalogues
from accessreq.i18n.languages import DEFAULT, LANGUAGES

TRANSLATED = sorted(code for code in LANGUAGES if code != DEFAULT)
# %(name)s and %% placeholders, and HTML tags with their attributes (a link keeps its href).
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")
TAG = re.compile(r"</?[a-z][^>]*>")
# The number a plural is chosen by.
COUNTS = {"%(num)d", "%(num)s", "%(count)d", "%(count)s"}


@pytest.fixture(scope="module")
def extracted():
    return catalogues.extract()


def _catalogue(code: str):
    po = catalogues.DIRECTORY / code / "LC_MESSAGES" / f"{catalogues.DOMAIN}.po"
    assert po.exists(), f"{code} is offered in i18n/languages.py but has no catalogue at {po}"
    return catalogues.read(po)


def _forms(text) -> tuple[str, ...]:
    return tuple(text) if isinstance(text, (tuple, list)) else (text,)


def _keys(text: str) -> tuple[list[str], list[str]]:
    return sorted(PLACEHOLDER.findall(text)), sorted(TAG.findall(text))


def test_every_text_is_extracted_from_somewhere(extracted):
    assert len(extracted) > 0
    assert all(message.locations for message in extracted if message.id)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_text_is_translated_and_none_is_fuzzy(extracted, code):
    catalogue = _catalogue(code)
    missing, fuzzy = [], []
    for message in extracted:
        if not message.id:
            continue
        found = catalogue.get(message.id, context=message.context)
        if found is None or not all(_forms(found.string)):
            missing.append(_forms(message.id)[0])
        elif found.fuzzy:
            fuzzy.append(_forms(message.id)[0])
    assert not missing, f"{code}: {len(missing)} texts untranslated (make translations-update, " \
                        f"then translate them): {missing[:15]}"
    assert not fuzzy, f"{code}: fuzzy entries (check, then remove the flag): {fuzzy[:15]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders_and_markup(code):
    catalogue = _catalogue(code)
    wrong = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        originals = _forms(message.id)
        forms = _forms(message.string)
        for index, translation in enumerate(forms):
            # The first form answers the English singular, the others the English plural.
            original = originals[0] if index == 0 else originals[-1]
            expected_placeholders, expected_tags = _keys(original)
            placeholders, tags = _keys(translation)
            # A plural's forms before the last may say their number in words ("שבועיים", a
            # dual; "one"), so only there the count may be left out.
            if len(originals) > 1 and index < len(forms) - 1:
                placeholders = [p for p in placeholders if p not in COUNTS]
                expected_placeholders = [p for p in expected_placeholders if p not in COUNTS]
            if placeholders != expected_placeholders or tags != expected_tags:
                wrong.append((original, translation))
    assert not wrong, f"{code}: placeholders or markup differ: {wrong[:10]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogues_compile(tmp_path, code):
    po = catalogues.DIRECTORY / code / "LC_MESSAGES" / f"{catalogues.DOMAIN}.po"
    copy = tmp_path / code / "LC_MESSAGES" / po.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(po.read_bytes())
    assert catalogues.compile_catalogue(copy).stat().st_size > 0

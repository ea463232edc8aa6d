"""The languages we ship, named in themselves, and the direction each is written in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # the gettext catalogue's name and the value of <html lang>
    name: str  # in the language itself, as the switcher shows it
    direction: str  # "ltr" or "rtl"


DEFAULT = "en"

LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "ltr"),
    "es": Language("es", "Español", "ltr"),
    "he": Language("he", "עברית", "rtl"),
}


def language(code: str | None) -> Language:
    """The language with this code, or English for an unknown or missing one."""
    return LANGUAGES.get((code or "").split("_")[0].split("-")[0].lower(), LANGUAGES[DEFAULT])

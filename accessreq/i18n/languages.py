"""The languages we ship, named in themselves, and the direction each is written in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # the gettext catalogue's name and the value of <html lang>
    name: str  # in the language itself, as the switcher shows it
    direction: str  # "ltr" or "rtl"
    english: str  # its name in English, for staff pages

    @property
    def is_default(self) -> bool:
        return self.code == DEFAULT


DEFAULT = "en"

LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "ltr", "English"),
    "es": Language("es", "Español", "ltr", "Spanish"),
    "he": Language("he", "עברית", "rtl", "Hebrew"),
}


def language(code: str | None) -> Language:
    """The language with this code, or English for an unknown or missing one."""
    return LANGUAGES.get((code or "").split("_")[0].split("-")[0].lower(), LANGUAGES[DEFAULT])

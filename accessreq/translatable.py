"""Marking English text for translation where it has to stay English until it is shown.

``N_("…")`` returns its text unchanged; ``pybabel extract`` still collects it (``N_`` is one of
its default keywords). Use it for a module-level constant that code or tests compare, search
for or store as English, and translate it where it is shown: ``gettext(CONSTANT)``. Everywhere
else, ``lazy_gettext`` (module and class level) and ``gettext`` (in functions) from flask_babel.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools know
    """``message`` itself, marked for extraction (translate it with ``gettext`` when shown)."""
    return message

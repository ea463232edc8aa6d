"""How a page's language is chosen.

Attendee pages (the blueprints in ``ATTENDEE_BLUEPRINTS``, and error pages outside any
blueprint) follow the visitor: a language picked with the switcher (``?lang=es`` on any of
those pages, remembered in the session for the visit), else the best match for the browser's
``Accept-Language``, else English. Staff pages stay English for now.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale

from ..forms import SWITCH_LANGUAGE_FIELD
from .languages import DEFAULT, LANGUAGES, language

# Pages an attendee sees. Everything else is staff's, and English.
ATTENDEE_BLUEPRINTS = frozenset({"events", "requests", "pages", "feedback", None})
SESSION_KEY = "language"
# The query parameter of the switcher's links (and of its buttons' formaction on a form page).
PARAMETER = "lang"


def is_attendee_page() -> bool:
    return request.blueprint in ATTENDEE_BLUEPRINTS


def select_locale() -> str:
    """Flask-Babel's locale selector (forced locales, as for emails, bypass it)."""
    if not has_request_context() or not is_attendee_page():
        return DEFAULT
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES.keys(), default=DEFAULT)


def remember_choice() -> None:
    """Keep a language chosen with the switcher for the rest of the visit."""
    chosen = request.args.get(PARAMETER)
    if chosen in LANGUAGES and is_attendee_page():
        session[SESSION_KEY] = chosen


def current_language():
    locale = get_locale()
    return language(str(locale) if locale else DEFAULT)


def switch_url(code: str, keep_query: bool = True) -> str:
    """This page again in another language: a link relative to the page ("?lang=es"), so the
    page's path (a status link's token, say) is never written into it. The query string is
    kept, except on error pages, which never repeat what was asked for."""
    args = request.args.to_dict(flat=False) if keep_query else {}
    args[PARAMETER] = [code]
    return f"?{urlencode(args, doseq=True)}"


def with_language(url: str, code: str) -> str:
    """``url`` with the switcher's parameter added (a form page's button posts there)."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({PARAMETER: code})}"


def register(app: Flask) -> None:
    app.before_request(remember_choice)

    @app.context_processor
    def language_globals():
        if not request:
            return {}
        return {
            "page_language": current_language(),
            "attendee_page": is_attendee_page(),
            "languages": LANGUAGES.values(),
            "switch_url": switch_url,
            "with_language": with_language,
            "switch_field": SWITCH_LANGUAGE_FIELD,
        }

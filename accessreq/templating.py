"""Template filters and globals shared by every page and email."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from .events.leadtime import day_count, notice_words
from .inbound.attachments import size_in_words
from .timeutil import format_date, format_when


def isolate(value) -> Markup:
    """``value`` in <bdi>, so a reference, an address or a title keeps its own direction inside a
    sentence of the other (AR-7KQ3-M2 in Hebrew text). For text, never inside an attribute."""
    return Markup("<bdi>%s</bdi>") % value


def register(app: Flask) -> None:
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_date, "day")
    app.add_template_filter(day_count, "day_count")  # "1 day", "7 days"
    app.add_template_filter(notice_words, "notice")  # lead time, for attendees
    app.add_template_filter(size_in_words, "filesize")  # "12 kB"
    app.add_template_filter(isolate, "isolate")  # <bdi>AR-7KQ3-M2</bdi>

    @app.context_processor
    def site_globals():
        return {
            "site_name": app.config["SITE_NAME"],
            "institution": app.config["INSTITUTION_NAME"],
        }

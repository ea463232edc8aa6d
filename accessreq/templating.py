"""Template filters and globals shared by every page and email."""

from __future__ import annotations

from flask import Flask

from .events.leadtime import day_count, notice_words
from .inbound.attachments import size_in_words
from .timeutil import format_date, format_when


def register(app: Flask) -> None:
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_date, "day")
    app.add_template_filter(day_count, "day_count")  # "1 day", "7 days"
    app.add_template_filter(notice_words, "notice")  # lead time, for attendees
    app.add_template_filter(size_in_words, "filesize")  # "12 kB"

    @app.context_processor
    def site_globals():
        return {
            "site_name": app.config["SITE_NAME"],
            "institution": app.config["INSTITUTION_NAME"],
        }

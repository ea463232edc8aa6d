"""Template filters and globals shared by every page and email."""

from __future__ import annotations

from flask import Flask

from .timeutil import format_date, format_when


def register(app: Flask) -> None:
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_date, "day")

    @app.context_processor
    def site_globals():
        return {
            "site_name": app.config["SITE_NAME"],
            "institution": app.config["INSTITUTION_NAME"],
        }

"""Wiring the API into the app (called by ``create_app`` after the error pages are set up)."""

from __future__ import annotations

from flask import Flask, current_app

from ..extensions import csrf, limiter
from . import problems
from .admin_views import admin_bp
from .auth import rate_limit_key
from .blueprint import new_api
from .views import blp, docs_bp  # importing views adds the endpoints to blp


def _api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def register(app: Flask) -> None:
    api = new_api(app)
    # Bearer tokens only: no cookies, so no CSRF (a browser cannot add the header cross-site).
    csrf.exempt(blp)
    limiter.limit(_api_rate_limit, key_func=rate_limit_key)(blp)
    api.register_blueprint(blp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(admin_bp)
    problems.register(app)

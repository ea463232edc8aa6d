"""accessreq: accommodation requests for public events."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(config.INSTANCE_DIR),
    )
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    # Sessions, CSRF tokens and sign-ins would be forgeable with a known or short key.
    refusal = config.unsafe_configuration(app.config, debug=app.debug, testing=app.testing)
    if refusal:
        raise config.UnsafeConfiguration(refusal)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    mail.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    from .i18n import catalogues, selection

    catalogues.compile_stale()
    babel.init_app(app, locale_selector=selection.select_locale)
    # {% trans %} blocks collapse their inner whitespace, so a catalogue's entries read as
    # sentences (a block that must keep its line breaks says "notrimmed").
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    from . import models  # noqa: F401  (registers every table)
    from .auth import loader  # noqa: F401  (Flask-Login's user loader)
    from .database import configure_engine_events

    with app.app_context():
        configure_engine_events(db.engine)

    from .arranging.booking_views import bp as bookings_bp
    from .arranging.outcome_views import bp as outcomes_bp
    from .arranging.views import bp as providers_bp
    from .auth.views import bp as auth_bp, admin_bp as staff_admin_bp
    from .events.admin_views import admin_bp as events_admin_bp
    from .events.views import bp as events_bp
    from .exports.views import admin_bp as exports_admin_bp, bp as exports_bp
    from .notifications.views import admin_bp as mail_admin_bp
    from .notifications.wording_views import admin_bp as wording_admin_bp
    from .feedback.views import bp as feedback_bp, staff_bp as feedback_staff_bp
    from .health import bp as health_bp
    from .pages import bp as pages_bp
    from .reports.views import bp as reports_bp
    from .requests.views import bp as requests_bp
    from .routing.views import admin_bp as routing_admin_bp
    from .triage.account_views import bp as account_bp
    from .triage.record_views import bp as record_bp
    from .triage.admin_views import admin_bp as access_log_admin_bp, cancel_bp as cancelling_bp
    from .triage.canned_views import admin_bp as canned_admin_bp
    from .triage.inbox_views import bp as inbox_bp
    from .triage.plan_views import bp as plan_bp
    from .triage.saved_view_views import bp as saved_views_bp
    from .triage.views import bp as triage_bp
    from .webhooks.views import admin_bp as webhooks_admin_bp

    from .events.admin_views import REQUEST_COUNTS
    from .requests.queries import count_by_event

    app.extensions[REQUEST_COUNTS] = count_by_event

    for blueprint in (events_bp, requests_bp, triage_bp, auth_bp, staff_admin_bp,
                      events_admin_bp, routing_admin_bp, mail_admin_bp, pages_bp, health_bp,
                      feedback_bp, feedback_staff_bp, record_bp,
                      access_log_admin_bp, cancelling_bp, inbox_bp, providers_bp, bookings_bp,
                      outcomes_bp, plan_bp, wording_admin_bp, canned_admin_bp, saved_views_bp,
                      exports_bp, exports_admin_bp, reports_bp, account_bp,
                      webhooks_admin_bp):
        app.register_blueprint(blueprint)

    from . import cli, errors, headers, observability, templating
    from .arranging.services import connect_signals

    connect_signals()
    from .webhooks.hooks import register as register_webhooks

    register_webhooks(db.session)  # deliveries queued in the same transaction as each change

    observability.register(app)
    headers.register(app)
    errors.register(app)
    templating.register(app)
    selection.register(app)
    cli.register(app)
    from .api import setup as api_setup

    api_setup.register(app)  # after errors.register: API errors become problem documents
    return app

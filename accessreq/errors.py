"""Friendly error pages: no stack trace, no 500 for bad input, a way back for the person."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (DataError, DBAPIError, InterfaceError, OperationalError,
                            SQLAlchemyError, TimeoutError as PoolTimeoutError)
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db, login_manager
from .observability import route_pattern
from .translatable import N_

# Seconds a client (or a load balancer) is asked to wait while the database is away.
RETRY_AFTER_SECONDS = 60

# Each page's title and message, in English; translated as the page is drawn.
MESSAGES = {
    400: (N_("Sorry, we could not understand that request"),
          N_("Something in what was sent did not make sense to us. Go back, check the page and "
             "try again.")),
    403: (N_("You do not have access to this page"),
          N_("Your account cannot open this page. If you think it should, ask an admin.")),
    404: (N_("Page not found"),
          N_("If you typed the web address, check it is correct. If you followed a link from "
             "an email, copy the whole link into your browser.")),
    405: (N_("Sorry, that did not work"),
          N_("That page cannot be used that way. Go back and try again.")),
    413: (N_("That was too much to send"),
          N_("What you sent is larger than we accept. Shorten your text and try again.")),
    429: (N_("Too many attempts"), N_("Please wait a few minutes before you try again.")),
    500: (N_("Sorry, something went wrong on our side"),
          N_("Nothing you did caused this. Please try again in a few minutes. If it keeps "
             "happening, email the access team and we will help you directly.")),
    503: (N_("Sorry, this service is unavailable for a moment"),
          N_("We cannot reach our records just now. Nothing you did caused this. Please try "
             "again in a minute. If it keeps happening, email the access team and we will help "
             "you directly.")),
}

# The request form when this process cannot draw it again (it has not shown that event yet).
FORM_NOT_SAVED = N_("We could not save your request because our records are unavailable for "
                    "a moment. Nothing was saved. Use your browser's Back button to return to "
                    "the form, where what you typed should still be, and send it again in a "
                    "minute.")


def render_error(code: int, detail: str | None = None):
    """The error page; ``detail`` (already in the page's language) replaces the usual message."""
    title, message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return render_template("errors/error.html", code=code, title=_(title),
                           message=detail or _(message)), code


def _database_is_away(error: Exception) -> bool:
    """The database could not be reached or dropped the connection, or is refusing writes
    for now (locked, read-only, full): worth trying again later, not a bug."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeoutError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _forget_failed_transaction() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.remove()
    try:
        current_user.is_authenticated  # the page header needs the user: load it if we can
    except SQLAlchemyError:
        db.session.rollback()
        g._login_user = login_manager.anonymous_user()


def _database_unavailable(app: Flask, error: Exception):
    route = route_pattern()
    # The class name only: the message of a database error can quote the SQL and its values.
    reason = type(getattr(error, "orig", None) or error).__name__
    app.logger.warning("Database unavailable (%s) during %s %s", reason, request.method, route)
    _forget_failed_transaction()
    if request.endpoint == "requests.new" and request.method == "POST":
        from .requests.views import form_during_outage

        response = form_during_outage() or render_error(503, _(FORM_NOT_SAVED))
    else:
        response = render_error(503)
    response = app.make_response(response)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _rate_limited():
    """A refused post: the request form (or the status page's message) comes back with
    everything typed and how long to wait; other pages say how long to wait."""
    from .ratelimits import wait_words

    wait = wait_words()
    if request.endpoint == "requests.new" and request.method == "POST":
        from .requests.views import form_when_rate_limited

        form = form_when_rate_limited(wait)
        if form is not None:
            return form, 429
    if request.endpoint == "requests.add_message":
        from .requests.views import message_when_rate_limited

        page = message_when_rate_limited(wait)
        if page is not None:
            return page, 429
    return render_error(429, _("Please wait a little before you try again: you can try again "
                               "in %(wait)s.", wait=wait))


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("This form had expired or was sent from somewhere else, so "
                                   "we did not act on it. Go back, reload the page and submit "
                                   "it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            return _rate_limited()
        return render_error(error.code)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    def database_error(error):
        if not _database_is_away(error):
            raise error  # a real bug (a constraint, bad SQL): the usual 500 path logs it
        return _database_unavailable(app, error)

    @app.errorhandler(DataError)
    def data_error(error: DataError):
        # A value the database refuses (NUL in text, a number out of range) that no form check
        # caught: the person sent something odd, it is not our failure. Logged by route only.
        db.session.rollback()
        rule = route_pattern()
        current_app.logger.warning(f"Database refused a value on {rule} [{request.method}]",
                                   extra={"method": request.method, "route": rule})
        return render_error(400)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        return render_error(500)

"""Friendly error pages: no stack trace, no 500 for bad input, a way back for the person."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .observability import route_pattern

MESSAGES = {
    400: ("Sorry, we could not understand that request",
          "Something in what was sent did not make sense to us. Go back, check the page and try again."),
    403: ("You do not have access to this page",
          "Your account cannot open this page. If you think it should, ask an admin."),
    404: ("Page not found",
          "If you typed the web address, check it is correct. If you followed a link from an email, "
          "copy the whole link into your browser."),
    405: ("Sorry, that did not work", "That page cannot be used that way. Go back and try again."),
    413: ("That was too much to send",
          "What you sent is larger than we accept. Shorten your text and try again."),
    429: ("Too many attempts", "Please wait a few minutes before you try again."),
    500: ("Sorry, something went wrong on our side",
          "Nothing you did caused this. Please try again in a few minutes. If it keeps happening, "
          "email the access team and we will help you directly."),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "This form had expired or was sent from somewhere else, so we did "
                                 "not act on it. Go back, reload the page and submit it again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

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

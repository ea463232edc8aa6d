"""STUB — to be replaced: public request form, confirmation and status page."""
from flask import Blueprint

bp = Blueprint("requests", __name__)


@bp.get("/r/<token>")
def status(token):
    return "status"

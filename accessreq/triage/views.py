"""STUB — to be replaced: staff queue and request page."""
from flask import Blueprint

bp = Blueprint("triage", __name__, url_prefix="/staff")


@bp.get("/")
def queue():
    return "queue"


@bp.get("/requests/<int:request_id>")
def detail(request_id):
    return "detail"

"""STUB — to be replaced: public event pages and admin event/catalogue set-up."""
from flask import Blueprint

bp = Blueprint("events", __name__)
admin_bp = Blueprint("events_admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    return "events"


@admin_bp.get("/events")
def events():
    return "events admin"


@admin_bp.get("/catalogue")
def catalogue():
    return "catalogue"

"""STUB — to be replaced: admin outbox page and caught-mail view."""
from flask import Blueprint

admin_bp = Blueprint("mail_admin", __name__, url_prefix="/admin/email")


@admin_bp.get("/")
def outbox():
    return "outbox"

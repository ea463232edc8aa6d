"""STUB — to be replaced: sign-in, sign-out, invitations, staff admin."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/staff")
admin_bp = Blueprint("staff_admin", __name__, url_prefix="/admin/staff")


@bp.route("/login", methods=["GET", "POST"])
def login():
    return "login"


@bp.post("/logout")
def logout():
    return "logout"


@admin_bp.get("/")
def list_staff():
    return "staff"

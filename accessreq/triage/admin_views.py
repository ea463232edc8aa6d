"""The admin's view of the access log: who saw which request's details, and when."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..forms import options
from ..guards import admin_required
from ..pagination import redirect_if_out_of_range
from . import access_log
from .forms import AccessLogFilterForm

admin_bp = Blueprint("access_log_admin", __name__, url_prefix="/admin")



@admin_bp.get("/access-log")
@admin_required
def access_log_list():
    filters = access_log.LogFilters.from_args(request.args)
    page = access_log.log_page(filters)
    moved = redirect_if_out_of_range(page.page, page.pages)
    if moved:
        return moved
    form = AccessLogFilterForm(data={"staff": str(filters.staff_id or ""),
                                     "reference": filters.reference})
    form.staff.choices = options([("", "Everyone")] + [
        (str(s.id), s.name if s.active else f"{s.name} (deactivated)")
        for s in access_log.all_staff()])
    return render_template("admin/access_log.html", page=page, filters=filters, form=form)

"""A staff member's own settings page (``/staff/account``): for now, whether they get the daily
digest (triage/digest.py). Only the person changes their own settings; an admin sees the
choice on the staff account page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from ..auth.services import save_own_settings
from ..guards import current_staff, staff_required
from . import digest
from .forms import AccountSettingsForm

bp = Blueprint("account", __name__, url_prefix="/staff/account")


@bp.route("", methods=["GET", "POST"])
@staff_required
def settings():
    me = current_staff()
    form = AccountSettingsForm()
    if not form.is_submitted():
        # Only a page drawn afresh shows the saved choice: a post with the box unticked sends
        # no value for it at all, which must read as "off".
        form.daily_digest.data = me.daily_digest
    form.daily_digest.description = digest.describe(me)
    if form.validate_on_submit():
        save_own_settings(me, daily_digest=form.daily_digest.data)
        if me.daily_digest:
            flash(f"Saved. Your daily digest comes {digest.when_words()}.", "success")
        else:
            flash("Saved. You will not get the daily digest.", "success")
        return redirect(url_for(".settings"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("triage/account.html", form=form, me=me), status

"""Saved views of the queue: saving the current filters from the queue page, and the page
where a person manages (deletes) their views; admins manage the shared ones there too."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..extensions import db
from ..guards import current_staff, staff_required
from . import saved_queue
from .forms import DeleteViewForm, SaveViewForm
from .models import SavedView
from .views import render_queue

bp = Blueprint("saved_views", __name__, url_prefix="/staff/views")


@bp.get("")
@staff_required
def manage():
    me = current_staff()
    views = saved_queue.views_for(me)
    own = [v for v in views if v.owner_id == me.id]
    shared = [v for v in views if v.shared] if me.is_admin else []
    return render_template("triage/saved_views.html", own=own, shared=shared,
                           delete_form=DeleteViewForm(), max_views=saved_queue.MAX_VIEWS,
                           args_of=lambda v: saved_queue.filters_of(v.query).query_args(page=1))


@bp.post("")
@staff_required
def save():
    form = SaveViewForm(prefix="view")
    filters = saved_queue.filters_of(form.query.data)
    if not current_staff().is_admin:
        form.shared.data = False
    if form.validate_on_submit():
        try:
            view = saved_queue.save_view(current_staff(), form.name.data, filters,
                                         shared=bool(form.shared.data))
        except saved_queue.SavedViewError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(error)]
        else:
            whom = "every staff member" if view.shared else "you"
            flash(f"Saved the view “{view.name}” for {whom}.", "success")
            return redirect(url_for("triage.queue", **filters.query_args(page=1)), code=303)
    return render_queue(filters, save_form=form, code=422)


@bp.post("/<int(max=2147483647):view_id>/delete")
@staff_required
def delete(view_id: int):
    view = db.get_or_404(SavedView, view_id)
    me = current_staff()
    if not (view.shared or view.owner_id == me.id):
        abort(404)  # another person's private view: not even its existence is told
    if not DeleteViewForm().validate_on_submit():
        abort(400)
    try:
        saved_queue.delete_view(view, me)
    except saved_queue.SavedViewError:
        abort(403)
    flash(f"Deleted the view “{view.name}”.", "success")
    return redirect(url_for(".manage"), code=303)

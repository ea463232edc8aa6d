"""Admin pages for email wording: the list of emails whose wording admins may change, and one
page per email to change it or go back to the default."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..forms import AppForm, strip
from ..guards import admin_required, current_staff
from . import wording
from .models import WordingKey

admin_bp = Blueprint("wording_admin", __name__, url_prefix="/admin/email-wording")


class WordingForm(AppForm):
    subject = StringField("Subject", filters=[strip], validators=[
        InputRequired("Enter the subject"),
        Length(max=wording.SUBJECT_MAX,
               message=f"The subject must be {wording.SUBJECT_MAX} characters or fewer")])
    body = TextAreaField("Message", filters=[strip], validators=[
        InputRequired("Enter the message"),
        Length(max=wording.BODY_MAX,
               message=f"The message must be {wording.BODY_MAX} characters or fewer")],
        render_kw={"rows": 14})


def _key_or_404(key: str) -> WordingKey:
    try:
        return WordingKey(key)
    except ValueError:
        abort(404)


@admin_bp.get("/")
@admin_required
def index():
    rows = {key: wording.stored_wording(key) for key in WordingKey}
    return render_template("notifications/wording_list.html", rows=rows)


@admin_bp.route("/<key>", methods=["GET", "POST"])
@admin_required
def edit(key: str):
    wording_key = _key_or_404(key)
    current = wording.current_wording(wording_key)
    form = WordingForm(data={"subject": current.subject, "body": current.body})
    if form.validate_on_submit():
        try:
            wording.save_wording(wording_key, current_staff(), form.subject.data,
                                 form.body.data)
        except wording.WordingError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(f"Saved the wording of “{wording_key.label}”.", "success")
            return redirect(url_for(".index"), 303)
    return render_template(
        "notifications/wording_form.html", form=form, key=wording_key,
        row=wording.stored_wording(wording_key), restore_form=AppForm(formdata=None),
        placeholders=[(name, wording.PLACEHOLDER_HELP[name])
                      for name in wording.PLACEHOLDERS[wording_key]],
    ), 422 if form.errors else 200


@admin_bp.post("/<key>/restore")
@admin_required
def restore(key: str):
    wording_key = _key_or_404(key)
    if not AppForm().validate_on_submit():
        abort(400)
    wording.restore_default_wording(wording_key)
    flash(f"“{wording_key.label}” uses the default wording again.", "success")
    return redirect(url_for(".edit", key=wording_key.value), 303)

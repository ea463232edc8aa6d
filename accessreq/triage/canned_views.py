"""Admin pages for canned replies (issue 13): the list, adding, changing and deleting one.
Staff use them from a request's page (``views.detail``, ``?reply=<id>``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from ..events.models import AccommodationType
from ..events.services import catalogue
from ..extensions import db
from ..forms import AppForm, in_choices, options, strip
from ..guards import admin_required, current_staff
from ..requests.states import RequestStatus
from . import canned
from .models import TITLE_MAX, CannedReply

admin_bp = Blueprint("canned_admin", __name__, url_prefix="/admin/replies")


class CannedReplyForm(AppForm):
    title = StringField(
        "Title", filters=[strip],
        description="What staff see in the list on a request's page, like “Interpreter "
                    "confirmed”.",
        validators=[InputRequired("Enter the title"),
                    Length(max=TITLE_MAX,
                           message=f"The title must be {TITLE_MAX} characters or fewer")])
    body = TextAreaField(
        "Reply", filters=[strip], render_kw={"rows": 10},
        description="Staff can still change it before sending. Write plainly and politely; "
                    "say what is arranged or needed, never why.",
        validators=[InputRequired("Enter the reply"),
                    Length(max=canned.BODY_MAX,
                           message=f"The reply must be {canned.BODY_MAX} characters or fewer")])
    accommodation = SelectField(
        "Only for requests asking for", validate_choice=False,
        description="Offered only on requests that ask for this accommodation.")
    status = SelectField(
        "Goes with the status", validate_choice=False,
        description="Offered only on requests that can move to this status; choosing the "
                    "reply also chooses the status in the reply box (staff can change it).")
    position = IntegerField(
        "Position in the list", widget=TextInput(), render_kw={"inputmode": "numeric"},
        description="Lower numbers come first. Leave empty to add it at the end.",
        invalid_value_message="Enter the position as a whole number, like 3",
        validators=[Optional(), NumberRange(0, 10000, "Position must be between 0 and 10,000")])

    def fill_choices(self) -> None:
        self.accommodation.choices = options(
            [("", "Any accommodation")] + [(str(t.id), t.name) for t in catalogue()])
        self.status.choices = options(
            [("", "No status (any request)")]
            + [(s.value, s.label) for s in RequestStatus if s != RequestStatus.SUBMITTED])

    def validate_accommodation(self, field) -> None:
        in_choices(field, "Choose an accommodation from the list, or “Any accommodation”.")

    def validate_status(self, field) -> None:
        in_choices(field, "Choose a status from the list, or “No status”.")

    def details(self) -> canned.CannedReplyDetails:
        kind = (db.session.get(AccommodationType, int(self.accommodation.data))
                if self.accommodation.data else None)
        return canned.CannedReplyDetails(
            title=self.title.data, body=self.body.data, accommodation_type=kind,
            status=RequestStatus(self.status.data) if self.status.data else None,
            position=self.position.data)


def _form_page(form: CannedReplyForm, reply: CannedReply | None):
    """Save from the form and go back to the list, or show the form (422 with its errors)."""
    form.fill_choices()
    if form.validate_on_submit():
        try:
            saved = canned.save_canned_reply(reply, current_staff(), form.details())
        except canned.CannedReplyError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(f"Saved the canned reply “{saved.title}”.", "success")
            return redirect(url_for(".index"), 303)
    return render_template(
        "admin/canned_form.html", form=form, reply=reply, delete_form=AppForm(formdata=None),
        placeholders=list(canned.PLACEHOLDER_HELP.items()),
    ), 422 if form.errors else 200


@admin_bp.get("")
@admin_required
def index():
    return render_template("admin/canned_list.html", replies=canned.all_replies())


@admin_bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    return _form_page(CannedReplyForm(), None)


@admin_bp.route("/<int:reply_id>", methods=["GET", "POST"])
@admin_required
def edit(reply_id: int):
    reply = db.get_or_404(CannedReply, reply_id)
    form = CannedReplyForm(data={
        "title": reply.title, "body": reply.body, "position": reply.position,
        "accommodation": str(reply.accommodation_type_id or ""),
        "status": reply.for_status.value if reply.for_status else ""})
    return _form_page(form, reply)


@admin_bp.post("/<int:reply_id>/delete")
@admin_required
def delete(reply_id: int):
    reply = db.get_or_404(CannedReply, reply_id)
    if not AppForm().validate_on_submit():
        abort(400)
    title = reply.title
    canned.delete_canned_reply(reply)
    flash(f"Deleted the canned reply “{title}”.", "success")
    return redirect(url_for(".index"), 303)

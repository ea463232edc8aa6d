"""Admin pages for API clients: the list, a new client (its token shown once, on the page that
answers the form), and revoking one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..extensions import db
from ..forms import options
from ..guards import admin_required, current_staff
from ..routing.models import Team
from ..routing.queries import teams as all_teams
from . import services
from .forms import ClientForm, RevokeForm
from .models import SCOPES, ApiClient

admin_bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-clients")


@admin_bp.get("")
@admin_required
def clients():
    return render_template("admin/api_clients.html", clients=services.all_clients(),
                           revoke_form=RevokeForm(), scopes=SCOPES)


@admin_bp.route("/new", methods=["GET", "POST"])
@admin_required
def new_client():
    form = ClientForm()
    form.team.choices = options([("", "Any team")] + [(str(t.id), t.name) for t in all_teams()])
    if form.validate_on_submit():
        team = db.session.get(Team, int(form.team.data)) if form.team.data else None
        try:
            client, token = services.create_client(form.name.data, form.scopes.data, team,
                                                   current_staff())
        except services.ClientError as error:
            form.name.errors.append(str(error))
        else:
            # Answered here, never redirected: the token is in no session, log or later page.
            return render_template("admin/api_client_created.html", client=client, token=token)
    status = 422 if form.errors else 200
    return render_template("admin/api_client_form.html", form=form), status


@admin_bp.post("/<int:client_id>/revoke")
@admin_required
def revoke(client_id: int):
    client = db.get_or_404(ApiClient, client_id)
    if not RevokeForm().validate():
        abort(400)
    services.revoke_client(client)
    flash(f"Revoked the token of {client.name}: its calls are refused from now on.", "success")
    return redirect(url_for(".clients"))

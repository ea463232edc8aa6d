"""Admin pages: organisations, teams and their members, the ordered routing rules, and a
preview that says where a request would go without saving anything."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..guards import admin_required
from ..events.models import AccommodationType, Event
from ..extensions import db
from ..forms import AppForm, options
from ..timeutil import format_date
from . import queries, services
from .forms import OrganisationForm, PreviewForm, RuleForm, TeamForm
from .models import Organisation, RoutingRule, Team

admin_bp = Blueprint("routing_admin", __name__, url_prefix="/admin")
ANY = ("", "Any")


# --- organisations ----------------------------------------------------------------------------


@admin_bp.route("/organisations", methods=["GET", "POST"])
@admin_required
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.save_organisation(None, form.name.data)
        except services.RoutingError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Added {organisation.name}.", "success")
            return redirect(url_for(".organisations"))
    return render_template("admin/organisations.html", form=form,
                           organisations=queries.organisations())


@admin_bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@admin_required
def edit_organisation(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            services.save_organisation(organisation, form.name.data)
        except services.RoutingError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Saved changes to {organisation.name}.", "success")
            return redirect(url_for(".organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=organisation)


# --- teams --------------------------------------------------------------------------------------


def _team_form(team: Team | None) -> TeamForm:
    data = {} if team is None else {
        "organisation": str(team.organisation_id), "name": team.name,
        "notification_email": team.notification_email, "is_default": team.is_default,
        "members": [m.id for m in team.members]}
    form = TeamForm(data=data)
    form.organisation.choices = options(
        [("", "Choose an organisation")] + [(str(o.id), o.name) for o in queries.organisations()])
    form.members.choices = [(s.id, f"{s.name} ({s.email})") for s in queries.staff()]
    return form


def _save_team(team: Team | None, form: TeamForm) -> Team:
    members = [db.session.get_one(type(s), s.id) for s in queries.staff()
               if s.id in set(form.members.data or [])]
    return services.save_team(
        team, organisation=db.session.get_one(Organisation, int(form.organisation.data)),
        name=form.name.data, notification_email=form.notification_email.data,
        is_default=form.is_default.data, members=members)


@admin_bp.get("/teams")
@admin_required
def teams():
    return render_template("admin/teams.html", teams=queries.teams(),
                           has_organisations=bool(queries.organisations()))


@admin_bp.route("/teams/new", methods=["GET", "POST"])
@admin_required
def new_team():
    form = _team_form(None)
    if form.validate_on_submit():
        try:
            team = _save_team(None, form)
        except services.RoutingError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Added the team {team.name}.", "success")
            return redirect(url_for(".teams"))
    return render_template("admin/team_form.html", form=form, team=None)


@admin_bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@admin_required
def edit_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    form = _team_form(team)
    if form.validate_on_submit():
        try:
            _save_team(team, form)
        except services.RoutingError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Saved changes to {team.name}.", "success")
            return redirect(url_for(".teams"))
    return render_template("admin/team_form.html", form=form, team=team)


# --- rules ---------------------------------------------------------------------------------------


def _event_label(event: Event) -> str:
    return f"{event.title} ({format_date(event.starts_at, event.timezone)})"


def _rule_form(rule: RoutingRule | None) -> RuleForm:
    data = {} if rule is None else {
        "team": str(rule.team_id), "organisation": str(rule.organisation_id or ""),
        "accommodation_type": str(rule.accommodation_type_id or ""),
        "event": str(rule.event_id or "")}
    form = RuleForm(data=data)
    form.team.choices = options([("", "Choose a team")] + [
        (str(t.id), f"{t.name} ({t.organisation.name})") for t in queries.teams()])
    form.organisation.choices = options(
        [ANY] + [(str(o.id), o.name) for o in queries.organisations()])
    form.accommodation_type.choices = options(
        [ANY] + [(str(t.id), t.name) for t in queries.types()])
    form.event.choices = options([ANY] + [(str(e.id), _event_label(e)) for e in queries.events()])
    return form


def _get(model, value: str):
    return db.session.get(model, int(value)) if value else None


def _save_rule(rule: RoutingRule | None, form: RuleForm) -> RoutingRule:
    return services.save_rule(
        rule, team=db.session.get_one(Team, int(form.team.data)),
        organisation=_get(Organisation, form.organisation.data),
        accommodation_type=_get(AccommodationType, form.accommodation_type.data),
        event=_get(Event, form.event.data))


@admin_bp.get("/routing")
@admin_required
def rules():
    return render_template("admin/rules.html", rules=services.ordered_rules(),
                           has_teams=bool(queries.teams()), action_form=AppForm())


@admin_bp.route("/routing/new", methods=["GET", "POST"])
@admin_required
def new_rule():
    form = _rule_form(None)
    if form.validate_on_submit():
        _save_rule(None, form)
        flash("Added the rule at the end of the list.", "success")
        return redirect(url_for(".rules"))
    return render_template("admin/rule_form.html", form=form, rule=None)


@admin_bp.route("/routing/<int:rule_id>", methods=["GET", "POST"])
@admin_required
def edit_rule(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    form = _rule_form(rule)
    if form.validate_on_submit():
        _save_rule(rule, form)
        flash("Saved the rule.", "success")
        return redirect(url_for(".rules"))
    return render_template("admin/rule_form.html", form=form, rule=rule)


@admin_bp.post("/routing/<int:rule_id>/move")
@admin_required
def move_rule(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    direction = {"up": -1, "down": +1}.get(request.form.get("direction", ""))
    if direction is None or not AppForm().validate_on_submit():
        abort(400)
    if services.move_rule(rule, direction):
        flash(f"Moved the rule for {rule.team.name} {request.form['direction']}.", "success")
    return redirect(url_for(".rules", _anchor=f"rule-{rule.id}"))


@admin_bp.get("/routing/<int:rule_id>/delete")
@admin_required
def confirm_delete_rule(rule_id: int):
    """Say what will be deleted and ask; the rule goes only from this page's button."""
    rule = db.get_or_404(RoutingRule, rule_id)
    position = next(i for i, r in enumerate(services.ordered_rules(), 1) if r.id == rule.id)
    return render_template("admin/rule_delete.html", rule=rule, position=position,
                           action_form=AppForm())


@admin_bp.post("/routing/<int:rule_id>/delete")
@admin_required
def delete_rule(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    if not AppForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "yes":  # not from the confirmation page: ask there
        return redirect(url_for(".confirm_delete_rule", rule_id=rule.id), 303)
    team = rule.team.name
    services.delete_rule(rule)
    flash(f"Deleted the rule that sent requests to {team}.", "success")
    return redirect(url_for(".rules"), 303)


# --- preview -----------------------------------------------------------------------------------


@admin_bp.get("/routing/preview")
@admin_required
def preview():
    """Where would such a request go? Reads the rules as they are; saves nothing."""
    asked = "event" in request.args or "types" in request.args
    form = PreviewForm(request.args if asked else None)
    events, kinds = queries.events(), queries.types()
    form.event.choices = options([("", "Choose an event")] + [
        (str(e.id), _event_label(e)) for e in events])
    form.types.choices = [(t.id, t.name) for t in kinds]
    route = None
    if asked and form.validate():
        event = db.session.get_one(Event, int(form.event.data))
        chosen = [t for t in kinds if t.id in set(form.types.data)]
        route = services.route_request(event, chosen)
    return render_template("admin/routing_preview.html", form=form, route=route,
                           page_has_errors=bool(form.errors))

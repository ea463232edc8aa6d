"""Staff pages for providers: the list (search, kind, inactive ones too, pages), adding one and
editing one. Admins and coordinators alike keep the list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..forms import controls_to_spaces
from ..guards import staff_required
from ..pagination import redirect_if_out_of_range, requested_page
from . import queries, services
from .forms import ProviderForm, ProviderSearchForm
from .models import Provider, ProviderKind

bp = Blueprint("providers", __name__, url_prefix="/staff/providers")


def _filters() -> queries.ProviderFilters:
    """The list's filters, read leniently: anything unreadable means "any"."""
    q = " ".join(controls_to_spaces(request.args.get("q") or "").split())
    try:
        kind = ProviderKind(request.args.get("kind") or "")
    except ValueError:
        kind = None
    return queries.ProviderFilters(q=q[:queries.SEARCH_MAX_LENGTH], kind=kind,
                                   inactive_too=bool(request.args.get("inactive")))


@bp.get("/")
@staff_required
def index():
    filters = _filters()
    page = queries.provider_page(filters, requested_page(request.args.get("page")))
    moved = redirect_if_out_of_range(page.page, page.pages)
    if moved:
        return moved
    return render_template("arranging/providers.html", page=page, filters=filters,
                           form=ProviderSearchForm(request.args))


def _details(form: ProviderForm) -> services.ProviderDetails:
    return services.ProviderDetails(
        name=form.name.data, kind=ProviderKind(form.kind.data), email=form.email.data or "",
        phone=form.phone.data or "", cancellation_terms=form.cancellation_terms.data or "",
        free_cancellation_hours=form.free_cancellation_hours.data, notes=form.notes.data or "",
        active=form.active.data)


def _edit(provider: Provider | None):
    form = ProviderForm(obj=provider)
    if provider is not None and not form.is_submitted():
        form.kind.data = provider.kind.value
    if form.validate_on_submit():
        try:
            saved = services.save_provider(provider, _details(form))
        except services.ProviderError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"{'Saved changes to' if provider else 'Added'} {saved.name}.", "success")
            return redirect(url_for(".index"), 303)
    code = 422 if form.errors else 200
    return render_template("arranging/provider_form.html", form=form, provider=provider), code


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    return _edit(None)


@bp.route("/<int(max=2147483647):provider_id>", methods=["GET", "POST"])
@staff_required
def edit(provider_id: int):
    return _edit(db.get_or_404(Provider, provider_id))

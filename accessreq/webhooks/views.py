"""Admin pages for webhooks: the endpoints, registering one, one endpoint with its recent
deliveries, retrying a dead delivery, disabling or enabling, rotating the secret."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..extensions import db
from ..forms import AppForm
from ..guards import admin_required
from . import services
from .forms import EndpointForm
from .models import WebhookDelivery, WebhookEndpoint

admin_bp = Blueprint("webhooks_admin", __name__, url_prefix="/admin/webhooks")


def _checked_post() -> None:
    if not AppForm().validate_on_submit():
        abort(400)


@admin_bp.get("")
@admin_required
def index():
    return render_template("admin/webhooks.html", endpoints=services.endpoints())


@admin_bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = EndpointForm()
    if form.validate_on_submit():
        endpoint, _secret = services.create_endpoint(
            form.url.data, list(form.events.data), form.allow_personal_text.data)
        flash("Registered the endpoint. Copy its signing secret below into the receiving "
              "system.", "success")
        return redirect(url_for(".show", endpoint_id=endpoint.id), 303)
    return render_template("admin/webhook_form.html", form=form), 422 if form.errors else 200


@admin_bp.get("/<int:endpoint_id>")
@admin_required
def show(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    return render_template("admin/webhook.html", endpoint=endpoint, form=AppForm(formdata=None),
                           deliveries=services.recent_deliveries(endpoint))


@admin_bp.post("/<int:endpoint_id>/active")
@admin_required
def toggle(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    _checked_post()
    services.set_active(endpoint, not endpoint.active)
    flash("Enabled the endpoint." if endpoint.active else
          "Disabled the endpoint: nothing more is queued or sent for it.", "success")
    return redirect(url_for(".show", endpoint_id=endpoint.id), 303)


@admin_bp.post("/<int:endpoint_id>/secret")
@admin_required
def rotate(endpoint_id: int):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    _checked_post()
    services.rotate_secret(endpoint)
    flash("Made a new signing secret: deliveries are signed with it from now on. Copy it "
          "into the receiving system.", "success")
    return redirect(url_for(".show", endpoint_id=endpoint.id), 303)


@admin_bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/retry")
@admin_required
def retry(endpoint_id: int, delivery_id: int):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    if delivery.endpoint_id != endpoint_id:
        abort(404)
    _checked_post()
    if services.retry_delivery(delivery):
        flash(f"Queued delivery {delivery.id} again.", "success")
    else:
        flash(f"Delivery {delivery.id} has not failed, so it was not queued again.", "error")
    return redirect(url_for(".show", endpoint_id=endpoint_id), 303)

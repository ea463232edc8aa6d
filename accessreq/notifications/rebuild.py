"""Sending a message again by building it afresh from its recipe.

A sent message keeps no content (its links must not sit in the database), and a failed one may
carry links that have since been replaced, so "send again" never re-sends stored bytes: each
template registers a rebuilder that takes the row's recipe (ids, never tokens) and queues a new
message, issuing a new status link or a new invitation as the original did.
"""

from __future__ import annotations

from collections.abc import Callable

from ..extensions import db
from .models import EmailStatus, OutgoingEmail
from .services import DELETED_ADDRESS

# template name -> function(recipe, actor) that queues the new message and returns its row
Rebuilder = Callable[[dict, object], OutgoingEmail]
_REBUILDERS: dict[str, Rebuilder] = {}


class CannotRebuild(Exception):
    """The message cannot be built again; the text says why, for the admin."""


def rebuilds(template: str) -> Callable[[Rebuilder], Rebuilder]:
    """Register the function that builds ``template`` again from a recipe."""

    def register(function: Rebuilder) -> Rebuilder:
        _REBUILDERS[template] = function
        return function

    return register


def rebuildable_templates() -> set[str]:
    return set(_REBUILDERS)


def send_again(row: OutgoingEmail, actor) -> OutgoingEmail:
    """An admin's "Send again" (a sent message) or "Retry" (a failed one): one path for both.

    Queues a newly built message and returns its row; a failed original is marked replaced
    and its sealed content deleted. Rows written before recipes existed are retried as they
    are when their content is still there. Commits; on ``CannotRebuild`` nothing is kept.
    """
    try:
        new_row = _rebuild(row, actor)
    except CannotRebuild:
        db.session.rollback()
        raise
    db.session.commit()
    return new_row


def build_again(row: OutgoingEmail, actor) -> OutgoingEmail:
    """``send_again`` without committing, for a service that changes more in one transaction
    (correcting a bounced address). Raises ``CannotRebuild``; the caller rolls back."""
    return _rebuild(row, actor)


def _rebuild(row: OutgoingEmail, actor) -> OutgoingEmail:
    if row.status not in (EmailStatus.SENT, EmailStatus.DEAD):
        raise CannotRebuild("This message has not been sent or failed yet: it is still in the "
                            "queue and will be sent shortly.")
    if row.to_address == DELETED_ADDRESS:
        raise CannotRebuild("The details of this message were deleted by the retention purge, "
                            "so it cannot be sent again.")
    rebuild = _REBUILDERS.get(row.template)
    if row.recipe is None or rebuild is None:
        if row.status == EmailStatus.DEAD and not row.content_deleted:
            from .sender import retry_dead_email

            retry_dead_email(row)
            return row
        raise CannotRebuild("This message was written before messages could be built again, "
                            "and its content was deleted after sending, so it cannot be sent "
                            "again.")
    new_row = rebuild(dict(row.recipe), actor)
    if row.status == EmailStatus.DEAD:
        row.status = EmailStatus.REPLACED
        row.sealed_text = row.sealed_html = row.sealed_mime = None
    db.session.flush()
    return new_row

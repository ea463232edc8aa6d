"""Creating and revoking API clients, finding one by its token, recording its use, and
idempotency keys. Each change is one transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..auth.models import StaffUser
from ..extensions import db
from ..requests.models import AccessLogEntry
from ..routing.models import Team
from ..security import hash_token, new_token
from ..timeutil import utcnow
from .models import SCOPES, ApiClient, IdempotencyKey

# Tokens start with this, so a leaked one is recognisable (e.g. by secret scanners).
TOKEN_MARK = "arq_"
PREFIX_LENGTH = 10
# last_used_at is written at most this often per client.
USE_RECORDED_EVERY = timedelta(minutes=1)
# A claimed Idempotency-Key with no answer after this long was held by a call that died.
CLAIM_SECONDS = 60
# How long an Idempotency-Key's answer is kept for retries; the retention purge deletes it after.
KEEP_ANSWERS = timedelta(days=1)


class ClientError(ValueError):
    """A client that cannot be saved; the message is shown as it is."""


def create_client(name: str, scopes: list[str], team: Team | None,
                  created_by: StaffUser | None) -> tuple[ApiClient, str]:
    """A new client and its token; the token is returned only here and never stored."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ClientError("Choose at least one of the scopes offered.")
    token = TOKEN_MARK + new_token()
    client = ApiClient(name=name.strip(), token_hash=hash_token(token),
                       token_prefix=token[:PREFIX_LENGTH],
                       scopes=" ".join(s for s in SCOPES if s in scopes), team=team,
                       created_by=created_by, created_at=utcnow())
    db.session.add(client)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ClientError("There is already an API client with that name.") from None
    return client, token


def revoke_client(client: ApiClient) -> None:
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        db.session.commit()


def client_for_token(token: str) -> ApiClient | None:
    """The client holding ``token`` (revoked ones too: the caller says why it is refused)."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))


def record_use(client: ApiClient) -> None:
    """Note the client's use, at most once a minute (one small UPDATE, committed alone)."""
    now = utcnow()
    if client.last_used_at is not None and now - client.last_used_at < USE_RECORDED_EVERY:
        return
    db.session.execute(update(ApiClient).where(ApiClient.id == client.id)
                       .values(last_used_at=now))
    db.session.commit()


def all_clients() -> list[ApiClient]:
    return list(db.session.scalars(
        select(ApiClient).order_by(ApiClient.revoked_at.is_not(None), ApiClient.name)))


# --- idempotency keys ---------------------------------------------------------------------------


def fingerprint(method: str, path: str, body: object) -> str:
    """The same call, whatever the order of its JSON object's keys, has the same fingerprint."""
    text = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def stored_response(client: ApiClient, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.client_id == client.id, IdempotencyKey.key == key))


def reserve_key(client: ApiClient, key: str, print_: str) -> IdempotencyKey | None:
    """Claim ``key`` before acting (its answer not known yet: status 0), so two concurrent
    calls with one key cannot both create; None when another call holds it already."""
    row = IdempotencyKey(client_id=client.id, key=key, fingerprint=print_, response_status=0,
                         response_body="", created_at=utcnow())
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return row


def take_over_abandoned(row: IdempotencyKey) -> IdempotencyKey | None:
    """A claimed key with no answer: the call holding it is still working, or it died before
    its commit (an answer is written with its change, so then nothing was changed). Claims
    older than CLAIM_SECONDS are taken over, by one caller only; None while the key is held."""
    now = utcnow()
    claimed = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == row.id, IdempotencyKey.response_status == 0,
               IdempotencyKey.created_at == row.created_at,
               IdempotencyKey.created_at < now - timedelta(seconds=CLAIM_SECONDS))
        .values(created_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not claimed:
        return None
    db.session.refresh(row)
    return row


def keep_response(row: IdempotencyKey, status: int, body: str) -> None:
    """The first answer, given again to every retry with the same key and body."""
    row.response_status, row.answer = status, body
    db.session.commit()


def _old_answers(now: datetime):
    return IdempotencyKey.created_at < now - KEEP_ANSWERS


def answers_due(now: datetime) -> int:
    return db.session.scalar(select(func.count(IdempotencyKey.id)).where(_old_answers(now)))


def purge_answers(now: datetime) -> int:
    """Delete Idempotency-Key answers older than KEEP_ANSWERS (they hold private links)."""
    deleted = db.session.execute(delete(IdempotencyKey).where(_old_answers(now))).rowcount
    db.session.commit()
    return deleted


def release_key(row: IdempotencyKey) -> None:
    """The call failed (invalid, refused): free the key so a corrected call may use it."""
    db.session.rollback()
    db.session.delete(db.session.merge(row))
    db.session.commit()


# --- the access log -----------------------------------------------------------------------------


def log_reads(client: ApiClient, request_ids: list[int], action: str) -> None:
    """Every read of requests' personal data by a client, in the staff access log (one row per
    request and call: the log is the accountability record, not a counter)."""
    if not request_ids:
        return
    now = utcnow()
    db.session.add_all([AccessLogEntry(staff_id=None, client_name=client.name, request_id=i,
                                       action=action, at=now) for i in request_ids])
    db.session.commit()

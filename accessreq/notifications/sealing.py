"""Encryption at rest for outbox content that is waiting to be sent.

A queued message carries live secrets (a status link, an invitation link) until it is sent, so
its bodies and bytes are stored sealed with Fernet (AES-128-CBC with HMAC-SHA256, from the
`cryptography` package) under a key derived from ``SECRET_KEY`` with HKDF-SHA256. We use the
library's authenticated recipe rather than composing primitives ourselves: it is audited, it
authenticates before it decrypts, and ``MultiFernet`` gives key rotation for free. Keys listed
in ``SECRET_KEY_FALLBACKS`` still open rows sealed before a rotation, so queued mail is never
stranded; a row no key opens raises ``ContentUnreadable`` and the sender marks it failed.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# Domain separation: one derived key per purpose, so content sealed for one cannot be opened
# as another. The outbox is the default; the other purpose is a status link crossing one
# redirect in the session cookie (staff just recorded a request for someone without email).
OUTBOX = b"accessreq outbox content v1"
SESSION_LINK = b"accessreq status link in session v1"


class ContentUnreadable(Exception):
    """Sealed content that none of the configured keys can open."""


def _fernet(secret: str | bytes, purpose: bytes) -> Fernet:
    material = secret.encode() if isinstance(secret, str) else bytes(secret)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


@lru_cache(maxsize=8)
def _keyring(secret: str | bytes, fallbacks: tuple, purpose: bytes) -> MultiFernet:
    """Seals with the current key; opens with it or any fallback."""
    return MultiFernet([_fernet(secret, purpose),
                        *(_fernet(old, purpose) for old in fallbacks if old)])


def _current_keyring(purpose: bytes) -> MultiFernet:
    config = current_app.config
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or ()
    return _keyring(config["SECRET_KEY"], tuple(fallbacks), purpose)


def seal(data: bytes, purpose: bytes = OUTBOX) -> bytes:
    return _current_keyring(purpose).encrypt(data)


def unseal(token: bytes, purpose: bytes = OUTBOX) -> bytes:
    try:
        return _current_keyring(purpose).decrypt(bytes(token))
    except InvalidToken:
        raise ContentUnreadable(
            "The stored message cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS "
            "(was the key changed without keeping the old one as a fallback?). "
            "Use Retry to build the message again.") from None


def seal_words(words: dict[str, str]) -> str:
    """Staff's own words for an email's recipe (a subject, a message), sealed as text that
    fits in the recipe's JSON: a recipe outlives sending, the words must not lie in it open."""
    return base64.b64encode(seal(json.dumps(words).encode())).decode("ascii")


def open_words(token: str) -> dict[str, str]:
    """The words ``seal_words`` sealed."""
    return json.loads(unseal(base64.b64decode(token)))

"""Secrets people hold in links: generated here, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

# Crockford-style alphabet without I, L, O, U, 0 and 1, which are misread aloud and on screen.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_token() -> str:
    """A URL-safe secret with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_reference() -> str:
    """A reference such as ``AR-7KQ3-M2`` (about 30 bits)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"AR-{chars[:4]}-{chars[4:]}"

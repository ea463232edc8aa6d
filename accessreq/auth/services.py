"""Staff account changes and sign-in checks."""

from __future__ import annotations

MIN_PASSWORD_LENGTH = 12


class PasswordPolicyError(ValueError):
    pass


def check_password_policy(password: str) -> None:
    """Length is what makes a password strong; no composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 256:
        raise PasswordPolicyError("Use a password of at most 256 characters.")

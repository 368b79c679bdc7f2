"""Publishing tokens: made by `feedapp token create`, recognized by the API, stored as digests.

A token reads `fa_` + an 8-character id + `_` + a 43-character secret (256 random bits), e.g.
`fa_k3x9q2mz_Vb3…`. Its first 11 characters, the prefix (`fa_k3x9q2mz`), name it in `feedapp
token list`, in logs and in the audit trail; the store keeps the prefix and the SHA-256 of the
whole token, never the token. A plain SHA-256 is enough for 256 random bits (no dictionary to
try); digests are compared in constant time.

`FEEDAPP_API_TOKEN`, the one token of earlier versions, stays an administrator token with every
scope; the audit trail names it `FEEDAPP_API_TOKEN`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import store
from .engine import Engine

PREFIX = "fa_"
SCOPES = ("publish", "retract")  # publish: create and replace; retract: DELETE. Reading needs none.
CONFIGURED = "FEEDAPP_API_TOKEN"  # how logs and the audit trail name the configured token
_ID_ALPHABET = string.ascii_lowercase + string.digits
_SHAPE = re.compile(r"fa_[a-z0-9]{8}_[A-Za-z0-9_-]{43}")
# How often `last_used_at` is written for one token: once per period, not per request.
LAST_USED_PERIOD = timedelta(minutes=1)


def new_token() -> str:
    """A fresh random token."""
    token_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))
    return f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def prefix_of(token: str) -> str | None:
    """The public prefix of a token of ours (`fa_` and its id), or None for any other string."""
    return token[: len(PREFIX) + 8] if _SHAPE.fullmatch(token) else None


def digest(token: str) -> str:
    """The SHA-256 of the token, as stored (hex)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(text: str) -> tuple[str, ...]:
    """`publish,retract` → the scopes in their canonical order (ValueError for others or none)."""
    given = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(given - set(SCOPES))
    if unknown or not given:
        raise ValueError(
            f"{', '.join(unknown) or 'nothing'} is not a scope; expected a comma-separated list of {', '.join(SCOPES)}"
        )
    return tuple(scope for scope in SCOPES if scope in given)


@dataclass(frozen=True)
class Grant:
    """A token that was accepted: who it acts as, and what it may do."""

    actor: store.Actor
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Refusal:
    """A token that was refused: `reason` (`wrong`, `expired`, `revoked`) and its prefix when it
    has the shape of ours (for the log; the client gets the same answer for all three)."""

    reason: str
    prefix: str | None


def authenticate(engine: Engine, given: str, configured: str | None, now: datetime) -> Grant | Refusal:
    """Check a bearer token: FEEDAPP_API_TOKEN (`configured`), else a stored token by its prefix.

    Digests are compared in constant time. A stored token that is accepted has its last use
    written (at most once per LAST_USED_PERIOD).
    """
    given_digest = digest(given)
    if configured is not None and hmac.compare_digest(given_digest, digest(configured)):
        return Grant(store.Actor(token=CONFIGURED), SCOPES)
    prefix = prefix_of(given)
    token = store.get_token(engine, prefix) if prefix else None
    if token is None or not hmac.compare_digest(given_digest, token.sha256):
        return Refusal("wrong", prefix)
    checked = standing(token, now)
    if isinstance(checked, Grant) and (token.last_used_at is None or token.last_used_at < now - LAST_USED_PERIOD):
        store.token_used(engine, token.id, now, now - LAST_USED_PERIOD)
    return checked


def standing(token: store.ApiToken, now: datetime) -> Grant | Refusal:
    """What a stored token may do now: its grant, or a refusal when it was revoked or ran out
    (the API checks it with each request, the desk with each page of a session)."""
    if token.revoked_at is not None:
        return Refusal("revoked", token.prefix)
    if token.expires_at is not None and token.expires_at <= now:
        return Refusal("expired", token.prefix)
    return Grant(store.Actor(token=token.prefix, office=token.source), token.scopes)

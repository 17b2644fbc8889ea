"""API tokens for scripts: scopes (read, import), an expiry, revocation; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from qala.messages import CodedError
from qala.store.models import ApiToken, User

SCOPES = ("read", "import")
DEFAULT_DAYS = 90
MAX_DAYS = 730
TOUCH_EVERY = timedelta(hours=1)  # how often a token's last use is written (not on every request)


class TokenError(CodedError):
    """Scopes a token cannot have: a message code (``qala.messages.FORMS``); ``str()`` is English."""


@dataclass(frozen=True)
class TokenUse:
    user_id: int
    scopes: frozenset[str]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_scopes(scopes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(s.strip().lower() for s in scopes if s.strip()))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise TokenError("token.scopes", scopes=SCOPES, got=", ".join(unknown) or "none")
    return chosen


def new_token(
    engine: Engine,
    username: str,
    name: str,
    who: str = "cli",
    *,
    scopes: tuple[str, ...] = SCOPES,
    days: int = DEFAULT_DAYS,
) -> str:
    """A new token for ``username`` (shown once): its scopes, and an expiry ``days`` from now."""
    from qala.store.users import UserError, audit  # noqa: PLC0415 (users re-exports this module's functions)

    chosen = check_scopes(list(scopes))
    if not 1 <= days <= MAX_DAYS:
        raise UserError("token.days", max=str(MAX_DAYS), days=str(days))
    token = "qala_" + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        uid = conn.execute(select(User.id).where(User.username == username)).scalar()
        if uid is None:
            raise UserError("user.unknown", username=username)
        tid = conn.execute(
            insert(ApiToken)
            .values(
                user_id=uid,
                token_sha256=sha(token),
                name=name[:100],
                created_at=now,
                scopes=",".join(chosen),
                expires_at=now + timedelta(days=days),
            )
            .returning(ApiToken.id)
        ).scalar_one()
        audit(conn, who, "create", "api_token", f"{username}:{tid}", None, {"name": name, "scopes": list(chosen)})
    return token


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def token_use(engine: Engine, token: str) -> TokenUse | None:
    """Whose token this is and what it may do; None when unknown, revoked or expired."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            select(ApiToken.id, ApiToken.user_id, ApiToken.scopes, ApiToken.expires_at, ApiToken.last_used_at).where(
                ApiToken.token_sha256 == sha(token), ApiToken.revoked_at.is_(None)
            )
        ).first()
    if row is None:
        return None
    expires = _aware(row.expires_at)
    if expires is not None and expires <= now:
        return None
    last = _aware(row.last_used_at)
    if last is None or now - last > TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return TokenUse(row.user_id, frozenset(s for s in row.scopes.split(",") if s))


def list_tokens(engine: Engine, username: str | None = None) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    stmt = (
        select(
            ApiToken.id,
            User.username,
            ApiToken.name,
            ApiToken.scopes,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
        )
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id)
    )
    if username is not None:
        stmt = stmt.where(User.username == username)
    out = []
    with engine.connect() as conn:
        for r in conn.execute(stmt):
            d = dict(r._mapping)
            for k in ("created_at", "expires_at", "revoked_at", "last_used_at"):
                d[k] = _aware(d[k])
            expired = d["expires_at"] is not None and d["expires_at"] <= now
            d["state"] = "revoked" if d["revoked_at"] else "expired" if expired else "active"
            d["scopes"] = d["scopes"].split(",")
            out.append(d)
    return out


def revoke_token(engine: Engine, token_id: int, who: str) -> None:
    from qala.store.users import UserError, audit  # noqa: PLC0415

    with engine.begin() as conn:
        row = conn.execute(
            select(ApiToken.id, ApiToken.revoked_at, User.username)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.id == token_id)
        ).first()
        if row is None:
            raise UserError("token.unknown", id=str(token_id))
        if row.revoked_at is None:
            conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=datetime.now(UTC)))
            audit(conn, who, "revoke", "api_token", f"{row.username}:{token_id}")

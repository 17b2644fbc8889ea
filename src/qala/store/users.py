"""People, roles, passwords (argon2), sign-in, the first admin, resets and the audit log.

API tokens live in ``tokens`` and sign-in delays in ``throttle``; both are re-exported here.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from qala.messages import CodedError
from qala.store import throttle
from qala.store.locks import locked
from qala.store.models import AuditEntry, Meta, PasswordReset, User
from qala.store.throttle import Throttled
from qala.store.tokens import SCOPES, TokenError, list_tokens, new_token, revoke_token, sha, token_use

__all__ = ["SCOPES", "Throttled", "TokenError", "list_tokens", "new_token", "revoke_token"]

ROLES = ("admin", "editor", "expert", "provider")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
MIN_PASSWORD = 12
MAX_DISPLAY_NAME = 80
SETUP_KEY = "web.setup_token_sha256"
RESET_LIFE = timedelta(hours=24)
_hasher = PasswordHasher()


class UserError(CodedError):
    """A refusal of an account form: a message code (``qala.messages.FORMS``); ``str()`` is English."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    full_name: str | None
    session_version: int
    display_name: str | None = None
    token_scopes: frozenset[str] | None = None  # None: a browser session; else what the API token may do


def _sha(text: str) -> str:
    return sha(text)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError("user.password_short", min=MIN_PASSWORD)


def audit(
    conn: Connection, who: str, action: str, entity: str, entity_id: str | None, before: Any = None, after: Any = None
) -> None:
    def dump(x: Any) -> str | None:
        return None if x is None else json.dumps(x, ensure_ascii=False, default=str, sort_keys=True)

    conn.execute(
        insert(AuditEntry).values(
            at=datetime.now(UTC),
            who=who,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=dump(before),
            after=dump(after),
        )
    )


def _check_new_user(username: str, password: str, role: str) -> None:
    if not USERNAME_RE.match(username):
        raise UserError("user.name_invalid")
    if role not in ROLES:
        raise UserError("user.role_invalid", roles=ROLES)
    check_password_rules(password)


def _insert_user(
    conn: Connection, username: str, password_hash: str, role: str, full_name: str | None, who: str
) -> int:
    if conn.execute(select(User.id).where(User.username == username)).first():
        raise UserError("user.exists", username=username)
    uid = conn.execute(
        insert(User)
        .values(
            username=username,
            password_hash=password_hash,
            role=role,
            full_name=full_name,
            active=True,
            session_version=1,
            created_at=datetime.now(UTC),
        )
        .returning(User.id)
    ).scalar_one()
    audit(conn, who, "create", "user", username, None, {"username": username, "role": role})
    return uid


def add_user(
    engine: Engine, username: str, password: str, role: str, *, full_name: str | None = None, who: str = "cli"
) -> Account:
    _check_new_user(username, password, role)
    digest = _hasher.hash(password)
    with engine.begin() as conn:
        uid = _insert_user(conn, username, digest, role, full_name, who)
    return Account(uid, username, role, full_name, 1)


def _account(row: Any, scopes: frozenset[str] | None = None) -> Account:
    return Account(row.id, row.username, row.role, row.full_name, row.session_version, row.display_name, scopes)


def get_account(engine: Engine, user_id: int) -> Account | None:
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.id == user_id, User.active.is_(True))).first()
    return _account(row) if row else None


def account_for_token(engine: Engine, token: str) -> Account | None:
    """The active account of an API token that is neither revoked nor expired, with the token's scopes."""
    use = token_use(engine, token)
    if use is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.id == use.user_id, User.active.is_(True))).first()
    return _account(row, use.scopes) if row else None


# --- signing in --------------------------------------------------------------------------------------------
def authenticate(
    engine: Engine, username: str, password: str, address: str, device: str | None = None
) -> Account | None:
    """The account for these credentials, or None; raises Throttled while a delay holds (nothing checked).

    ``device`` is the id of a device cookie this account was signed in with before (checked by the caller):
    it replaces the user name as the account's key, so delays an outsider caused do not apply to it.
    """
    account_key = f"device:{device}" if device else f"user:{username[:80]}"
    address_key = f"addr:{address[:64]}"
    throttle.reserve(engine, [account_key, address_key])
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.username == username, User.active.is_(True))).first()
    ok = False
    if row is not None:
        try:
            ok = _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # spend the same time whether or not the user exists
    if not ok or row is None:
        return None
    with engine.begin() as conn:
        throttle.succeeded(conn, [account_key, f"user:{username}"], address_key)
        audit(conn, username, "login", "session", username)
    return _account(row)


# --- the first administrator ---------------------------------------------------------------------------------
def has_admin(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(User.id).where(User.role == "admin", User.active.is_(True))).first() is not None


def issue_setup_token(engine: Engine) -> str:
    """A one-time token for creating the first admin through the web (printed at first start)."""
    token = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        conn.execute(delete(Meta).where(Meta.key == SETUP_KEY))
        conn.execute(insert(Meta).values(key=SETUP_KEY, value=_sha(token)))
    return token


def use_setup_token(engine: Engine, token: str, username: str, password: str) -> Account:
    """Create the first admin; the token is checked and spent in the same locked transaction."""
    _check_new_user(username, password, "admin")
    digest = _hasher.hash(password)
    invalid = UserError("user.setup_link_invalid")
    with locked(engine, "users") as conn:
        stored = conn.execute(select(Meta.value).where(Meta.key == SETUP_KEY)).scalar()
        if not stored or not secrets.compare_digest(stored, _sha(token)):
            raise invalid
        if conn.execute(select(User.id).where(User.role == "admin", User.active.is_(True))).first():
            raise invalid
        conn.execute(delete(Meta).where(Meta.key == SETUP_KEY))
        uid = _insert_user(conn, username, digest, "admin", None, "setup-token")
    return Account(uid, username, "admin", None, 1)


# --- the life cycle of an account ----------------------------------------------------------------------------
def list_users(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    User.username, User.role, User.full_name, User.display_name, User.active, User.created_at
                ).order_by(User.username)
            )
        ]


def _user_row(conn: Connection, username: str) -> Any:
    row = conn.execute(select(User).where(User.username == username)).first()
    if row is None:
        raise UserError("user.unknown", username=username)
    return row


def _other_active_admins(conn: Connection, username: str) -> int:
    return conn.execute(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.username != username)
    ).scalar_one()


def end_sessions(engine: Engine, username: str, who: str) -> None:
    """Sign an account out everywhere: every session cookie issued so far stops working (they are stateless)."""
    with engine.begin() as conn:
        _user_row(conn, username)
        conn.execute(update(User).where(User.username == username).values(session_version=User.session_version + 1))
        audit(conn, who, "logout", "session", username)


def set_password(engine: Engine, username: str, password: str, who: str) -> None:
    check_password_rules(password)
    digest = _hasher.hash(password)
    with engine.begin() as conn:
        _user_row(conn, username)
        conn.execute(
            update(User)
            .where(User.username == username)
            .values(password_hash=digest, session_version=User.session_version + 1)
        )
        throttle.forget(conn, username)
        audit(conn, who, "password", "user", username)


def set_role(engine: Engine, username: str, role: str, who: str) -> None:
    if role not in ROLES:
        raise UserError("user.role_invalid", roles=ROLES)
    with locked(engine, "users") as conn:
        row = _user_row(conn, username)
        if row.role == role:
            return
        if row.role == "admin" and row.active and not _other_active_admins(conn, username):
            raise UserError("user.last_admin_role")
        conn.execute(update(User).where(User.username == username).values(role=role))
        audit(conn, who, "role", "user", username, {"role": row.role}, {"role": role})


def set_active(engine: Engine, username: str, active: bool, who: str) -> None:
    """Deactivate (sign-ins, sessions and tokens stop working) or reactivate an account."""
    with locked(engine, "users") as conn:
        row = _user_row(conn, username)
        if row.active == active:
            return
        if not active and row.role == "admin" and not _other_active_admins(conn, username):
            raise UserError("user.last_admin_active")
        conn.execute(
            update(User)
            .where(User.username == username)
            .values(active=active, session_version=User.session_version + 1)
        )
        audit(
            conn,
            who,
            "activate" if active else "deactivate",
            "user",
            username,
            {"active": row.active},
            {"active": active},
        )


def check_display_name(text: str) -> str | None:
    name = " ".join(text.split())
    if not name:
        return None
    if len(name) > MAX_DISPLAY_NAME or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UserError("user.display_name", max=MAX_DISPLAY_NAME)
    return name


def set_display_name(engine: Engine, username: str, text: str, who: str) -> None:
    name = check_display_name(text)
    with engine.begin() as conn:
        row = _user_row(conn, username)
        conn.execute(update(User).where(User.username == username).values(display_name=name))
        audit(conn, who, "display_name", "user", username, {"display_name": row.display_name}, {"display_name": name})


def public_names(engine: Engine) -> dict[str, tuple[str | None, str]]:
    """user name -> (the display name the person chose, or None; the role): what public pages may show."""
    with engine.connect() as conn:
        return {
            r.username: (r.display_name, r.role)
            for r in conn.execute(select(User.username, User.display_name, User.role))
        }


# --- password resets -----------------------------------------------------------------------------------------
def issue_reset(engine: Engine, username: str, who: str) -> str:
    """A one-time link token with which ``username`` sets a new password (valid 24 hours)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        row = _user_row(conn, username)
        conn.execute(
            insert(PasswordReset).values(
                user_id=row.id, token_sha256=_sha(token), created_by=who, created_at=now, expires_at=now + RESET_LIFE
            )
        )
        audit(conn, who, "reset_link", "user", username)
    return token


def reset_target(engine: Engine, token: str) -> str | None:
    """The user name a reset link is for, while it is unused and unexpired."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            select(User.username, PasswordReset.expires_at)
            .join(User, User.id == PasswordReset.user_id)
            .where(PasswordReset.token_sha256 == _sha(token), PasswordReset.used_at.is_(None), User.active.is_(True))
        ).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return row.username if expires > now else None


def use_reset(engine: Engine, token: str, password: str) -> str:
    """Set the new password; the link is spent in the same transaction. Returns the user name."""
    check_password_rules(password)
    digest = _hasher.hash(password)
    invalid = UserError("user.reset_link_invalid")
    now = datetime.now(UTC)
    with locked(engine, "users") as conn:
        row = conn.execute(
            select(PasswordReset.id, PasswordReset.expires_at, User.username)
            .join(User, User.id == PasswordReset.user_id)
            .where(PasswordReset.token_sha256 == _sha(token), PasswordReset.used_at.is_(None), User.active.is_(True))
        ).first()
        if row is None:
            raise invalid
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires <= now:
            raise invalid
        conn.execute(update(PasswordReset).where(PasswordReset.id == row.id).values(used_at=now))
        conn.execute(
            update(User)
            .where(User.username == row.username)
            .values(password_hash=digest, session_version=User.session_version + 1)
        )
        throttle.forget(conn, row.username)
        audit(conn, row.username, "password_reset", "user", row.username)
    return row.username

"""People, roles, passwords (argon2), API tokens, failed sign-ins and the audit log."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from qala.store.models import ApiToken, AuditEntry, LoginFailure, Meta, User

ROLES = ("admin", "editor", "expert", "provider")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
MIN_PASSWORD = 12
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
SETUP_KEY = "web.setup_token_sha256"
_hasher = PasswordHasher()


class UserError(ValueError):
    pass


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    full_name: str | None
    session_version: int


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password of at least {MIN_PASSWORD} characters")


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


def add_user(
    engine: Engine, username: str, password: str, role: str, *, full_name: str | None = None, who: str = "cli"
) -> Account:
    if not USERNAME_RE.match(username):
        raise UserError("a user name of 2-40 lowercase letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise UserError(f"a role among {', '.join(ROLES)}")
    check_password_rules(password)
    with engine.begin() as conn:
        if conn.execute(select(User.id).where(User.username == username)).first():
            raise UserError(f"user '{username}' exists already")
        uid = conn.execute(
            insert(User)
            .values(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                full_name=full_name,
                active=True,
                session_version=1,
                created_at=datetime.now(UTC),
            )
            .returning(User.id)
        ).scalar_one()
        audit(conn, who, "create", "user", username, None, {"username": username, "role": role})
    return Account(uid, username, role, full_name, 1)


def _account(row: Any) -> Account:
    return Account(row.id, row.username, row.role, row.full_name, row.session_version)


def get_account(engine: Engine, user_id: int) -> Account | None:
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.id == user_id, User.active.is_(True))).first()
    return _account(row) if row else None


def too_many_failures(engine: Engine, username: str, address: str) -> bool:
    since = datetime.now(UTC) - FAILURE_WINDOW
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.at >= since, (LoginFailure.username == username) | (LoginFailure.address == address))
        ).scalar_one()
    return n >= MAX_FAILURES


def authenticate(engine: Engine, username: str, password: str, address: str) -> Account | None:
    """The account for these credentials, or None (the failure is recorded)."""
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
    with engine.begin() as conn:
        if ok:
            conn.execute(delete(LoginFailure).where(LoginFailure.username == username))
            audit(conn, username, "login", "session", username)
        else:
            conn.execute(
                insert(LoginFailure).values(username=username[:80], address=address[:64], at=datetime.now(UTC))
            )
    return _account(row) if ok and row is not None else None


def new_token(engine: Engine, username: str, name: str, who: str = "cli") -> str:
    token = "qala_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        uid = conn.execute(select(User.id).where(User.username == username)).scalar()
        if uid is None:
            raise UserError(f"no user '{username}'")
        conn.execute(
            insert(ApiToken).values(user_id=uid, token_sha256=_sha(token), name=name, created_at=datetime.now(UTC))
        )
        audit(conn, who, "create", "api_token", f"{username}:{name}")
    return token


def account_for_token(engine: Engine, token: str) -> Account | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_sha256 == _sha(token), User.active.is_(True))
        ).first()
    return _account(row) if row else None


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
    with engine.connect() as conn:
        stored = conn.execute(select(Meta.value).where(Meta.key == SETUP_KEY)).scalar()
    if not stored or not secrets.compare_digest(stored, _sha(token)) or has_admin(engine):
        raise UserError("this setup link is not valid (it works once, before any admin exists)")
    account = add_user(engine, username, password, "admin", who="setup-token")
    with engine.begin() as conn:
        conn.execute(delete(Meta).where(Meta.key == SETUP_KEY))
    return account


def list_users(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                select(User.username, User.role, User.full_name, User.active, User.created_at).order_by(User.username)
            )
        ]


def end_sessions(engine: Engine, username: str, who: str) -> None:
    """Sign an account out everywhere: every session cookie issued so far stops working (they are stateless)."""
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == username).values(session_version=User.session_version + 1))
        audit(conn, who, "logout", "session", username)


def set_password(engine: Engine, username: str, password: str, who: str) -> None:
    check_password_rules(password)
    with engine.begin() as conn:
        done = conn.execute(
            update(User)
            .where(User.username == username)
            .values(password_hash=_hasher.hash(password), session_version=User.session_version + 1)
        ).rowcount
        if not done:
            raise UserError(f"no user '{username}'")
        audit(conn, who, "password", "user", username)

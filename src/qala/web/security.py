"""Sessions (signed cookies), CSRF tokens for forms, roles; API tokens for scripts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from qala.store.users import Account, account_for_token, get_account

SESSION_COOKIE = "qala_session"
LANG_COOKIE = "qala_lang"
DEVICE_COOKIE = "qala_device"  # a browser an account signed in with before (sign-in delays: store/throttle.py)
SESSION_MAX_AGE = 12 * 3600
DEVICE_MAX_AGE = 365 * 24 * 3600
# what an API token needs among its scopes for a permission (every other permission needs "read")
SCOPE_FOR = {
    "upload": "import",
    "review": "import",
    "publish": "import",
    "import_inventory": "import",
    "variant_write": "import",
    "promote_variant": "import",
    "edit_roadmap": "import",
}
# what each role may do (the public, signed out, may only read published results)
PERMISSIONS: dict[str, set[str]] = {
    "admin": {
        "read_data",
        "upload",
        "read_all_uploads",
        "comment",
        "edit_roadmap",
        "estimate",
        "manage_users",
        "read_audit",
        "review",
        "publish",
        "add_documents",
        "import_inventory",
    },
    "editor": {
        "read_data",
        "upload",
        "read_all_uploads",
        "comment",
        "edit_roadmap",
        "estimate",
        "review",
        "publish",
        "add_documents",
        "import_inventory",
    },
    "expert": {"read_data", "read_all_uploads", "comment"},
    "provider": {"upload"},
}
# the expert group's scenario variants: experts, the department and admins read, preview, save and comment them;
# the department (editor) and admins promote one to an official scenario
for _role in ("expert", "editor", "admin"):
    PERMISSIONS[_role] |= {"variant", "variant_write"}
for _role in ("editor", "admin"):
    PERMISSIONS[_role].add("promote_variant")


@dataclass
class Session:
    uid: int | None = None
    version: int = 0
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    changed: bool = False

    def dump(self) -> dict[str, object]:
        return {"uid": self.uid, "v": self.version, "csrf": self.csrf}


def serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="qala-session")


def load_session(raw: str | None, secret: str) -> Session:
    if raw:
        try:
            data = serializer(secret).loads(raw, max_age=SESSION_MAX_AGE)
            return Session(uid=data.get("uid"), version=int(data.get("v", 0)), csrf=str(data["csrf"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            pass
    return Session(changed=True)


def current_user(request: Request) -> Account | None:
    return request.state.user


def can(user: Account | None, permission: str) -> bool:
    if user is None or permission not in PERMISSIONS.get(user.role, set()):
        return False
    return user.token_scopes is None or SCOPE_FOR.get(permission, "read") in user.token_scopes


def require(request: Request, permission: str) -> Account:
    user = current_user(request)
    if user is None:
        raise HTTPException(status_code=401, detail="sign in required")
    if not can(user, permission):
        if user.token_scopes is not None and permission in PERMISSIONS.get(user.role, set()):
            scope = SCOPE_FOR.get(permission, "read")
            raise HTTPException(status_code=403, detail=f"the token lacks the scope '{scope}'")
        raise HTTPException(status_code=403, detail="not allowed for this role")
    return user


def check_csrf(request: Request, token: str | None) -> None:
    session: Session = request.state.session
    # compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, i.e. a 500)
    if not token or not secrets.compare_digest(token.encode("utf-8", "replace"), session.csrf.encode()):
        raise HTTPException(status_code=403, detail="the form has expired or did not come from this site; reload it")


def device_cookie(secret: str, username: str) -> str:
    return URLSafeTimedSerializer(secret, salt="qala-device").dumps({"u": username, "d": secrets.token_urlsafe(12)})


def device_of(request: Request, secret: str, username: str) -> str | None:
    """The id of this browser's device cookie when it was issued to ``username`` (else None)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = URLSafeTimedSerializer(secret, salt="qala-device").loads(raw, max_age=DEVICE_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("u") != username or not isinstance(data.get("d"), str):
        return None
    return data["d"][:40]


def resolve_user(request: Request, session: Session) -> Account | None:
    engine = request.app.state.engine
    if request.url.path.startswith("/api/"):
        # the API takes tokens only: a browser session cannot write through it (no CSRF there) ...
        auth = request.headers.get("authorization", "")
        return account_for_token(engine, auth[7:].strip()) if auth.lower().startswith("bearer ") else None
    # ... and the site takes sessions only: an API token is no way into a form
    if session.uid is None:
        return None
    account = get_account(engine, session.uid)
    if account is None or account.session_version != session.version:
        session.uid, session.changed = None, True
        return None
    return account

"""Backups signed with a key (HMAC-SHA256 over the manifest, which holds every table's SHA-256).

The key is ``QALA_BACKUP_KEY`` (at least 32 characters), else a random key kept in ``QALA_HOME/backup_key``
(created with mode 0600 on the first backup). A restore refuses an archive whose signature is missing or
does not match, unless the person restoring says they trust it (``qala restore --trust-unsigned``): a
consistently rewritten archive (rows and checksums changed together) no longer restores silently.
Restoring on another machine needs the same key there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from qala.store.db import DatabaseError, qala_home

SIGNATURE = "manifest.sig"
ALGORITHM = "HMAC-SHA256"
KEY_ENV = "QALA_BACKUP_KEY"
MIN_KEY = 32


def key_file() -> Path:
    return qala_home() / "backup_key"


def backup_key() -> bytes:
    """The installation's backup key (from the setting, else the key file, created on first use)."""
    configured = os.environ.get(KEY_ENV)
    if configured is not None:
        if len(configured.strip()) < MIN_KEY:
            raise DatabaseError(f"{KEY_ENV} must be a random value of at least {MIN_KEY} characters")
        return configured.strip().encode()
    path = key_file()
    if path.is_file():
        return path.read_text(encoding="utf-8").strip().encode()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made at the same moment by another process
        return path.read_text(encoding="utf-8").strip().encode()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key.encode()


def key_id(key: bytes) -> str:
    """A short public name of a key (to say which key signed an archive), not the key itself."""
    return hashlib.sha256(b"qala-backup-key-id:" + key).hexdigest()[:16]


def sign(manifest: bytes, key: bytes) -> bytes:
    mac = hmac.new(key, manifest, hashlib.sha256).hexdigest()
    return (json.dumps({"algorithm": ALGORITHM, "key_id": key_id(key), "signature": mac}, indent=2) + "\n").encode()


def check(manifest: bytes, signature: bytes | None, key: bytes, where: str) -> str | None:
    """None when the signature holds, else why not (in words a restore can print)."""
    hint = "restore it only if you trust where it came from, with --trust-unsigned"
    if signature is None:
        return f"{where} is not signed ({SIGNATURE} is missing); {hint}"
    try:
        data = json.loads(signature)
        given, mac = str(data["key_id"]), str(data["signature"])
        if data.get("algorithm") != ALGORITHM:
            return f"{where} is signed with {data.get('algorithm')!r}, not {ALGORITHM}; {hint}"
    except (ValueError, KeyError, TypeError):
        return f"{where}: {SIGNATURE} cannot be read; {hint}"
    if given != key_id(key):
        return (
            f"{where} was signed with another key (id {given}; this installation's key is {key_id(key)}): set "
            f"{KEY_ENV} or {key_file()} to the key that signed it, or {hint}"
        )
    expected = hmac.new(key, manifest, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        return f"{where}: the signature does not match; the archive was changed after it was signed; {hint}"
    return None

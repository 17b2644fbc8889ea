"""Settings of the web platform, from the environment (a placeholder secret is refused)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from qala.jobs.budget import JobSettings
from qala.store.db import qala_home

PLACEHOLDERS = {"", "changeme", "change-me", "secret", "dev", "please-change"}


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class WebSettings:
    secret_key: str
    cookie_secure: bool
    max_upload_bytes: int
    default_city: str
    database_url: str | None
    jobs: JobSettings = field(default_factory=JobSettings)

    @classmethod
    def from_env(cls, database_url: str | None = None) -> WebSettings:
        secret = os.environ.get("QALA_SECRET_KEY")
        if secret is None:
            secret = _persisted_secret(qala_home() / "secret_key")
        if secret.strip().lower() in PLACEHOLDERS or len(secret) < 32:
            raise SettingsError("QALA_SECRET_KEY must be a random value of at least 32 characters")
        return cls(
            secret_key=secret,
            cookie_secure=os.environ.get("QALA_COOKIE_SECURE", "1") != "0",
            max_upload_bytes=int(float(os.environ.get("QALA_MAX_UPLOAD_MB", "20")) * 2**20),
            default_city=os.environ.get("QALA_CITY", "astana"),
            database_url=database_url,
            jobs=JobSettings.from_env(),
        )


def _persisted_secret(path: Path) -> str:
    """A random secret kept in the data directory, created on first start (mode 0600)."""
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret)
    return secret

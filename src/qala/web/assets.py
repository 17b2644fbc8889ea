"""Static files with their content hash in the URL, so that a browser keeps them for a year and still never
runs an old copy after an upgrade (``/static/qala.css?v=3f2a…``)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC = Path(str(resources.files("qala.web").joinpath("static")))
LONG = "public, max-age=31536000, immutable"


@cache
def digest(name: str) -> str:
    """The first 12 hex digits of the file's SHA-256 (the file is read once per process)."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def url(name: str) -> str:
    """The URL of a static file with its content hash (templates: ``asset("qala.css")``)."""
    return f"/static/{name}?v={digest(name)}"


class HashedStatic(StaticFiles):
    """Static files; a request that names the content hash is cached for a year, any other for an hour."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        long = b"v=" in scope.get("query_string", b"")

        async def send_with_cache(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers.append((b"cache-control", (LONG if long else "public, max-age=3600").encode()))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_cache)

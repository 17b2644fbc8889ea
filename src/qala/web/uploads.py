"""Uploads through the web and the API: the importer's validation, all-or-nothing, size and type checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qala.catalog import load_catalog
from qala.ingest.problems import Problem, ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from qala.store.records import ImportReport, import_tables
from qala.store.users import Account

ALLOWED = (".csv", ".xlsx")


@dataclass(frozen=True)
class UploadOutcome:
    status: int  # HTTP status: 201 imported, 200 dry run, 4xx refused
    report: ImportReport | None
    problems: list[Problem]

    def to_dict(self) -> dict[str, object]:
        if self.report is not None:
            return {"status": "imported" if not self.report.dry_run else "validated", **self.report.to_dict()}
        return {
            "status": "refused",
            "problems": [p.to_dict() for p in self.problems],
            "messages": [str(p) for p in self.problems],
        }


def process_upload(
    engine: Engine,
    filename: str | None,
    data: bytes,
    user: Account,
    city: str,
    *,
    max_bytes: int,
    dry_run: bool = False,
) -> UploadOutcome:
    name = PurePath(filename or "upload").name[:200] or "upload"
    if len(data) > max_bytes:
        return UploadOutcome(
            413, None, [Problem(name, None, None, None, f"a file of at most {max_bytes // 2**20} MiB")]
        )
    if PurePath(name).suffix.lower() not in ALLOWED:
        return UploadOutcome(
            415, None, [Problem(name, None, None, None, "a .csv or .xlsx file in the activity format")]
        )
    try:
        table = validate_table(parse_bytes(data, name), load_catalog(), city)
        own_only = user.role not in ("admin", "editor")  # a provider never replaces another account's figure
        report = import_tables(engine, [table], who=user.username, dry_run=dry_run, own_only=own_only)
    except ValidationFailed as exc:
        return UploadOutcome(422, None, exc.problems)
    return UploadOutcome(200 if dry_run else 201, report, [])


class BodyLimit:
    """ASGI middleware: counts a request body's bytes as they arrive and answers 413 past the limit.

    A declared ``Content-Length`` is refused before anything is read (``app.py``); this catches bodies
    sent without one (chunked) or with a false one: the rest is never read, spooled or parsed.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, too_large: Callable[[Request], Response]):
        self.app = app
        self.max_bytes = max_bytes
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0
        exceeded = started = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    return {"type": "http.disconnect"}  # the app stops reading; the answer is replaced below
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self.too_large(Request(scope))(scope, receive, send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
            started = True
            await self.too_large(Request(scope))(scope, receive, send)

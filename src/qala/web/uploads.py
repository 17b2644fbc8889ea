"""Uploads through the web and the API: size and type checks here, the import itself as a job (all or nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qala.ingest.limits import ImportLimits
from qala.ingest.problems import Problem
from qala.jobs import tasks
from qala.store.records import ImportReport
from qala.store.users import Account
from qala.web import jobs

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


def precheck(filename: str | None, data: bytes, max_bytes: int) -> tuple[str, UploadOutcome | None]:
    """The file's name as kept, and a refusal for what needs no reading: too large, not CSV or XLSX."""
    name = PurePath(filename or "upload").name[:200] or "upload"
    if len(data) > max_bytes:
        return name, UploadOutcome(
            413, None, [Problem(name, None, None, None, f"a file of at most {max_bytes // 2**20} MiB")]
        )
    if PurePath(name).suffix.lower() not in ALLOWED:
        return name, UploadOutcome(
            415, None, [Problem(name, None, None, None, "a .csv or .xlsx file in the activity format")]
        )
    return name, None


async def start_import(request: Request, name: str, data: bytes, user: Account, city: str, *, dry_run: bool) -> str:
    """The import as a job (``qala.jobs.tasks.import_file``); QueueFull past the queue's bounds."""
    kwargs = {
        "url": jobs.database_url(request),
        "filename": name,
        "data": data,
        "username": user.username,
        "role": user.role,
        "city": city,
        "limits": ImportLimits.from_env(),
        "dry_run": dry_run,
    }
    return await jobs.submit(request, "import", tasks.import_file, kwargs, label=name)


def job_outcome(job: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(HTTP status, the upload's JSON) of a finished import job; a job past its budget is a named problem."""
    if job["state"] == "done":
        return job["code"], job["body"]
    name = job.get("file_name") or "upload"
    failure = job["body"] or {}
    budget = {
        "time": "a file that can be read and checked within the time a job may take (QALA_JOB_SECONDS); "
        "split it, or remove empty formatted rows and columns",
        "memory": "a file that can be read and checked within the memory a job may use (QALA_JOB_MEMORY_MB); split it",
    }
    if failure.get("error") in budget:
        problem = Problem(name, None, None, None, budget[failure["error"]])
        return 422, UploadOutcome(422, None, [problem]).to_dict()
    if failure.get("error") == "lost":
        return 503, {"status": "failed", "problems": [], "messages": [failure.get("message", "")]}
    return 500, {"status": "failed", "problems": [], "messages": ["internal error"]}


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

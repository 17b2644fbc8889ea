"""What the API answers, for /openapi.json: the error bodies the app really sends, and the import report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Error(BaseModel):
    """401, 403, 404: ``{"detail": "..."}`` (a 404 of a missing inventory or model also lists its problems)."""

    detail: str
    problems: list[str] | None = None


class CodedRefusal(BaseModel):
    """A refusal by a rule: English ``detail``, a message ``code`` (``qala.messages.catalog()``), its ``params``
    and the ``message`` in the request's language (?lang=, Accept-Language)."""

    detail: str
    code: str
    params: dict[str, Any] = {}
    message: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class InvalidRequest(BaseModel):
    """422 of a malformed request (a query parameter out of range, a missing file)."""

    detail: str
    errors: list[FieldError]


class ProblemOut(BaseModel):
    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    code: str | None = None  # a message code (src/qala/ingest/messages.py)
    params: dict[str, str] | None = None
    message: str | None = None  # the whole problem in the request's language (?lang=, Accept-Language)


class ImportRefused(BaseModel):
    """413, 415 and 422 of an upload: the importer's named problems; nothing was stored."""

    status: str
    problems: list[ProblemOut]
    messages: list[str]


class FileReport(BaseModel):
    file: str
    sha256: str
    rows_read: int
    new: int
    superseding: int
    duplicates: list[str]
    superseded: list[str]
    batch_id: int | None


class ImportDone(BaseModel):
    """201 imported, or 200 validated with ``dry_run=true``."""

    status: str
    dry_run: bool
    files: list[FileReport]


class JobAccepted(BaseModel):
    """202: the import runs as a job; its state is at ``status_url`` (also the ``Location`` header)."""

    status: str
    job: str
    status_url: str


class SubmissionPending(BaseModel):
    """202 of a data provider's upload: kept as a submission for an editor's review (docs/workflow.md)."""

    submission: int
    status: str
    files: list[FileReport]


class Busy(BaseModel):
    """429: too many jobs of this person's (or everyone's) are waiting; try again after ``Retry-After`` s."""

    detail: str
    retry_after: int


class JobStatus(BaseModel):
    """A job: state (queued, running, done, failed), progress 0-1 and, once finished, its outcome."""

    id: str
    kind: str
    state: str
    progress: float
    phase: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    code: int | None = None
    result: dict[str, Any] | None = None
    file_url: str | None = None


def _json(model: type[BaseModel] | Any, description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


READ_ERRORS: dict[int | str, dict[str, Any]] = {422: _json(InvalidRequest, "Invalid query parameters")}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _json(Error, "Nothing for this city, year or name")}
SIGNED_IN: dict[int | str, dict[str, Any]] = {401: _json(Error, "No valid API token")}
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: _json(Error, "The token's role may not do this")}
DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    409: _json(Error, "Nothing pending to decide, or the state does not allow it"),
    422: _json(Error | InvalidRequest, "A reason is missing, or the body is malformed"),
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(ImportDone, "Validated, nothing written (dry run)"),
    201: _json(ImportDone, "Imported"),
    202: _json(
        JobAccepted | SubmissionPending,
        "Accepted as a job (wait=false, or longer than QALA_JOB_WAIT), or a provider's submission for review",
    ),
    400: _json(Error, "A malformed multipart body"),
    401: _json(Error, "No valid API token"),
    403: _json(Error, "The token's role may not upload"),
    413: _json(ImportRefused, "The file is too large; nothing stored"),
    415: _json(ImportRefused, "Not a .csv or .xlsx file; nothing stored"),
    422: _json(ImportRefused | InvalidRequest, "The importer's named problems, or no file; nothing stored"),
    429: _json(Busy, "Too many jobs waiting; nothing stored"),
    503: _json(ImportRefused, "The server running the job stopped; nothing stored"),
}
RULE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _json(CodedRefusal, "A rule refuses the change (a message code with kk/ru/en text); nothing changed"),
    422: _json(InvalidRequest, "The body is malformed"),
}

"""Built reports kept on disk: one file per (city, published version, state of the data, language, format, Qala
version), so that a second request for the same report is answered at once.

The key names the database, the published version the report shows (its id and SHA-256) and the newest audited write
(``records.state_version``: a new publication, an import, a roadmap or indicator change each move it), the
language, the format, Qala's version and the report's draws and seed. A new publication therefore makes a new
key; the files of older keys of the same city are removed when a new one is written. The report's date is
the day it was built, stated in it and in its file name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from qala import __version__
from qala.report import REPORT_DRAWS, REPORT_SEED
from qala.services.economics import MACC_BASIS


@dataclass(frozen=True)
class Cached:
    body: bytes
    built: date  # the day the report was built (its stamp's date)


def folder() -> Path:
    from qala.store.db import qala_home  # noqa: PLC0415

    return qala_home() / "cache" / "reports"


def data_key(engine: Engine, city: str) -> dict[str, object]:
    """What the report's content depends on besides the language and format."""
    from qala.store import publications, records  # noqa: PLC0415

    pub = publications.current(engine, city)
    return {
        "city": city,
        "database": engine.url.render_as_string(hide_password=True),  # two databases never share a report
        "publication": None if pub is None else {"id": pub["id"], "version": pub["version"], "sha256": pub["sha256"]},
        "state": records.state_version(engine),
        "qala": __version__,
        "draws": REPORT_DRAWS,
        "seed": REPORT_SEED,
        "macc_basis": MACC_BASIS,
    }


def key(data: dict[str, object], lang: str, fmt: str) -> str:
    text = json.dumps({**data, "lang": lang, "fmt": fmt}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _data_digest(data: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _path(where: Path, data: dict[str, object], lang: str, fmt: str) -> Path:
    # city and data digest first in the name, so that the older versions of a city can be found and removed
    return where / f"{data['city']}--{_data_digest(data)}--{key(data, lang, fmt)}.{fmt}"


def get(data: dict[str, object], lang: str, fmt: str, where: Path | None = None) -> Cached | None:
    path = _path(where or folder(), data, lang, fmt)
    try:
        body = path.read_bytes()
        built = date.fromisoformat(path.with_suffix(path.suffix + ".date").read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    return Cached(body, built)


def put(data: dict[str, object], lang: str, fmt: str, body: bytes, built: date, where: Path | None = None) -> Path:
    """Keep the report (written atomically) and remove the city's reports of other versions of the data."""
    where = where or folder()
    where.mkdir(parents=True, exist_ok=True)
    path = _path(where, data, lang, fmt)
    current = f"{data['city']}--{_data_digest(data)}--"
    for old in where.glob(f"{data['city']}--*"):
        if not old.name.startswith(current):
            with contextlib.suppress(OSError):
                old.unlink()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(body)
    stamp = path.with_suffix(path.suffix + ".date")
    stamp.write_text(built.isoformat(), encoding="ascii")
    os.replace(tmp, path)
    return path

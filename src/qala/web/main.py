"""The ASGI application for uvicorn workers: ``qala.web.main:app`` (settings from the environment)."""

from __future__ import annotations

from qala.store.db import database_url
from qala.store.seed import open_database
from qala.web.app import create_app
from qala.web.settings import WebSettings

_url = database_url(None)
app = create_app(open_database(_url), WebSettings.from_env(_url))

"""Which city a request is about: ``?city=CODE``, remembered in a cookie (like ``?lang=``), else QALA_CITY.

The middleware calls :func:`choose` once per request and puts the code in ``request.state.city``; the
routes read it with :func:`current_city`. An unknown city asked for by ``?city=`` is a localised 404; an
unknown city in the cookie (a city removed since) falls back to the default. The API (``/api/``) takes
its ``city`` parameter explicitly and is left alone.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from qala.store.models import City
from qala.web import i18n

CITY_COOKIE = "qala_city"
MAX_CODE = 40


def _exists(request: Request, code: str) -> bool:
    if len(code) > MAX_CODE:
        return False
    with request.app.state.engine.connect() as conn:
        return conn.execute(select(City.code).where(City.code == code)).first() is not None


def choose(request: Request, default: str) -> tuple[str | None, bool]:
    """(the city, whether to remember it in the cookie); (None, False) for an unknown ``?city=``."""
    asked = request.query_params.get("city")
    if asked is not None:
        if asked != default and not _exists(request, asked):
            return None, False
        return asked, asked != request.cookies.get(CITY_COOKIE)
    remembered = request.cookies.get(CITY_COOKIE)
    if remembered and remembered != default and _exists(request, remembered):
        return remembered, False
    return default, False


def current_city(request: Request) -> str:
    """The city of this request (QALA_CITY when the middleware did not choose one)."""
    city = getattr(request.state, "city", None)
    return city if city is not None else request.app.state.settings.default_city


def all_cities(request: Request) -> list[tuple[str, str]]:
    """(code, name in the request's language) of every city, for the selector in the header."""
    lang = request.state.lang if request.state.lang in i18n.LANGS else "en"
    column = getattr(City, f"name_{lang}")
    with request.app.state.engine.connect() as conn:
        return [(c, n) for c, n in conn.execute(select(City.code, column).order_by(City.code))]


def unknown(request: Request) -> Response:
    tr = i18n.translations(request.state.lang)
    message = tr.gettext("There is no city with this code.")
    if request.query_params.get("fmt") == "json" or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": "unknown city", "message": message}, status_code=404)
    from qala.web.render import render  # noqa: PLC0415 - render draws the city selector with this module

    return render(request, "error.html", {"status": 404, "detail": None, "message": message}, status_code=404)

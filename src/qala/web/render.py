"""Jinja2 rendering with the request's language, user and CSRF token."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from qala import __version__
from qala.web import assets, i18n, labels
from qala.web.city import all_cities, current_city
from qala.web.security import can


@cache
def environment() -> Environment:
    folder = str(resources.files("qala.web").joinpath("templates"))
    return Environment(
        loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
    )


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    lang = request.state.lang
    env = environment()
    user = request.state.user
    ctx = {
        "request": request,
        **i18n.template_helpers(lang),
        "langs": i18n.LANG_NAMES,
        "user": user,
        "csrf": request.state.session.csrf,
        "version": __version__,
        "labels": labels,
        "asset": assets.url,
        "can": lambda perm: can(user, perm),
        "path": request.url.path,
        "city": current_city(request),
        "city_choices": lambda: all_cities(request),  # only queried when the header is drawn
        **context,
    }
    html = env.get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code)

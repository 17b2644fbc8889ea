"""The ecological-state assessment page: indicators with ratings, co-benefits, alignment with documents."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from qala.services.assessment import assess
from qala.web.cache import cached
from qala.web.city import current_city
from qala.web.routes.pages import Fmt, page

router = APIRouter(include_in_schema=False)


@router.get("/assessment")
def assessment_page(request: Request, fmt: Fmt = "html") -> Response:
    city, lang = current_city(request), request.state.lang
    data = cached(request, ("assessment", city, lang), lambda: assess(request.app.state.engine, city, lang))
    return page(request, "assessment.html", data, fmt)

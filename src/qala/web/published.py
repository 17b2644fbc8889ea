"""What the public sees: the latest published version (``store.publications``), or the working state for editors.

A city that has never published anything shows its working state, labelled as not published (a new
city before its first publication); once a version exists, only published versions reach the public.
``?state=working`` is for editors and administrators (403 for anyone else).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException, Request

from qala.inventory.engine import InventoryError, InventoryOptions
from qala.services.inventory import inventory_from_store
from qala.store import publications
from qala.web.security import can

STATE_PATTERN = "^(published|working)$"


def working_requested(request: Request, state: str | None) -> bool:
    """True for ``state=working`` asked by an editor; 401/403 when someone else asks for it."""
    if state != "working":
        return False
    user = request.state.user
    if user is None:
        raise HTTPException(status_code=401, detail="sign in required")
    if not can(user, "publish"):
        raise HTTPException(status_code=403, detail="the working state is for editors")
    return True


def shown_inventory(
    request: Request, city: str, year: int | None, *, gwp: str = publications.DEFAULT_GWP, working: bool = False
) -> dict[str, Any]:
    """The inventory dict with its ``version``; InventoryError when there is none to show."""
    engine = request.app.state.engine
    if not working:
        pub = publications.current(engine, city, year)
        if pub is not None:
            if gwp == pub["gwp"]:
                body = json.loads(pub["inventory_json"])
            else:  # another GWP set: computed from the frozen records of the same version
                body = publications.inventory_of(pub["records_json"], gwp).to_dict()
            return {**body, "version": publications.version_info(engine, pub)}
        if publications.published_years(engine, city):
            raise InventoryError([f"no published inventory of {city} for {year}"])
    body = inventory_from_store(engine, city, year, InventoryOptions(gwp=gwp)).to_dict()
    state = "working" if working else "unpublished"
    return {**body, "version": {"state": state, "number": None, "stale": False}}


def shown_years(request: Request, city: str, working: bool) -> list[int]:
    from qala.store import records  # noqa: PLC0415

    engine = request.app.state.engine
    years = [] if working else publications.published_years(engine, city)
    return years or records.years_with_data(engine, city)

"""The data every public figure is computed from: the latest published version, not the working records.

A provider's accepted submission changes the working records at once; the public sees it only when an
editor publishes (issue 14). The inventory pages read ``web.published``; the figures computed *from* an
inventory elsewhere (a scenario's base year, so the pathway chart's first point; the co-benefits of the
assessment; the reconciliation beside the published figures) read here. ``working=True`` is the editor's
``?state=working`` and the department's command line. A city that has never published shows its working
records (a new city before its first publication), as the inventory pages do; a year that has no published
version of its own (a model's base year the city never published) falls back to the working records too.
"""

from __future__ import annotations

import hashlib
import json

import polars as pl
from sqlalchemy import Engine

from qala.inventory.engine import InventoryOptions
from qala.inventory.result import Inventory, NotationKey
from qala.services.inventory import inventory_from_store
from qala.store import publications, records


def public_inventory(
    engine: Engine, city: str, year: int | None, gwp: str | None = None, *, working: bool = False
) -> Inventory:
    """The published version of ``year`` (default: the latest published year), or the working records."""
    if not working:
        pub = publications.current(engine, city, year)
        if pub is not None:
            return frozen_inventory(pub["records_json"], gwp)
    return inventory_from_store(engine, city, year, InventoryOptions(gwp=gwp))


def frozen_inventory(frozen: str, gwp: str | None) -> Inventory:
    """``publications.inventory_of``, computed once per published version and GWP set inside
    ``scenario.reuse()`` (the report asks for it for its inventory, the scenarios' base year and the
    assessment: the same records, so the same inventory)."""
    from qala.catalog import load_catalog  # noqa: PLC0415
    from qala.services.scenario import _reused  # noqa: PLC0415

    memo = _reused.get()
    if memo is None:
        return publications.inventory_of(frozen, gwp)
    key = ("frozen_inventory", hashlib.sha256(frozen.encode("utf-8")).hexdigest(), load_catalog().gwp_set(gwp).code)
    if key not in memo:
        memo[key] = publications.inventory_of(frozen, gwp)
    return memo[key]  # type: ignore[return-value]


def public_records(
    engine: Engine, city: str, year: int, *, working: bool = False
) -> tuple[pl.DataFrame, dict[str, NotationKey]]:
    """The records and notation keys of ``year`` as published (or the working ones, as above)."""
    pub = None if working else publications.current(engine, city, year)
    if pub is None:
        return records.activity_frame(engine, city, year), records.notation_keys(engine, city, year)
    data = json.loads(pub["records_json"])
    schema = publications.RECORD_SCHEMA
    frame = (
        pl.DataFrame(data["records"], schema=schema, orient="row") if data["records"] else pl.DataFrame(schema=schema)
    )
    return frame, {ref: NotationKey(key, why) for ref, key, why in data["notation_keys"]}

"""Results computed from the data, kept per application until the data change (each import bumps the version)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from fastapi import Request

from qala.store import records

T = TypeVar("T")
MAX_ENTRIES = 64


def cached(request: Request, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, or what it gave last time for this key and this version of the data.

    The cache belongs to the app (``app.state``), never to the module: two apps on two databases in one
    process (tests, or a server and a script) must not see each other's results for the same version number.
    Whatever ``build`` raises is not kept.
    """
    state = request.app.state
    store: dict[tuple[Hashable, tuple[int, int]], object] | None = getattr(state, "data_cache", None)
    if store is None:
        store = state.data_cache = {}
    from qala.store import publications  # noqa: PLC0415

    version = (records.data_version(state.engine), publications.marker(state.engine))
    hit = store.get((key, version))
    if hit is None:
        hit = build()
        if len(store) >= MAX_ENTRIES:
            store.clear()
        store[(key, version)] = hit
    return hit  # type: ignore[return-value]

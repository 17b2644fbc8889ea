"""An import can keep the current records of the years it wrote (``keep_current``): the very frame that
``activity_frame`` reads back afterwards — after new figures, duplicates, supersessions and estimates that
step aside, through the small and the large-batch paths — so that the inventory of an import needs no
reading back."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from qala.catalog import load_catalog
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import parse_bytes
from qala.ingest.validate import ValidatedTable, validate_table
from qala.store import bulk
from qala.store.records import activity_frame, import_tables
from qala.store.seed import open_database

YEAR = 2023  # a year of Astana's seeded figures and estimates


def table(name: str, rows: list[tuple[str, str, float, str, str]]) -> ValidatedTable:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["year", "gpc_ref", "activity", "amount", "unit", "source", "facility", "ef_co2"])
    for i, (ref, activity, amount, unit, facility) in enumerate(rows):
        factor = "56100.5" if facility.endswith(("0", "4", "8")) else ""  # the same for a site in every file
        w.writerow([YEAR, ref, activity, repr(amount), unit, f"meter {i}", facility, factor])
    return validate_table(parse_bytes(buf.getvalue().encode(), name), load_catalog(), "astana")


def sites(n: int, scale: float = 1.0, start: int = 0) -> list[tuple[str, str, float, str, str]]:
    return [("I.1.1", "natural_gas", (i + 1) * 0.37 * scale, "TJ", f"site-{i}") for i in range(start, start + n)]


@pytest.fixture(params=["small batches", "large-batch path"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "large-batch path":
        monkeypatch.setattr(bulk, "REBUILD_ROWS", 50)
        monkeypatch.setattr(bulk, "STAGE_ROWS", 50)
    return request.param


def test_the_kept_records_are_what_activity_frame_reads(store_url: str, path: str) -> None:
    engine = open_database(store_url)
    seeded = activity_frame(engine, "astana", YEAR)
    assert seeded.filter(pl.col("gpc_ref") == "I.2.1", pl.col("status") == "estimated").height == 3
    # a reported CO2 figure for I.2.1 supersedes the estimate of its key; CH4 and N2O's estimates step aside
    emission = [("I.2.1", "emissions_co2", 1234.5, "t", "")]
    first = import_tables(engine, [table("first.csv", sites(120) + emission)], who="t", keep_current=True)
    assert (first.files[0].superseding, first.files[0].estimates_replaced) == (1, 2)
    assert_frame_equal(first.current_frame("astana", YEAR), activity_frame(engine, "astana", YEAR))

    # again: 40 the same (duplicates), 40 changed (superseding), 60 new
    again = sites(40) + sites(40, scale=2.0, start=40) + sites(60, start=120)
    second = import_tables(engine, [table("second.csv", again)], who="t", keep_current=True)
    out = second.files[0]
    assert (out.new, out.superseding, len(out.duplicates)) == (60, 40, 40)
    kept = second.current_frame("astana", YEAR)
    assert_frame_equal(kept, activity_frame(engine, "astana", YEAR))
    assert kept.filter(pl.col("facility") == "site-50")["amount"].to_list() == [51 * 0.37 * 2.0]
    with pytest.raises(KeyError):
        second.current_frame("astana", YEAR + 1)
    engine.dispose()


def test_two_files_of_one_import_and_a_dry_run(store_url: str, path: str) -> None:
    engine = open_database(store_url)
    files = [table("a.csv", sites(70)), table("b.csv", sites(70, start=70) + sites(10, scale=3.0))]
    with pytest.raises(ValidationFailed) as failed:  # b.csv changes ten of a.csv's figures
        import_tables(engine, files, who="t", keep_current=True)
    assert len(failed.value.problems) == 10
    assert all("one figure per key in one import" in p.expected for p in failed.value.problems)
    files = [table("a.csv", sites(70)), table("b.csv", sites(70, start=70) + sites(10))]
    dry = import_tables(engine, files, who="t", dry_run=True, keep_current=True)
    assert dry.current == {}
    report = import_tables(engine, files, who="t", keep_current=True)
    assert [f.new for f in report.files] == [70, 70]
    kept = report.current_frame("astana", YEAR)
    assert_frame_equal(kept, activity_frame(engine, "astana", YEAR))
    assert kept.filter(pl.col("facility").str.starts_with("site-")).height == 140
    engine.dispose()

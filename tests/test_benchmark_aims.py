"""The benchmark's verdict on the import's aim (1 M rows in <= 3 s with <= 1 GB, on each store)."""

from benchmarks.run import aims


def csv(backend: str, best: float, peak: float | None, rows: int = 1_000_000) -> dict:
    return {"backend": backend, "rows": rows, "qala": {"best_s": best}, "qala_peak_mb_above_start": peak}


def test_the_import_aim_is_met_only_within_both_bounds_at_its_size() -> None:
    verdict = aims({"csv": csv("sqlite", 3.0, 1024.0), "csv_postgresql": csv("postgresql", 3.01, 500.0)})
    assert verdict["import_met_sqlite"] is True  # exactly at both bounds
    assert verdict["import_met_postgresql"] is False
    assert verdict["lines"][0].endswith("best 3.000 s, 1,024 MB: met")
    assert verdict["lines"][1].endswith("best 3.010 s, 500 MB: NOT met")
    assert aims({"csv": csv("sqlite", 1.0, 1025.0)})["import_met_sqlite"] is False  # memory over
    assert aims({"csv": csv("sqlite", 1.0, None)})["import_met_sqlite"] is False  # memory not measured
    small = aims({"csv": csv("sqlite", 0.1, 10.0, rows=1_000)})
    assert small["import_met_sqlite"] is None and small["lines"][0].endswith("(measured at 1,000 rows, not 1,000,000)")
    assert aims({})["lines"] == []

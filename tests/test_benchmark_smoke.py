"""The benchmark still runs and Qala still agrees with the pandas baseline (no timing asserted)."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each runs a benchmark end to end


def test_quick_benchmark_agrees_with_pandas(tmp_path: Path) -> None:
    from benchmarks.run import main

    out = tmp_path / "bench.json"
    assert main(["--quick", "--repeats", "1", "--repeats-csv", "1", "--output", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data


def test_quick_scenario_benchmark_agrees_with_pandas(tmp_path: Path) -> None:
    from benchmarks.scenario import main

    out = tmp_path / "scenario.json"
    assert main(["--quick", "--output", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["nodes"] > 10 and data["uncertain"] > 20


def test_economics_benchmark_agrees_with_pyomo() -> None:
    from benchmarks.economics import main

    assert main(["--sizes", "25", "--repeats", "1"]) == 0  # it exits with an error if the optima differ


def test_dask_scaling_benchmark_runs_and_agrees(tmp_path: Path) -> None:
    from benchmarks.dask_scaling import main

    out = tmp_path / "dask.json"
    assert (
        main(
            [
                "--draws",
                "600",
                "--chunk",
                "200",
                "--workers",
                "2",
                "--repeats",
                "1",
                "--threads",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text())
    # the cluster's row, each of its rounds timed against one process in the same round
    assert data["identical"] and [r["workers"] for r in data["rows"]] == [2]
    assert all(r["single_seconds"] > 0 and r["seconds"] > 0 for r in data["rows"][0]["rounds"])
    assert data["agreement"]["ok"] and data["agreement"]["within_bound"] and data["agreement"]["p_met_equal"]
    assert data["client_bytes"] < data["draws_bytes"]


def test_sqlite_floor_benchmark_stores_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.sqlite_floor import VARIANTS, main

    assert main(["--rows", "3000"]) == 0  # it exits otherwise, naming the rows stored
    lines = [line for line in capsys.readouterr().out.splitlines() if "total" in line]
    assert len(lines) == len(VARIANTS) and all("insert" in line and "commit" in line for line in lines)


@pytest.mark.postgres
def test_pg_floor_benchmark_stores_every_row(pg_cluster, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.pg_floor import main

    assert main(["--rows", "3000", "--database", pg_cluster.new_database()]) == 0  # it exits otherwise
    out = capsys.readouterr().out
    assert "indexes built after the COPY: 3;" in out  # the key, the city and year's, the batch's
    lines = [line for line in out.splitlines() if "total" in line]
    assert len(lines) == 2 and all("copy" in line and "indexes" in line and "MiB" in line for line in lines)

"""The strategy report on Astana's data: cold and warm, as the web's job worker and the CLI make it.

    .venv/bin/python -m benchmarks.report                 # HTML in kk, 3 repeats of each
    .venv/bin/python -m benchmarks.report --format pdf --repeats 1
    .venv/bin/python -m benchmarks.report --database sqlite:////tmp/r.sqlite3   # an existing database

Three timings, each with its wall-clock and CPU seconds (on a shared machine the wall-clock is the CPU time
stretched by the other processes; the CPU time is what the report costs):

- **worker cold**: a fresh worker process, prepared as the web's job pool prepares it (``qala.report.warm``:
  modules, unit registries, templates, fonts, nothing of the city's data), builds the report with an empty
  report cache: the first request after a new publication. The aim is at most 3 s for HTML.
- **CLI cold**: ``qala report`` in a fresh interpreter with an empty cache (imports included).
- **warm**: the same request again: answered from the report cache (``qala.report.cache``).

Before any timing is reported the cached report must equal, byte for byte, one built directly by
``build_report`` for the same day (one answer everywhere); the run fails if not.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results" / "report.json"
AIM_COLD_HTML = 3.0  # seconds, issue 17


def _worker_cold(url: str, lang: str, fmt: str, where: str, out: Any) -> None:
    from qala.report.warm import warm

    warm()
    from qala.report.build import cached_report
    from qala.store import db

    engine = db.create(url)
    wall, cpu = time.perf_counter(), time.process_time()
    body, _ = cached_report(engine, "astana", lang, fmt, Path(where))
    out.send((time.perf_counter() - wall, time.process_time() - cpu, len(body)))
    wall, cpu = time.perf_counter(), time.process_time()
    again, _ = cached_report(engine, "astana", lang, fmt, Path(where))
    out.send((time.perf_counter() - wall, time.process_time() - cpu, again == body))


def worker_cold(url: str, lang: str, fmt: str) -> tuple[tuple[float, float, int], tuple[float, float, bool]]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    with tempfile.TemporaryDirectory() as where:
        p = ctx.Process(target=_worker_cold, args=(url, lang, fmt, where, child))
        p.start()
        cold, warm = parent.recv(), parent.recv()
        p.join()
    return cold, warm


def cli_cold(url: str, lang: str, fmt: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QALA_HOME": home}
        out = Path(home) / f"r.{fmt}"
        before = os.times()
        wall = time.perf_counter()
        cmd = [sys.executable, "-m", "qala.cli", "report", "--lang", lang, "--format", fmt, "-o", str(out)]
        subprocess.run([*cmd, "--database", url], check=True, env=env, capture_output=True)
        after = os.times()
        return time.perf_counter() - wall, (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )


def same_answer(url: str, lang: str, fmt: str) -> None:
    """The cached report equals the directly built one of the same day."""

    from qala.report.build import build_report, cached_report
    from qala.store import db

    engine = db.create(url)
    with tempfile.TemporaryDirectory() as where:
        cached, built = cached_report(engine, "astana", lang, fmt, Path(where))
    direct = build_report(engine, "astana", lang, fmt, built)
    if fmt != "pdf" and cached != direct:  # a PDF carries its creation time
        raise AssertionError("the cached report differs from the one built directly")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="kk")
    ap.add_argument("--format", default="html", choices=("html", "pdf", "xlsx"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--database", help="an existing database with Astana's data (default: a new SQLite one)")
    ap.add_argument("--no-cli", action="store_true", help="leave out the CLI's cold run")
    args = ap.parse_args()
    console = Console()
    tmp = tempfile.TemporaryDirectory()
    url = args.database
    if url is None:
        from qala.store.seed import open_database

        url = f"sqlite:///{Path(tmp.name) / 'report.sqlite3'}"
        console.print("loading Astana's data into a new database ...")
        open_database(url).dispose()
    same_answer(url, args.lang, args.format)
    colds, warms, clis = [], [], []
    for _ in range(args.repeats):
        cold, warm = worker_cold(url, args.lang, args.format)
        assert warm[2], "the cached report differs from the first one"
        colds.append(cold[:2])
        warms.append(warm[:2])
        if not args.no_cli:
            clis.append(cli_cold(url, args.lang, args.format))

    def med(rows: list[tuple[float, float]], i: int) -> float:
        return statistics.median(r[i] for r in rows) if rows else float("nan")

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "lang": args.lang,
        "format": args.format,
        "repeats": args.repeats,
        "worker_cold": {"wall_s": med(colds, 0), "cpu_s": med(colds, 1)},
        "cli_cold": {"wall_s": med(clis, 0), "cpu_s": med(clis, 1)},
        "warm": {"wall_s": med(warms, 0), "cpu_s": med(warms, 1)},
    }
    result["ratio_cold_to_warm"] = result["worker_cold"]["wall_s"] / max(result["warm"]["wall_s"], 1e-6)
    table = Table(title=f"report, {args.format} in {args.lang} (median of {args.repeats})")
    for col in ("", "wall s", "CPU s"):
        table.add_column(col)
    for name in ("worker_cold", "cli_cold", "warm"):
        table.add_row(name, f"{result[name]['wall_s']:.3f}", f"{result[name]['cpu_s']:.3f}")
    console.print(table)
    console.print(f"cold / warm: {result['ratio_cold_to_warm']:.0f}x; load average {os.getloadavg()[0]:.1f}")
    if args.format == "html":
        met = result["worker_cold"]["cpu_s"] <= AIM_COLD_HTML
        console.print(f"aim: cold HTML within {AIM_COLD_HTML} s of CPU: {'met' if met else 'NOT met'}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp.cleanup()


if __name__ == "__main__":
    main()

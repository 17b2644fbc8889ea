"""The web platform with 50 cities in its database: the overview page and the scenario API under load.

    .venv/bin/python -m benchmarks.web_load_cities                  # 50 cities, 10 of them requested, 10 s each
    .venv/bin/python -m benchmarks.web_load_cities --duration 2 --cities 50 --requested 3   # a short run

Builds a fresh SQLite database with Astana and 49 synthetic cities (``qala cities synth``: Astana's data
scaled by a seeded factor, labelled synthetic), serves it with ``qala serve`` on a free loopback port,
requests every target once per city (the first request computes, later ones of the overview hit the
cache), then runs ``wrk --latency`` with a Lua script that rotates through the requested cities
(``?city=CODE``) for each target: sustained requests per second and p50/p95/p99 from wrk's histogram.
The scenario API is not cached: every request runs the Monte Carlo (``--api-draws``, the API's default
1,000). Writes ``benchmarks/results/web_cities.json``. Traffic goes to 127.0.0.1 only, for a bounded time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.web_load import LUA, free_port, get, machine, run_wrk, start_server, stop_server, wait_ready

RESULTS = Path(__file__).resolve().parent / "results" / "web_cities.json"
ROTATE = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def build_database(home: Path, cities: int, seed: int) -> list[str]:
    """Astana (bundled) and ``cities - 1`` synthetic cities, through the normal import path."""
    os.environ["QALA_HOME"] = str(home)
    from qala.scale import synth
    from qala.store.seed import open_database

    engine = open_database(None)
    synth.load(engine, synth.plan(cities - 1, seed))
    engine.dispose()
    return ["astana"] + [c.code for c in synth.plan(cities - 1, seed)]


def spread(codes: list[str], n: int) -> list[str]:
    """``n`` codes spread over the list, Astana first."""
    if n >= len(codes):
        return codes
    step = (len(codes) - 1) / max(n - 1, 1)
    return [codes[round(i * step)] for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=50, help="cities in the database (default 50)")
    parser.add_argument("--requested", type=int, default=10, help="cities the load rotates through (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic cities")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target (default 10)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="qala serve --workers (default 1)")
    parser.add_argument("--api-draws", type=int, default=1000, help="draws per scenario API request (default 1000)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.duration > 120 or args.connections > 200 or args.cities > 500:
        parser.error("keep the load bounded: --duration ≤ 120 s, --connections ≤ 200, --cities ≤ 500")
    if shutil.which("wrk") is None:
        print("wrk is not installed; on Debian or Ubuntu: apt-get install wrk  (nothing was measured)")
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    old_home = os.environ.get("QALA_HOME")
    with tempfile.TemporaryDirectory(prefix="qala-web-cities-") as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        codes = build_database(tmp_path / "home", args.cities, args.seed)
        build_s = time.perf_counter() - t0
        chosen = spread(codes, args.requested)
        targets = {
            "overview page": [f"/?city={c}" for c in chosen],
            "scenario API": [f"/api/v1/scenarios/bau?city={c}&draws={args.api_draws}" for c in chosen],
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(tmp_path / "home", port, args.workers)
        results = []
        try:
            wait_ready(proc, base)
            for name, paths in targets.items():
                firsts = []
                for p in paths:  # every city once: its first request computes
                    status, seconds = get(base + p, timeout=120)
                    if status != 200:
                        raise RuntimeError(f"{p} answered {status}")
                    firsts.append(seconds)
                script = tmp_path / f"{name.replace(' ', '_')}.lua"
                script.write_text(ROTATE % ", ".join(f'"{p}"' for p in paths) + LUA, encoding="utf-8")
                measured = run_wrk(base + paths[0], args.threads, args.connections, args.duration, script)
                results.append({"name": name, "cities": chosen, "first_request_ms_max": max(firsts) * 1000, **measured})
        finally:
            stop_server(proc)
            if old_home is None:
                os.environ.pop("QALA_HOME", None)
            else:
                os.environ["QALA_HOME"] = old_home

    table = Table(
        title=f"{args.cities} cities in the database, {len(chosen)} requested in rotation; wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration}s; qala serve --workers {args.workers}; loopback"
    )
    for col in ("target", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "first request ms (max)"):
        table.add_column(col, justify="left" if col == "target" else "right")
    for r in results:
        table.add_row(
            r["name"],
            f"{r['requests']:,}",
            f"{r['rps']:,.1f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            str(r["socket_errors"] + r["non_2xx_3xx"]),
            f"{r['first_request_ms_max']:.0f}",
        )
    console.print(table)
    console.print(f"database with {args.cities} cities built in {build_s:.1f} s; load average {os.getloadavg()}")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": os.getloadavg(),
        "tool": wrk_version.strip(),
        "cities": args.cities,
        "requested": chosen,
        "threads": args.threads,
        "connections": args.connections,
        "duration_s": args.duration,
        "workers": args.workers,
        "api_draws": args.api_draws,
        "build_s": build_s,
        "targets": [{k: v for k, v in r.items() if k != "wrk_output"} for r in results],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"written {args.output}")
    errors = sum(r["socket_errors"] + r["non_2xx_3xx"] for r in results)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

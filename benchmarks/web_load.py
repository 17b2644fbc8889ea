"""The web platform under load: the overview page and the inventory API, 20 concurrent clients on loopback.

    .venv/bin/python -m benchmarks.web_load                 # wrk -t2 -c20 -d10s against / and /api/v1/inventory
    .venv/bin/python -m benchmarks.web_load --duration 2    # a short run
    .venv/bin/python -m benchmarks.web_load --workers 2     # qala serve --workers 2

Starts ``qala serve`` on a free loopback port with a throwaway QALA_HOME (a fresh SQLite database with
Astana loaded), warms it up, then runs ``wrk --latency`` against each target; p50, p95 and p99 come from
wrk's own latency histogram (a Lua ``done`` hook), requests per second from its summary. Writes
``benchmarks/results/web.json``. Aim: p95 under 100 ms. Traffic goes to 127.0.0.1 only, for a bounded time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "web.json"
TARGETS = (("overview page", "/"), ("inventory API", "/api/v1/inventory"))
AIM_P95_MS = 100.0
# wrk's latency histogram is in microseconds; print the percentiles on one line we can parse
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("QALA-RESULT p50=%d p95=%d p99=%d max=%d requests=%d duration=%d errors=%d status=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status))
end
"""
RESULT_RE = re.compile(r"QALA-RESULT (.*)")


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, float]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as r:  # loopback only
        r.read()
        return r.status, time.perf_counter() - start


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("QALA_DATABASE_URL", "QALA_SECRET_KEY")}
    env["QALA_HOME"] = str(home)
    cmd = [
        sys.executable,
        "-c",
        "from qala.cli import main; main()",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def wait_ready(proc: subprocess.Popen[bytes], base: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"qala serve exited with {proc.returncode}: {err[-2000:]}")
        with contextlib.suppress(OSError):
            if get(base + "/api/v1/health", timeout=2)[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"qala serve did not answer within {timeout} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the group this script started (uvicorn and its workers)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def run_wrk(url: str, threads: int, connections: int, duration: int, script: Path) -> dict[str, Any]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=duration + 60).stdout
    m = RESULT_RE.search(out)
    if not m:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    fields = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "requests": fields["requests"],
        "rps": float(rps.group(1)) if rps else fields["requests"] / (fields["duration"] / 1e6),
        "p50_ms": fields["p50"] / 1000,
        "p95_ms": fields["p95"] / 1000,
        "p99_ms": fields["p99"] / 1000,
        "max_ms": fields["max"] / 1000,
        "socket_errors": fields["errors"],
        "non_2xx_3xx": fields["status"],
        "wrk_output": out,
    }


def machine() -> dict[str, Any]:
    model = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target (default 10)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="qala serve --workers (default 1)")
    parser.add_argument("--warmup", type=int, default=20, help="sequential requests per target first (default 20)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.duration > 120 or args.connections > 200:
        parser.error("keep the load bounded: --duration at most 120 s, --connections at most 200")

    if shutil.which("wrk") is None:
        print("wrk is not installed; on Debian or Ubuntu: apt-get install wrk  (nothing was measured)")
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="qala-web-load-") as tmp:
        tmp_path = Path(tmp)
        script = tmp_path / "percentiles.lua"
        script.write_text(LUA, encoding="utf-8")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        proc = start_server(tmp_path / "home", port, args.workers)
        try:
            wait_ready(proc, base)
            startup = time.perf_counter() - t0
            results = []
            for name, path in TARGETS:
                status, first = get(base + path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                for _ in range(args.warmup):
                    get(base + path)
                measured = run_wrk(base + path, args.threads, args.connections, args.duration, script)
                results.append({"name": name, "path": path, "first_request_ms": first * 1000, **measured})
        finally:
            stop_server(proc)

    met = all(r["p95_ms"] < AIM_P95_MS and r["non_2xx_3xx"] == 0 and r["socket_errors"] == 0 for r in results)
    table = Table(
        title=f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, qala serve --workers "
        f"{args.workers}, loopback"
    )
    for col in ("target", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "first request ms"):
        table.add_column(col, justify="left" if col == "target" else "right")
    for r in results:
        table.add_row(
            f"{r['name']} {r['path']}",
            f"{r['requests']:,}",
            f"{r['rps']:,.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            str(r["socket_errors"] + r["non_2xx_3xx"]),
            f"{r['first_request_ms']:.0f}",
        )
    console.print(table)
    console.print(f"server start (fresh database, Astana loaded): {startup:.1f} s")
    console.print(f"aim p95 < {AIM_P95_MS:.0f} ms, no errors: {'met' if met else 'NOT met'}")

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "tool": wrk_version.strip(),
        "threads": args.threads,
        "connections": args.connections,
        "duration_s": args.duration,
        "workers": args.workers,
        "startup_s": startup,
        "aim_p95_ms": AIM_P95_MS,
        "met": met,
        "targets": [{k: v for k, v in r.items() if k != "wrk_output"} for r in results],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"written {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

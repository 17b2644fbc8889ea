"""Scale-out: Dask runs give the serial numbers bit for bit; many cities; synthetic cities; ?city= on the web."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from qala.inventory.engine import InventoryOptions
from qala.scale import synth
from qala.scale.cities import run_cities
from qala.scale.dask_runner import TASKS_PER_WORKER, DaskRunner, blocks
from qala.scenario.chunks import Merger
from qala.scenario.run import ScenarioResult
from qala.scenario.sensitivity import sobol
from qala.scenario.sketch import REL_ERROR
from qala.services import scenario as svc
from qala.services.inventory import inventory_from_store
from qala.store.seed import open_database
from qala.web.app import create_app
from qala.web.settings import WebSettings

DRAWS, CHUNK = 3000, 400  # 8 chunks, the last one short
SYNTH_SEED = 7


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Astana (bundled) and two synthetic cities, loaded through the import path."""
    url = f"sqlite:///{tmp_path_factory.mktemp('scale') / 'qala.sqlite3'}"
    eng = open_database(url)
    added = synth.load(eng, synth.plan(2, SYNTH_SEED))
    assert [c.code for c in added] == ["synth-001", "synth-002"]
    return eng


@pytest.fixture(scope="module", params=[1, 2, 4], ids=lambda n: f"{n}-workers")
def client(request: pytest.FixtureRequest) -> Iterator[Client]:
    with (
        LocalCluster(n_workers=request.param, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as c,
    ):
        yield c


def _factor(code: str) -> float:
    return next(c.factor for c in synth.plan(2, SYNTH_SEED) if c.code == code)


def _run(engine: Engine, city: str, runner=None, scenario: str = "low-carbon") -> ScenarioResult:
    model, _ = svc.resolve("bau", city, engine)
    extra = {"runner": runner} if runner else {}
    return svc.run(engine, model, scenario, draws=DRAWS, seed=11, chunk_size=CHUNK, **extra)


def _identical(a: ScenarioResult, b: ScenarioResult) -> None:
    for basis in a.totals:
        assert np.array_equal(a.totals[basis], b.totals[basis])
        for sector in a.sectors[basis]:
            assert np.array_equal(a.sectors[basis][sector], b.sectors[basis][sector])
    assert a.population is not None and b.population is not None
    assert np.array_equal(a.population, b.population)
    assert a.flow_means.keys() == b.flow_means.keys() and a.amount_means.keys() == b.amount_means.keys()
    assert all(np.array_equal(a.flow_means[k], b.flow_means[k]) for k in a.flow_means)
    assert all(np.array_equal(a.amount_means[k], b.amount_means[k]) for k in a.amount_means)
    assert a.to_dict() == b.to_dict()


# --- the same numbers whoever computes them ------------------------------------------------------------


def test_dask_gives_the_serial_numbers_bit_for_bit(engine: Engine, client: Client) -> None:
    serial = _run(engine, "astana")
    done: list[int] = []
    distributed = _run(engine, "astana", DaskRunner(client))
    _identical(serial, distributed)
    progress = _run(engine, "astana", lambda batches, on_chunk=None: DaskRunner(client)(batches, done.append))
    _identical(serial, progress)
    assert sum(done) == DRAWS and len(done) == 8  # one progress step per finished future


def test_reduced_on_the_workers_is_the_serial_summary(engine: Engine, client: Client) -> None:
    """Chunks summarised and merged on the workers, in the same tree as in one process: the same JSON."""
    from qala.scenario.reduced import run_reduced

    model, _ = svc.resolve("bau", "astana")
    prep, base = svc._prepared(model, None), svc.base_year(engine, model, None)
    serial = run_reduced(prep, "low-carbon", base, draws=DRAWS, seed=11, chunk_size=CHUNK)
    done: list[int] = []  # progress: one step per finished chunk
    runner, kw = DaskRunner(client), {"draws": DRAWS, "seed": 11, "chunk_size": CHUNK}
    dask = run_reduced(prep, "low-carbon", base, **kw, runner=runner, on_chunk=done.append)
    assert dask.to_dict() == serial.to_dict()
    assert sum(done) == DRAWS and len(done) == 8


def test_sensitivity_is_the_same_on_any_number_of_workers(engine: Engine, client: Client) -> None:
    model, _ = svc.resolve("bau", "astana")
    prep, base = svc._prepared(model, None), svc.base_year(engine, model, None)
    serial = sobol(prep, "low-carbon", base, n=32, years=(2030,), seed=3, chunk_size=300)
    dask = sobol(prep, "low-carbon", base, n=32, years=(2030,), seed=3, chunk_size=300, runner=DaskRunner(client))
    assert serial.evaluations > 300 * 2  # several chunks
    assert serial.to_dict() == dask.to_dict()


def test_blocks_are_whole_subtrees_of_the_serial_merge_tree() -> None:
    """A task computes an aligned block of 2^k chunks and merges it; the blocks' results merged one level up
    give exactly the serial tree: shown with a merge that writes its tree, ``(a b)``, for every count."""
    tree = lambda a, b: f"({a} {b})"  # noqa: E731
    for jobs in range(1, 70):
        serial = Merger(tree)
        for j in range(jobs):
            serial.push(str(j))
        for workers in range(1, 6):
            cuts = blocks(jobs, workers)
            assert [a for a, _ in cuts] == list(range(0, jobs, cuts[0][1])) and cuts[-1][1] == jobs
            size = cuts[0][1]
            assert size & (size - 1) == 0  # a power of two, so each full block is aligned
            assert len(cuts) >= min(jobs, TASKS_PER_WORKER * workers)
            outer = Merger(tree)
            for a, b in cuts:
                inner = Merger(tree)
                for j in range(a, b):
                    inner.push(str(j))
                outer.push(inner.result())
            assert outer.result() == serial.result(), (jobs, workers)
    assert blocks(20, 2) == [(a, a + 2) for a in range(0, 20, 2)]  # 100,000 draws in chunks of 5,000: 10 tasks
    assert len(blocks(100, 2)) == 13 and blocks(100, 2)[-1] == (96, 100)  # blocks of 8, the busiest worker 52 %


def test_the_model_is_scattered_once_per_runner(engine: Engine, client: Client) -> None:
    from qala.scenario.reduced import run_reduced

    model, _ = svc.resolve("bau", "astana")
    prep, base = svc._prepared(model, None), svc.base_year(engine, model, None)
    runner = DaskRunner(client)
    first = run_reduced(prep, "low-carbon", base, draws=800, seed=4, chunk_size=200, runner=runner)
    keys = {k: f.key for k, f in runner.scattered.items()}
    second = run_reduced(prep, "bau", base, draws=800, seed=4, chunk_size=200, runner=runner)
    assert keys == {k: f.key for k, f in runner.scattered.items()} and len(keys) == 2  # the model and the base year
    assert first.to_dict()["scenario"] == "low-carbon" and second.to_dict()["scenario"] == "bau"


@pytest.mark.slow
def test_worker_processes_give_the_same_numbers(engine: Engine) -> None:
    """Workers in other processes: the prepared model is pickled and every chunk comes back pickled."""
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as c,
    ):
        _identical(_run(engine, "astana"), _run(engine, "astana", DaskRunner(c)))
        from qala.scenario.reduced import run_reduced

        model, _ = svc.resolve("bau", "astana")
        prep, base = svc._prepared(model, None), svc.base_year(engine, model, None)
        serial = run_reduced(prep, "bau", base, draws=DRAWS, seed=2, chunk_size=CHUNK)
        dask = run_reduced(prep, "bau", base, draws=DRAWS, seed=2, chunk_size=CHUNK, runner=DaskRunner(c))
        assert dask.to_dict() == serial.to_dict()


# --- synthetic cities ----------------------------------------------------------------------------------


def test_synthetic_cities_are_seeded_and_labelled(engine: Engine) -> None:
    a, b = synth.plan(5, 1), synth.plan(5, 1)
    assert a == b and a != synth.plan(5, 2)
    assert [c.code for c in a] == [f"synth-{i:03d}" for i in range(1, 6)]
    assert all(synth.LOW <= c.factor <= synth.HIGH for c in a)
    assert all("Synthetic" in c.names["en"] for c in a)
    rows = list(__import__("csv").DictReader(synth.activity_csv(engine, a[0]).decode("utf-8").splitlines()))
    assert rows and all(
        r["source"] == f"synthetic, generated by qala from Astana's data scaled by {a[0].factor:g}, seed 1"
        for r in rows
    )


def test_a_synthetic_city_is_k_times_astana(engine: Engine) -> None:
    """Every amount times k, and every extensive model input times k: emissions are k times Astana's."""
    astana = inventory_from_store(engine, "astana", None, InventoryOptions()).to_dict()["totals"]
    a = _run(engine, "astana", scenario="bau")
    for code in ("synth-001", "synth-002"):
        k = _factor(code)
        totals = inventory_from_store(engine, code, None, InventoryOptions()).to_dict()["totals"]
        for basis, value in astana.items():
            assert totals[basis] == pytest.approx(k * value, rel=1e-9)
        s = _run(engine, code, scenario="bau")
        np.testing.assert_allclose(s.totals["territorial"], k * a.totals["territorial"], rtol=1e-9)
        assert s.population is not None and a.population is not None
        np.testing.assert_allclose(s.population, k * a.population, rtol=1e-12)


def test_many_cities_compare_the_same_way_on_dask(engine: Engine, client: Client) -> None:
    codes = ["astana", "synth-001", "synth-002"]
    serial = run_cities(engine, codes, "low-carbon", draws=400, seed=5, chunk_size=150)
    dask = run_cities(engine, codes, "low-carbon", draws=400, seed=5, chunk_size=150, runner=DaskRunner(client))
    assert [r.to_dict() for r in serial] == [r.to_dict() for r in dask]
    astana = serial[0]
    assert astana.total_tco2e and astana.per_capita_tco2e and astana.p50_2030_tco2e and astana.targets
    assert astana.per_capita_tco2e == pytest.approx(astana.total_tco2e / 1_464_415, rel=1e-12)
    for row in serial[1:]:
        k = _factor(row.code)
        assert row.total_tco2e == pytest.approx(k * astana.total_tco2e, rel=1e-9)
        assert row.population == pytest.approx(k * 1_464_415, rel=1e-12)
        assert row.per_capita_tco2e == pytest.approx(astana.per_capita_tco2e, rel=1e-9)
        # medians read from the histograms, each within REL_ERROR of the draws' own (qala.scenario.sketch)
        assert row.p50_2030_tco2e == pytest.approx(k * astana.p50_2030_tco2e, rel=2 * REL_ERROR)
        assert row.change_2030 == pytest.approx(astana.change_2030, abs=2 * REL_ERROR * (1 + astana.change_2030))
        assert [t.p_met for t in row.targets] == [t.p_met for t in astana.targets]


# --- the command line ----------------------------------------------------------------------------------


def test_cities_commands(tmp_path: Path, run_cli) -> None:
    code, out, err = run_cli("cities", "synth", "--count", "2", "--seed", "3")
    assert code == 0, err
    assert "Added 2 synthetic cities" in out
    code, out, _ = run_cli("cities", "synth", "--count", "2", "--seed", "3")
    assert "Added 0 synthetic cities (2 were there already)" in out
    code, out, err = run_cli("cities", "run", "--draws", "50", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["cities"]
    assert [r["code"] for r in rows] == ["astana", "synth-001", "synth-002"]
    code, local, err = run_cli(
        "cities", "run", "--draws", "50", "--format", "json", "--scheduler", "local", "--workers", "2", "--threads"
    )
    assert code == 0, err
    assert json.loads(local)["cities"] == rows
    code, out, err = run_cli("cities", "run", "--draws", "50", "--cities", "astana,synth-002")
    assert code == 0, err
    assert "synth-002" in out and "synth-001" not in out and "P(met)" in out
    code, _, err = run_cli("cities", "run", "--cities", "nowhere")
    assert code == 2 and "unknown city: nowhere" in err


def test_scenario_commands_on_a_local_cluster(run_cli) -> None:
    args = ("scenario", "run", "bau", "--draws", "300", "--format", "json")
    code, plain, err = run_cli(*args)
    assert code == 0, err
    code, dask, err = run_cli(*args, "--scheduler", "local", "--workers", "2", "--threads")
    assert code == 0, err
    assert json.loads(dask) == json.loads(plain)
    sens = ("scenario", "sensitivity", "bau", "--n", "16", "--years", "2030", "--format", "json")
    code, plain, err = run_cli(*sens)
    assert code == 0, err
    code, dask, err = run_cli(*sens, "--scheduler", "local", "--threads")
    assert code == 0, err
    assert json.loads(dask) == json.loads(plain)


def test_bad_scheduler_addresses_are_clear_errors(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run_cli("scenario", "run", "bau", "--scheduler", "nonsense")
    assert code == 2 and "is not a scheduler address" in err and "Traceback" not in err + out
    monkeypatch.setenv("QALA_SCHEDULER", "http://example")
    code, _, err = run_cli("cities", "run")
    assert code == 2 and "'http://example' is not a scheduler address" in err
    monkeypatch.setenv("QALA_SCHEDULER", "tcp://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("QALA_SCHEDULER_TIMEOUT", "0.5")
    code, out, err = run_cli("scenario", "sensitivity", "bau", "--n", "16")
    assert code == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err + out


# --- the web: any city of the database -----------------------------------------------------------------


@pytest.fixture(scope="module")
def web(engine: Engine) -> TestClient:
    settings = WebSettings(
        secret_key="c" * 40, cookie_secure=True, max_upload_bytes=2**20, default_city="astana", database_url=None
    )
    return TestClient(create_app(engine, settings), base_url="https://testserver", raise_server_exceptions=False)


def test_the_city_query_switches_pages_and_is_remembered(web: TestClient) -> None:
    web.cookies.clear()
    astana = web.get("/?fmt=json").json()
    assert astana["city"] == "astana"
    k = _factor("synth-002")
    other = web.get("/?city=synth-002&fmt=json")
    assert other.status_code == 200 and "qala_city=synth-002" in other.headers["set-cookie"]
    body = other.json()
    assert body["city"] == "synth-002"
    assert body["inventory"]["totals"]["territorial"] == pytest.approx(k * astana["inventory"]["totals"]["territorial"])
    remembered = web.get("/?fmt=json").json()  # the cookie, no query
    assert remembered["city"] == "synth-002"
    page = web.get("/inventory?fmt=json").json()
    assert page["inventory"]["city"] == "synth-002"
    html = web.get("/?lang=en").text
    assert re.search(r'<option value="synth-002"\s+selected>Synthetic city 002</option>', html)
    scen = web.get("/scenarios?fmt=json").json()["results"]["bau"]["total"]["p50"]
    web.cookies.clear()
    base = web.get("/scenarios?fmt=json").json()["results"]["bau"]["total"]["p50"]
    np.testing.assert_allclose(scen, k * np.array(base), rtol=1e-9)


def test_unknown_city_is_a_localised_404(web: TestClient) -> None:
    r = web.get("/?city=atlantis&lang=ru")
    assert r.status_code == 404 and "Города с таким кодом нет." in r.text
    assert "qala_city" not in r.headers.get("set-cookie", "")
    r = web.get("/inventory?city=atlantis&fmt=json")
    assert r.status_code == 404 and r.json()["detail"] == "unknown city"


def test_the_scenario_api_serves_a_synthetic_city(web: TestClient) -> None:
    k = _factor("synth-001")
    a = web.get("/api/v1/scenarios/bau?draws=100").json()
    s = web.get("/api/v1/scenarios/bau?city=synth-001&draws=100")
    assert s.status_code == 200 and s.json()["city"] == "synth-001"
    np.testing.assert_allclose(s.json()["total"]["p50"], k * np.array(a["total"]["p50"]), rtol=1e-9)
    assert web.get("/api/v1/scenarios/bau?city=atlantis").status_code == 404


@pytest.mark.parametrize("path", ["/inventory", "/scenarios", "/assessment", "/economics", "/documents", "/roadmap"])
def test_every_page_answers_for_a_synthetic_city(web: TestClient, path: str) -> None:
    r = web.get(f"{path}?city=synth-001")
    assert r.status_code in (200, 404), r.text[:500]  # a synthetic city has no roadmap: 404, never a crash
    assert "Traceback" not in r.text


def test_a_synthetic_citys_report_stamp_names_its_derived_model(engine: Engine) -> None:
    """The stamp hashes the source model with the scale: traceable, and different for each synthetic city."""
    import hashlib
    from importlib import resources

    from qala.report.stamp import model_digest

    astana = model_digest("astana", engine)
    source = resources.files("qala.cities").joinpath("astana", "model.yaml").read_bytes()
    assert astana == hashlib.sha256(source).hexdigest()
    expected = hashlib.sha256(source + f"\nscaled by {_factor('synth-001')!r}".encode()).hexdigest()
    assert model_digest("synth-001", engine) == expected
    assert model_digest("synth-002", engine) not in (None, astana, expected)
    assert model_digest("synth-001") is None  # without the database the derivation is unknown

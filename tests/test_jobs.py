"""The job runner: budgets of time and memory end a job (its worker is replaced), bounded queues, shared reports."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from qala.jobs import queue
from qala.jobs.budget import Budget, JobSettings
from qala.jobs.pool import Failure, Job, JobPool
from qala.jobs.worker import Outcome
from qala.store.seed import open_database
from tests import jobs_helpers
from tests.test_web import GOOD, Web


def run(pool: JobPool, func, budget: Budget, **kwargs) -> Outcome | Failure:
    done: dict[str, Outcome | Failure] = {}
    finished = threading.Event()

    def on_finish(job_id: str, outcome: Outcome | Failure) -> None:
        done["outcome"] = outcome
        finished.set()

    pool.submit(Job("t", func, kwargs, budget, lambda _i: None, lambda *_a: None, on_finish))
    assert finished.wait(300), "the job never finished"
    return done["outcome"]


@pytest.fixture(scope="module")
def pool() -> JobPool:
    return JobPool(1)


def test_a_job_runs_and_a_buggy_job_is_reported(pool: JobPool) -> None:
    assert run(pool, jobs_helpers.quick, Budget(), value=21) == Outcome(200, {"value": 42})
    failure = run(pool, jobs_helpers.broken, Budget())
    assert isinstance(failure, Failure) and failure.kind == "error" and "a bug in a job" in failure.message
    assert run(pool, jobs_helpers.quick, Budget(), value=1) == Outcome(200, {"value": 2})  # the worker goes on


def test_a_job_past_its_time_is_ended_and_its_worker_replaced(pool: JobPool) -> None:
    failure = run(pool, jobs_helpers.sleeper, Budget(seconds=1), seconds=3600)
    assert failure == Failure("time", "the job took longer than its budget of 1 s")
    assert run(pool, jobs_helpers.quick, Budget(), value=5) == Outcome(200, {"value": 10})


def test_a_job_past_its_memory_is_ended(pool: JobPool, tmp_path: Path) -> None:
    flag = tmp_path / "allocated"
    failure = run(pool, jobs_helpers.hog, Budget(seconds=600, memory_mb=400), mib=600, flag=str(flag))
    assert failure == Failure("memory", "the job needed more than its budget of 400 MiB")
    assert run(pool, jobs_helpers.quick, Budget(), value=3) == Outcome(200, {"value": 6})


def test_the_queue_is_bounded_per_person_and_overall(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'q.sqlite3'}", seed=False)
    settings = JobSettings(queue=3, per_owner=2)
    queue.admit(engine, "import", "user:1", settings)
    queue.admit(engine, "import", "user:1", settings)
    with pytest.raises(queue.QueueFull) as mine:
        queue.admit(engine, "import", "user:1", settings)
    assert mine.value.mine and mine.value.retry_after > 0
    queue.admit(engine, "import", "user:2", settings)
    with pytest.raises(queue.QueueFull) as everyone:
        queue.admit(engine, "import", "user:3", settings)
    assert not everyone.value.mine
    # one report per city, language, format, day and data: a second request joins the first
    first = queue.admit(engine, "report", "addr:x", JobSettings(queue=10, per_owner=10), cache_key="k")
    again = queue.admit(engine, "report", "addr:y", JobSettings(queue=10, per_owner=10), cache_key="k")
    assert again.id == first.id and again.reused
    engine.dispose()


def test_past_the_bound_the_api_and_the_form_answer_429(tmp_path: Path) -> None:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    w.add("editor", "editor")
    w.settings = w.settings.__class__(**{**w.settings.__dict__, "jobs": JobSettings(per_owner=1)})
    w.app.state.settings = w.settings
    uid = next(u for u in [users_id(w, "editor")])
    queue.admit(w.engine, "import", f"user:{uid}", JobSettings())  # one of the editor's jobs is waiting
    token = w.token("editor")
    r = w.client().post("/api/v1/imports", headers=token, files={"file": ("a.csv", GOOD)})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "too many jobs of yours" in r.json()["detail"]
    w.engine.dispose()


def users_id(w: Web, username: str) -> int:
    from sqlalchemy import select

    from qala.store.models import User

    with w.engine.connect() as conn:
        return conn.execute(select(User.id).where(User.username == username)).scalar_one()


def test_an_import_without_waiting_is_a_job_with_a_status_url(tmp_path: Path) -> None:
    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    w.add("editor", "editor")
    w.add("provider", "provider")
    c = w.client()
    r = c.post("/api/v1/imports?wait=false", headers=w.token("editor"), files={"file": ("a.csv", GOOD)})
    assert r.status_code == 202 and r.headers["location"] == r.json()["status_url"]
    status = c.get(r.json()["status_url"], headers=w.token("editor")).json()
    while status["state"] in ("queued", "running"):
        threading.Event().wait(0.2)
        status = c.get(r.json()["status_url"], headers=w.token("editor")).json()
    assert status["state"] == "done" and status["code"] == 201 and status["result"]["files"][0]["new"] == 1
    # another person's job is not visible
    assert c.get(r.json()["status_url"], headers=w.token("provider")).status_code == 404
    w.engine.dispose()


def test_without_javascript_the_job_page_refreshes_until_the_outcome(tmp_path: Path) -> None:
    """A job longer than QALA_JOB_WAIT (here 0 s): the form answers with the job's page, which refreshes itself."""
    from dataclasses import replace

    from tests.test_web import csrf

    w = Web(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    w.add("editor", "editor")
    w.settings = replace(w.settings, jobs=JobSettings(wait=0))
    w.app.state.settings = w.settings
    c = w.signed_in("editor")

    def follow(location: str) -> str:
        page = c.get(location + "?lang=ru")
        while 'data-state="queued"' in page.text or 'data-state="running"' in page.text:
            assert '<meta http-equiv="refresh"' in page.text  # inside <noscript>: browsers without JavaScript
            threading.Event().wait(0.2)
            page = c.get(location + "?lang=ru")
        return page.text

    c.headers["Accept"] = "text/html"
    r = c.post(
        "/data/upload",
        data={"csrf_token": csrf(c, "/data")},
        files={"file": ("good.csv", GOOD)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    assert 'id="upload-ok"' in follow(r.headers["location"])
    r = c.post(
        "/report", data={"csrf_token": csrf(c, "/report"), "lang": "ru", "format": "html"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = follow(r.headers["location"])
    link = re.search(r'id="job-file" href="([^"]+)"|href="([^"]+)" id="job-file"', page)
    assert link, page[-2000:]
    report = c.get(link.group(1) or link.group(2))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "attachment" in report.headers["content-disposition"]
    # a second request for the same report is the same job, already finished: the file at once
    assert (
        c.post("/report", data={"csrf_token": csrf(c, "/report"), "lang": "ru", "format": "html"}).content
        == report.content
    )
    w.engine.dispose()

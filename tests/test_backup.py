"""``qala backup`` / ``qala restore``: SQLite -> PostgreSQL -> SQLite round trips, byte for byte per table."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qala.store import db, users
from qala.store.models import ActivityRecord
from qala.store.roadmap import add_comment, update_activity
from qala.store.seed import open_database
from tests.conftest import write

HEADER = "year,gpc_ref,activity,amount,unit,source,facility,note\n"


def tables_of(archive: Path) -> dict[str, dict]:
    """Each table's entry of the manifest (name, columns, rows, SHA-256): the canonical dump's identity."""
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    return {t["name"]: t for t in manifest["tables"]}


def table_bytes(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("tables/")}


@pytest.fixture
def astana_sqlite(tmp_path: Path, run_cli) -> str:
    """Astana as bundled, plus an import that supersedes a figure, users, audit entries, roadmap events."""
    url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    engine = open_database(url)
    first = write(
        tmp_path / "plant.csv",
        HEADER + '2022,I.4.4,natural_gas,1000.1,TJ,"operator, 2023",chp,"Қала: 0.1 + 0.2"\n'
        "2022,I.1.1,natural_gas,0.30000000000000004,TJ,akimat,,\n"
        "2021,II.1.1,diesel,12345.678901234567,t,stat,,\n",
    )
    assert run_cli("import", str(first), "--database", url)[0] == 0
    fixed = write(tmp_path / "plant-fixed.csv", HEADER + "2022,I.4.4,natural_gas,1100,TJ,operator rev,chp,\n")
    assert run_cli("import", str(fixed), "--database", url)[0] == 0
    users.add_user(engine, "aigerim", "a long enough password", "admin", full_name="Айгерім Сәрсенова")
    users.new_token(engine, "aigerim", "script")
    users.authenticate(engine, "aigerim", "wrong password!!", "127.0.0.1")
    update_activity(engine, "astana", "1.1", who="aigerim", status="in_progress", progress=0.25, comment="басталды")
    add_comment(engine, "astana", "1.1", "Комментарий с «кавычками»", who="aigerim")
    engine.dispose()
    return url


@pytest.mark.slow  # a restore onto PostgreSQL is in the fast suite (the tests below); this is CI's full round trip
def test_round_trip_sqlite_postgresql_sqlite_is_exact(astana_sqlite: str, pg_cluster, tmp_path: Path, run_cli) -> None:
    first, second, third = (tmp_path / f"{n}.zip" for n in ("first", "second", "third"))
    assert run_cli("backup", "--output", str(first), "--database", astana_sqlite)[0] == 0
    pg_url = pg_cluster.new_database()
    code, out, err = run_cli("restore", str(first), "--database", pg_url)
    assert code == 0, err
    assert "Restored" in out
    assert run_cli("backup", "--output", str(second), "--database", pg_url)[0] == 0
    fresh = f"sqlite:///{tmp_path / 'fresh' / 'restored.sqlite3'}"
    assert run_cli("restore", str(second), "--database", fresh)[0] == 0
    assert run_cli("backup", "--output", str(third), "--database", fresh)[0] == 0

    original = tables_of(first)
    seeded = open_database(f"sqlite:///{tmp_path / 'seeded.sqlite3'}")
    with seeded.connect() as conn:
        bundled = conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one()
    assert bundled > 200  # Astana's reported figures and its estimates 2015-2024
    assert original["activity_records"]["rows"] == bundled + 3 + 1  # then 3 imported, 1 correction
    for name in (
        "users",
        "api_tokens",
        "audit_log",
        "roadmap_events",
        "login_throttle",
        "document_paragraphs",
        "publications",  # the bundled baseline, published at seed time (docs/workflow.md)
    ):
        assert original[name]["rows"] > 0, name
    assert tables_of(second) == original
    assert tables_of(third) == original
    assert table_bytes(first) == table_bytes(second) == table_bytes(third)

    inventories = []
    for url in (astana_sqlite, pg_url, fresh):
        code, out, err = run_cli(
            "inventory", "--city", "astana", "--year", "2022", "--format", "json", "--database", url
        )
        assert code == 0, err
        inventories.append(json.loads(out))
    assert inventories[0] == inventories[1] == inventories[2]


def test_restored_postgresql_continues_its_keys_and_history(astana_sqlite: str, pg_cluster, tmp_path: Path, run_cli):
    archive = tmp_path / "a.zip"
    assert run_cli("backup", "-o", str(archive), "--database", astana_sqlite)[0] == 0
    pg_url = pg_cluster.new_database()
    assert run_cli("restore", str(archive), "--database", pg_url)[0] == 0
    code, out, _ = run_cli(
        "history",
        "I.4.4",
        "natural_gas",
        "--year",
        "2022",
        "--facility",
        "chp",
        "--format",
        "json",
        "--database",
        pg_url,
    )
    figures = [(r["amount"], r["superseded_by"] is None) for r in json.loads(out)]
    assert code == 0 and figures == [(1000.1, False), (1100.0, True)]
    more = write(tmp_path / "more.csv", HEADER + "2023,I.1.1,natural_gas,5,TJ,x,,\n")
    assert run_cli("import", str(more), "--database", pg_url)[0] == 0  # a serial key after the restored ones
    engine = db.create(pg_url)
    with engine.connect() as conn:
        # the restored records (the bundled ones, 3 imported, 1 correction) and the new one
        restored = tables_of(archive)["activity_records"]["rows"]
        assert conn.execute(select(func.count()).select_from(ActivityRecord)).scalar() == restored + 1
    engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(astana_sqlite: str, tmp_path: Path, run_cli) -> None:
    archive = tmp_path / "a.zip"
    assert run_cli("backup", "-o", str(archive), "--database", astana_sqlite)[0] == 0
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    open_database(target).dispose()  # Astana seeded: not empty
    code, _, err = run_cli("restore", str(archive), "--database", target)
    assert code == 1 and "not empty" in err and "--force" in err
    code, _, err = run_cli("restore", str(archive), "--database", target, "--force")
    assert code == 0, err
    again = tmp_path / "again.zip"
    assert run_cli("backup", "-o", str(again), "--database", target)[0] == 0
    assert table_bytes(again) == table_bytes(archive)


def _rewrite(src: Path, dst: Path, change) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = change(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)


def _tamper_row(name: str, data: bytes) -> bytes:
    return data.replace(b"1000.1", b"1000.2") if name == "tables/activity_records.jsonl" else data


def _newer_schema(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["alembic_revision"] = "9999"
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "not a zip archive, or truncated"),
        ("tamper", "activity_records.jsonl does not match its SHA-256"),
        ("drop", "tables/users.jsonl is missing"),
        ("newer", "schema revision 9999, which this Qala"),
    ],
)
def test_a_damaged_archive_is_refused_and_the_target_unchanged(
    astana_sqlite: str, tmp_path: Path, run_cli, damage: str, message: str
) -> None:
    """The archive is checked whole before the target is touched (so one engine suffices here)."""
    store_url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    archive, bad = tmp_path / "a.zip", tmp_path / "bad.zip"
    assert run_cli("backup", "-o", str(archive), "--database", astana_sqlite)[0] == 0
    if damage == "truncate":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    else:
        change = {
            "tamper": _tamper_row,
            "drop": lambda n, d: None if n == "tables/users.jsonl" else d,
            "newer": _newer_schema,
        }[damage]
        _rewrite(archive, bad, change)
    open_database(store_url).dispose()
    before = tmp_path / "before.zip"
    assert run_cli("backup", "-o", str(before), "--database", store_url)[0] == 0
    trust = ["--trust-unsigned"] if damage == "newer" else []  # the schema check, behind the signature's
    code, _, err = run_cli("restore", str(bad), "--database", store_url, "--force", *trust)
    assert code == 1
    assert message in " ".join(err.split()), err
    after = tmp_path / "after.zip"
    assert run_cli("backup", "-o", str(after), "--database", store_url)[0] == 0
    assert table_bytes(after) == table_bytes(before)


def test_a_failure_while_loading_rolls_everything_back(astana_sqlite: str, store_url: str, tmp_path: Path, run_cli):
    """A row that breaks a constraint (checksums made to match) fails the load; the target stays empty."""
    archive, bad = tmp_path / "a.zip", tmp_path / "bad.zip"
    assert run_cli("backup", "-o", str(archive), "--database", astana_sqlite)[0] == 0
    users_rows = table_bytes(archive)["tables/users.jsonl"].splitlines(keepends=True)
    duplicated = b"".join(users_rows + users_rows)  # the same primary key twice

    def change(name: str, data: bytes) -> bytes:
        if name == "tables/users.jsonl":
            return duplicated
        if name == "manifest.json":
            manifest = json.loads(data)
            entry = next(t for t in manifest["tables"] if t["name"] == "users")
            entry["rows"], entry["sha256"] = len(users_rows) * 2, hashlib.sha256(duplicated).hexdigest()
            return json.dumps(manifest).encode()
        return data

    _rewrite(archive, bad, change)
    code, _, err = run_cli("restore", str(bad), "--database", store_url)
    assert code == 1 and "the signature does not match" in " ".join(err.split())
    code, _, _ = run_cli("restore", str(bad), "--database", store_url, "--trust-unsigned")
    assert code == 1  # trusted, it is loaded, and fails on the duplicate key
    engine = db.create(store_url)
    assert db.current_revision(engine) is None  # not even the schema was left behind
    engine.dispose()
    assert run_cli("restore", str(archive), "--database", store_url)[0] == 0


def test_an_older_backup_is_migrated_after_loading(store_url: str, tmp_path: Path, run_cli) -> None:
    """A backup at revision 0003 restores into a fresh database and into a newer one (--force)."""
    old = db.create(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    db.migrate(old, "0003")
    with old.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO cities (code, name_en, name_ru, name_kk, country, created_at) "
            "VALUES ('karaganda', 'Karaganda', 'Караганда', 'Қарағанды', 'KZ', '2026-01-02 03:04:05.000006')"
        )
    old.dispose()
    archive = tmp_path / "old.zip"
    assert run_cli("backup", "-o", str(archive), "--database", f"sqlite:///{tmp_path / 'old.sqlite3'}")[0] == 0
    assert "document_texts" not in tables_of(archive)

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    code, out, err = run_cli("restore", str(archive), "--database", fresh)
    assert code == 0, err
    assert f"revision 0003, now {db.head_revision()}" in " ".join(out.split())
    open_database(store_url).dispose()  # at the newest revision, Astana loaded
    code, _, err = run_cli("restore", str(archive), "--database", store_url, "--force")
    assert code == 0, err
    for url in (fresh, store_url):
        engine = db.create(url)
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT code, created_at FROM cities").all()[0][0] == "karaganda"
            assert conn.exec_driver_sql("SELECT count(*) FROM cities").scalar() == 1
        engine.dispose()


def test_backups_are_private_and_signed(astana_sqlite: str, tmp_path: Path, run_cli, monkeypatch) -> None:
    """0600 archives, database and keys; another installation's key or no signature is refused by name."""
    from qala.store import backup_sign

    archive = tmp_path / "a.zip"
    assert run_cli("backup", "-o", str(archive), "--database", astana_sqlite)[0] == 0
    assert archive.stat().st_mode & 0o777 == 0o600
    assert Path(astana_sqlite.removeprefix("sqlite:///")).stat().st_mode & 0o777 == 0o600
    assert backup_sign.key_file().stat().st_mode & 0o777 == 0o600
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    unsigned = tmp_path / "unsigned.zip"
    _rewrite(archive, unsigned, lambda n, d: None if n == backup_sign.SIGNATURE else d)
    code, _, err = run_cli("restore", str(unsigned), "--database", target)
    assert code == 1 and "is not signed" in err and "--trust-unsigned" in " ".join(err.split())
    monkeypatch.setenv("QALA_BACKUP_KEY", "k" * 40)  # another installation
    code, _, err = run_cli("restore", str(archive), "--database", target)
    assert code == 1 and "signed with another key" in " ".join(err.split())
    monkeypatch.delenv("QALA_BACKUP_KEY")
    assert run_cli("restore", str(archive), "--database", target)[0] == 0

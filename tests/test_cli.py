"""The command line end to end: import, inventory in every format, records, history, catalog."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import write

PLANT = (
    "year,gpc_ref,activity,amount,unit,source,facility,data_quality\n"
    "2013,I.4.4,natural_gas,1000,TJ,operator report,chp,high\n"
    "2013,I.4.4,heat_output,400,TJ,operator report,chp,high\n"
    "2013,I.4.4,electricity_output,300,TJ,operator report,chp,high\n"
    "2013,I.1.2,district_heat,50000,Gcal,heat network,,medium\n"
    "2013,II.1.1,diesel,100,t,transport department,,low\n"
)
PLANT_TOTAL_BASIC = 209.34 * (56_100 + 28 + 26.5) * (7 / 19) / 400 + (318.63 + 0.01677 * 28 + 0.01677 * 265)


def test_inventory_straight_from_files_without_a_database(tmp_path: Path, run_cli) -> None:
    f = write(tmp_path / "a.csv", PLANT)
    code, out, err = run_cli("inventory", "--activity", str(f), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["year"] == 2013 and data["gwp"] == "AR5" and data["unit"] == "t CO2e"
    assert data["totals"]["basic"] == pytest.approx(PLANT_TOTAL_BASIC, rel=1e-9)
    assert data["chp"]["method"] == "efficiency"
    assert data["chp"]["facilities"][0]["heat_share"] == pytest.approx(7 / 19)
    diesel = [r for r in data["rows"] if r["activity"] == "gas_diesel_oil"]  # alias reported canonically
    assert {r["gas"] for r in diesel} == {"CO2", "CH4", "N2O"}
    assert all(r["factor_source"].startswith("IPCC") for r in diesel)
    assert not (Path.cwd() / "qala.sqlite3").exists()
    assert not (tmp_path / "qala-home").exists()  # no database was created


def test_import_then_inventory_formats(tmp_path: Path, run_cli) -> None:
    f = write(tmp_path / "plant.csv", PLANT)
    code, out, err = run_cli("import", str(f), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["files"][0]["new"] == 5
    code, out, _ = run_cli("inventory", "--year", "2013", "--format", "json")
    assert code == 0
    assert json.loads(out)["totals"]["basic"] == pytest.approx(PLANT_TOTAL_BASIC, rel=1e-9)

    code, out, _ = run_cli("inventory", "--year", "2013", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    emitted = [r for r in rows if not r["notation_key"]]
    assert sum(float(r["tco2e"]) for r in emitted if r["level"] == "B") == pytest.approx(PLANT_TOTAL_BASIC, rel=1e-9)
    assert any(r["notation_key"] == "NE" for r in rows)

    xlsx = tmp_path / "inv.xlsx"
    code, _, err = run_cli("inventory", "--year", "2013", "--format", "xlsx", "--output", str(xlsx))
    assert code == 0, err
    wb = load_workbook(xlsx)
    assert wb.sheetnames[:4] == ["Summary", "Rows", "Notation keys", "Methodology"]
    assert "CHP allocation" in wb.sheetnames

    code, out, _ = run_cli("inventory", "--year", "2013")
    assert code == 0
    assert "BASIC" in out and "efficiency method" in out and "t CO2e/Gcal" in out


def test_gwp_and_chp_method_options(tmp_path: Path, run_cli) -> None:
    f = write(tmp_path / "a.csv", PLANT)
    _, out, _ = run_cli(
        "inventory", "--activity", str(f), "--format", "json", "--chp-method", "energy_content", "--gwp", "AR4"
    )
    data = json.loads(out)
    assert data["gwp"] == "AR4" and data["chp"]["method"] == "energy_content"
    plant_ar4 = 56_100 + 1 * 25 + 0.1 * 298
    assert data["by_scope"]["2"] == pytest.approx(209.34 * plant_ar4 * (4 / 7) / 400, rel=1e-9)


def test_records_and_history_show_provenance(tmp_path: Path, run_cli) -> None:
    f = write(tmp_path / "plant.csv", PLANT)
    run_cli("import", str(f), "--user", "operator-1")
    f2 = write(tmp_path / "plant-fix.csv", PLANT.replace("1000,TJ", "1050,TJ"))
    code, out, _ = run_cli("import", str(f2))
    assert code == 0 and "supersedes record" in out and "duplicate" in out
    code, out, _ = run_cli("history", "I.4.4", "natural_gas", "--year", "2013", "--facility", "chp", "--format", "json")
    hist = json.loads(out)
    assert [h["amount"] for h in hist] == [1000.0, 1050.0]
    assert hist[0]["imported_by"] == "operator-1" and hist[1]["imported_by"] == "tester"
    code, out, _ = run_cli("records", "--year", "2013", "--format", "json")
    recs = json.loads(out)
    assert len(recs) == 5 and all(r["file_name"] and len(r["sha256"]) == 64 for r in recs)


def test_unknown_year_and_city_are_clear(run_cli) -> None:
    code, _, err = run_cli("inventory", "--year", "1999")
    assert code == 2 and "no activity data for astana in 1999" in err
    code, _, err = run_cli("inventory", "--city", "atlantis")
    assert code == 2 and "unknown city 'atlantis'" in err


def test_main_job_prints_astanas_inventory(run_cli) -> None:
    code, out, err = run_cli("inventory")
    assert code == 0, err
    assert "GPC inventory — astana" in out and "BASIC" in out


def test_catalog_and_version(run_cli) -> None:
    code, out, _ = run_cli("catalog", "gwp", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {r["code"] for r in data["rows"]} == {"AR4", "AR5", "AR6"}
    code, out, _ = run_cli("version")
    assert code == 0 and "catalog" in out


def test_db_info_and_city_add(run_cli, tmp_path: Path) -> None:
    code, out, _ = run_cli(
        "city", "add", "karaganda", "--name-en", "Karaganda", "--name-ru", "Караганда", "--name-kk", "Қарағанды"
    )
    assert code == 0
    f = write(tmp_path / "k.csv", "year,gpc_ref,activity,amount,unit,city\n2022,I.1.1,natural_gas,1,TJ,karaganda\n")
    code, _, err = run_cli("import", str(f))
    assert code == 0, err
    code, out, _ = run_cli("db", "info")
    from qala.store.db import head_revision

    assert code == 0 and "Schema revision" in out and head_revision() in out


def test_bad_database_url_is_a_clear_error(run_cli) -> None:
    code, _, err = run_cli("inventory", "--database", "not a url")
    assert code == 1 and "not a database URL" in err and "Traceback" not in err


LAZY_PROBE = """
import json, sys
sys.argv = ["qala", *sys.argv[1:]]
from qala import cli
code = None
try:
    cli.main()
except SystemExit as exc:
    code = exc.code
heavy = ["qala.scenario.engine", "qala.assessment.alignment", "qala.report", "qala.web", "qala.economics"]
print("LOADED " + json.dumps([[m for m in heavy if m in sys.modules], code]))
"""


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["import", "--help"], []),
        (["version"], []),
        (["macc", "--help"], ["qala.scenario.engine", "qala.economics"]),
        (["--help"], None),  # the whole command line: every module
        (["nosuch"], None),
    ],
)
def test_a_command_loads_its_own_modules_only(args: list[str], loaded: list[str] | None) -> None:
    """``qala import`` does not start by importing the scenario engine, the assessment, the report and the web
    (1 s of every command's start); ``qala --help`` and an unknown command build the whole command line."""
    done = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE, *args], capture_output=True, text=True, check=False, timeout=600
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED"))
    got, code = json.loads(line.removeprefix("LOADED "))
    if loaded is None:
        assert set(got) == {"qala.scenario.engine", "qala.assessment.alignment", "qala.report", "qala.web",
                            "qala.economics"}  # fmt: skip
    else:
        assert got == loaded
    assert code == (2 if args == ["nosuch"] else 0)


def test_a_failing_command_loaded_alone_still_gets_its_message_and_exit_code(tmp_path: Path, run_cli) -> None:
    """The error types are imported on the way out: a refused import, run as the only command loaded, is still
    'nothing was imported' with its problems and exit code 2; an unknown GWP set is exit code 2 too."""
    bad = write(tmp_path / "bad.csv", PLANT.replace("2013,II.1.1,diesel,100,", "2013,II.1.1,diesel,lots,"))
    code, _, err = run_cli("import", str(bad), "--database", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert code == 2
    assert "Nothing was imported or computed: 1 problem(s)." in err
    assert "bad.csv, row 6, column 'amount'" in err

"""Bad input gets a clear message naming file, row, column and expectation, exit 2, and nothing written."""

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from qala.store.models import ActivityRecord, ImportBatch
from qala.store.seed import open_database

from .conftest import write

HEADER = "year,gpc_ref,activity,amount,unit,source\n"
GOOD = "2022,I.1.1,natural_gas,100,TJ,test\n"


def counts(url: str) -> tuple[int, int]:
    engine = open_database(url)
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(ActivityRecord)).scalar_one(),
            conn.execute(select(func.count()).select_from(ImportBatch)).scalar_one(),
        )


CASES = {
    "negative": (HEADER + "2022,I.1.1,natural_gas,-5,TJ,x\n", ["row 2", "'amount'", "'-5'", ">= 0"]),
    "non_numeric": (HEADER + "2022,I.1.1,natural_gas,lots,TJ,x\n", ["row 2", "'amount'", "'lots'", "a number"]),
    "empty_amount": (HEADER + "2022,I.1.1,natural_gas,,TJ,x\n", ["row 2", "'amount'", "empty"]),
    "unknown_ref": (HEADER + "2022,I.9.9,natural_gas,1,TJ,x\n", ["row 2", "'gpc_ref'", "'I.9.9'", "GPC reference"]),
    "unknown_activity": (HEADER + "2022,I.1.1,moonshine,1,TJ,x\n", ["row 2", "'activity'", "'moonshine'"]),
    "unknown_unit": (HEADER + "2022,I.1.1,natural_gas,1,blorbs,x\n", ["row 2", "'unit'", "'blorbs'", "unknown unit"]),
    "wrong_dimension": (HEADER + "2022,I.1.2,grid_electricity,1,t,x\n", ["row 2", "'unit'", "is a mass", "energy"]),
    "year_out_of_range": (HEADER + "1800,I.1.1,natural_gas,1,TJ,x\n", ["row 2", "'year'", "'1800'", "between"]),
    "wrong_header": ("yr,gpc,activity,amount,unit\n2022,I.1.1,natural_gas,1,TJ\n", ["row 1", "'yr'", "'year'"]),
    "missing_header": ("2022,I.1.1,natural_gas,1,TJ\n", ["row 1", "'year'"]),
    "ragged_row": (HEADER + "2022,I.1.1,natural_gas,1\n", ["row 2", "6 fields"]),
    "ncv_wrong_dimension": (
        "year,gpc_ref,activity,amount,unit,ncv\n2022,I.1.1,other_bituminous_coal,5,t,18.4 GJ/m3\n",
        ["row 2", "'ncv'", "per unit of mass"],
    ),
    "ncv_on_energy": (
        "year,gpc_ref,activity,amount,unit,ncv\n2022,I.1.1,other_bituminous_coal,5,TJ,18.4 GJ/t\n",
        ["row 2", "'ncv'", "mass or volume"],
    ),
    "comma_decimal": (HEADER + '2022,I.1.1,natural_gas,"1,234",TJ,x\n', ["row 2", "point as the decimal separator"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_csv_is_refused_with_a_named_error(case: str, tmp_path: Path, run_cli) -> None:
    text, needles = CASES[case]
    bad = write(tmp_path / f"{case}.csv", text)
    good = write(tmp_path / "good.csv", HEADER + GOOD)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    before = counts(url)
    code, _out, err = run_cli("import", str(good), str(bad), "--database", url)
    assert code == 2, err
    assert f"{case}.csv" in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err
    assert counts(url) == before  # all-or-nothing: the good file was not imported either


def test_every_error_is_reported_at_once(tmp_path: Path, run_cli) -> None:
    bad = write(
        tmp_path / "many.csv",
        HEADER + "2022,I.1.1,natural_gas,-1,TJ,x\n20x2,I.1.1,coal,1,t,x\n2022,I.1.1,natural_gas,1,parsecs,x\n",
    )
    code, _, err = run_cli("import", str(bad), "--dry-run")
    assert code == 2
    assert "row 2" in err and "row 3" in err and "row 4" in err
    assert "3 problem(s)" in err


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("latin1.csv", (HEADER + "2022,I.1.1,natural_gas,1,TJ,Алматы\n").encode("cp1251"), "UTF-8"),
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("only_header.csv", HEADER.encode(), "at least one data row"),
        ("fake.xlsx", b"this is not a workbook", "not one"),
        ("zip.xlsx", b"PK\x03\x04garbage-not-a-zip", "not one"),
        ("binary.csv", b"\x00\x01\x02year\x00", "NUL"),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, run_cli, name: str, content: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run_cli("import", str(path))
    assert code == 2, err
    assert name in err and needle in err, err
    assert "Traceback" not in err


def test_xlsx_errors_name_the_spreadsheet_row(tmp_path: Path, run_cli) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["year", "gpc_ref", "activity", "amount", "unit"])
    ws.append([2022, "I.1.1", "natural_gas", 5, "TJ"])
    ws.append([2022, "I.1.1", "natural_gas", -3, "TJ"])
    path = tmp_path / "w.xlsx"
    wb.save(path)
    code, _, err = run_cli("import", str(path))
    assert code == 2
    assert "w.xlsx, row 3, column 'amount'" in err


def test_missing_file_is_a_clear_error(tmp_path: Path, run_cli) -> None:
    code, _, err = run_cli("import", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "nope.csv" in err and "cannot be read" in err


def test_unknown_city_is_refused(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path / "c.csv", HEADER.strip() + ",city\n" + GOOD.strip() + ",almaty\n")
    code, _, err = run_cli("import", str(path))
    assert code == 2
    assert "'city'" in err and "almaty" in err and "known city" in err


def test_conflicting_figures_in_one_file_are_an_error(tmp_path: Path, run_cli) -> None:
    path = write(tmp_path / "c.csv", HEADER + GOOD + "2022,I.1.1,natural_gas,200,TJ,test\n")
    code, _, err = run_cli("import", str(path))
    assert code == 2
    assert "row 3" in err and "row 2 gives 100 TJ" in err

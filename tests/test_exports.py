"""Exports: GPC table (XLSX), CDP-ICLEI-Track-style table (CSV), IAMC scenarios (CSV), the Frictionless data package,
and spreadsheet formula injection neutralised in every CSV/XLSX export."""

import csv
import io
import json
import zipfile
from pathlib import Path

import frictionless
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from qala.exports.iamc import INDEX, read_iamc
from qala.exports.safe import is_formula_like, safe, unescape

from .conftest import write

# Four figures whose emissions are computed by hand (IPCC 2006 defaults, AR5: CH4 28, N2O 265).
HAND = (
    "year,gpc_ref,activity,amount,unit,source,facility,data_quality,note\n"
    "2023,I.1.1,natural_gas,100,TJ,gas utility,,high,\n"
    "2023,I.2.2,grid_electricity,1000,MWh,power utility,,medium,\n"
    "2023,II.1.1,diesel,100,t,transport department,,low,\n"
    "2023,I.4.4,natural_gas,1000,TJ,operator report,plant_a,high,\n"
)
# I.1.1 residential gas, 100 TJ x (56,100 CO2 + 5 CH4 x 28 + 0.1 N2O x 265) kg/TJ
RESIDENTIAL = 100 * (56_100 + 5 * 28 + 0.1 * 265) / 1000
# I.2.2 grid electricity, 1,000 MWh x 797 g CO2/kWh (IFI 2021 operating margin)
GRID = 1000 * 797 / 1000
# II.1.1 diesel, 100 t x 43 TJ/Gg = 4.3 TJ x (74,100 CO2 + 3.9 CH4 x 28 + 3.9 N2O x 265) kg/TJ
DIESEL = 4.3 * (74_100 + 3.9 * 28 + 3.9 * 265) / 1000
# I.4.4 plant gas (energy industries), 1,000 TJ x (56,100 + 1 x 28 + 0.1 x 265) kg/TJ: territorial only
PLANT = 1000 * (56_100 + 1 * 28 + 0.1 * 265) / 1000
BASIC = RESIDENTIAL + GRID + DIESEL
TERRITORIAL = RESIDENTIAL + DIESEL + PLANT


def _inventory_json(run_cli, *args: str) -> dict:
    code, out, err = run_cli("inventory", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def _sheet(path: Path, name: str) -> list[list[object]]:
    return [list(r) for r in load_workbook(path)[name].iter_rows(values_only=True)]


# --- GPC table ---------------------------------------------------------------------------------
def test_gpc_xlsx_totals_match_the_inventory_and_the_hand_computation(tmp_path: Path, run_cli) -> None:
    f = write(tmp_path / "hand.csv", HAND)
    out = tmp_path / "gpc.xlsx"
    code, _, err = run_cli("export", "gpc", "--activity", str(f), "--output", str(out))
    assert code == 0, err
    inv = _inventory_json(run_cli, "--activity", str(f))
    assert inv["totals"]["basic"] == pytest.approx(BASIC, rel=1e-12)
    assert inv["totals"]["territorial"] == pytest.approx(TERRITORIAL, rel=1e-12)

    totals = {r[0]: r[1] for r in _sheet(out, "Totals")[1:]}
    for name in ("basic", "basic_plus", "territorial"):
        assert totals[name] == pytest.approx(inv["totals"][name], rel=1e-12)
    assert totals["scope 2"] == pytest.approx(GRID)

    table = _sheet(out, "GPC table")
    head = table[0]
    rows = {r[0]: dict(zip(head, r, strict=True)) for r in table[1:]}
    assert rows["I.1.1"]["CO2 (t)"] == pytest.approx(5610.0)
    assert rows["I.1.1"]["Total (t CO2e)"] == pytest.approx(RESIDENTIAL)
    assert rows["I.4.4"]["Total (t CO2e)"] == pytest.approx(PLANT) and rows["I.4.4"]["In BASIC"] == "no"
    assert rows["I.3.1"]["Notation key"] == "NE" and rows["I.3.1"]["CO2 (t)"] == "NE"  # a key where empty
    numeric = [r for r in rows.values() if isinstance(r["Total (t CO2e)"], int | float)]
    assert sum(r["Total (t CO2e)"] for r in numeric if r["In BASIC"] == "yes") == pytest.approx(BASIC)
    assert sum(r["Total (t CO2e)"] for r in numeric if r["Scope"] == 1) == pytest.approx(TERRITORIAL)

    by_scope = _sheet(out, "By scope")
    col = by_scope[0].index("Scope 2 total (t CO2e)")
    assert next(r for r in by_scope if r[0] == "I.2")[col] == pytest.approx(GRID)
    meth = {r[0]: r[1] for r in _sheet(out, "Methodology")[1:]}
    assert meth["GWP-100 CH4"] == 28 and meth["GWP set"].startswith("AR5")


def test_gpc_xlsx_from_the_store_with_another_gwp_set(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "gpc.xlsx"
    code, _, err = run_cli("export", "gpc", "--year", "2024", "--gwp", "AR6", "--output", str(out))
    assert code == 0, err
    inv = _inventory_json(run_cli, "--year", "2024", "--gwp", "AR6")
    totals = {r[0]: r[1] for r in _sheet(out, "Totals")[1:]}
    assert totals["territorial"] == pytest.approx(inv["totals"]["territorial"], rel=1e-12)


# --- CDP-ICLEI-Track-style table ---------------------------------------------------------------
def test_cdp_csv_rereads_and_adds_up(tmp_path: Path, run_cli) -> None:
    f = write(tmp_path / "hand.csv", HAND)
    out = tmp_path / "cdp.csv"
    code, _, err = run_cli("export", "cdp", "--activity", str(f), "--output", str(out))
    assert code == 0, err
    inv = _inventory_json(run_cli, "--activity", str(f))
    table = pl.read_csv(out, infer_schema_length=None)
    subs = table.filter(pl.col("row_type") == "sub_sector")
    total = table.filter(pl.col("row_type") == "total").row(0, named=True)
    assert subs["basic_tco2e"].sum() == pytest.approx(inv["totals"]["basic"], rel=1e-12) == total["basic_tco2e"]
    assert subs["basic_plus_tco2e"].sum() == pytest.approx(inv["totals"]["basic_plus"], rel=1e-12)
    assert subs["scope1_direct_tco2e"].sum() == pytest.approx(inv["totals"]["territorial"], rel=1e-12)
    assert total["scope2_grid_energy_tco2e"] == pytest.approx(inv["by_scope"]["2"])
    rows = {r["sub_sector"]: r for r in subs.iter_rows(named=True)}
    assert rows["I.4.4"]["scope1_direct_tco2e"] == pytest.approx(PLANT) and rows["I.4.4"]["basic_tco2e"] == 0
    assert rows["I.4"]["scope1_notation_key"] == "NE"  # I.4.1 without data; I.4.4 is a row of its own
    assert rows["I.1"]["scope1_direct_tco2e"] == pytest.approx(RESIDENTIAL)
    assert rows["I.1"]["scope2_notation_key"] == "NE" and rows["I.1"]["scope2_grid_energy_tco2e"] is None
    assert "IPCC" in rows["I.1"]["emission_factor_sources"]
    assert set(table["gwp_set"]) == {"AR5"} and set(table["accounting_year"]) == {2023}


# --- IAMC --------------------------------------------------------------------------------------
def test_iamc_matches_the_scenario_json_and_round_trips(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "scen.csv"
    args = ("--draws", "40", "--seed", "7")
    code, _, err = run_cli(
        "export", "iamc", "--scenario", "bau", "--scenario", "low-carbon", *args, "--output", str(out)
    )
    assert code == 0, err
    wide = pl.read_csv(out)
    assert wide.columns[:5] == list(INDEX)
    tidy = read_iamc(out)
    assert set(tidy["region"]) == {"Astana"} and set(tidy["unit"]) == {"kt CO2e/yr"}
    for name in ("bau", "low-carbon"):
        code, text, err = run_cli("scenario", "run", name, *args, "--format", "json")
        assert code == 0, err
        data = json.loads(text)
        mine = tidy.filter(pl.col("scenario") == name)

        def series(variable: str, frame: pl.DataFrame = mine) -> list[float]:
            part = frame.filter(pl.col("variable") == variable).sort("year")
            return part["value"].to_list()

        assert sorted(set(mine["year"])) == data["years"]
        assert series("Emissions|Kyoto Gases") == pytest.approx([v / 1000 for v in data["total"]["mean"]], rel=1e-12)
        assert series("Emissions|Kyoto Gases|p05") == pytest.approx([v / 1000 for v in data["total"]["p05"]])
        assert series("Emissions|Kyoto Gases|p95") == pytest.approx([v / 1000 for v in data["total"]["p95"]])
        stationary = series("Emissions|Kyoto Gases|Stationary Energy")
        assert stationary == pytest.approx([v / 1000 for v in data["by_sector"]["I"]["mean"]], rel=1e-12)
        sectors = mine.filter(pl.col("variable").str.count_matches(r"\|") == 2).filter(
            ~pl.col("variable").str.contains(r"\|p\d\d$")
        )
        summed = sectors.group_by("year").agg(pl.col("value").sum()).sort("year")["value"].to_list()
        assert summed == pytest.approx(series("Emissions|Kyoto Gases"), rel=1e-9)  # sectors add up (means)
    back = tidy.pivot(on="year", index=list(INDEX), values="value")
    assert back.sort("scenario", "variable").equals(wide.sort("scenario", "variable"))


def test_iamc_deterministic_run_has_only_plain_variables(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "det.csv"
    code, _, err = run_cli("export", "iamc", "--scenario", "bau", "--draws", "1", "--output", str(out))
    assert code == 0, err
    variables = set(read_iamc(out)["variable"])
    assert "Emissions|Kyoto Gases" in variables and not any(v.endswith("|p05") for v in variables)


def test_read_iamc_refuses_a_table_that_is_not_iamc() -> None:
    with pytest.raises(ValueError, match="missing column"):
        read_iamc("model,scenario,2030\nm,s,1\n")


# --- data package ------------------------------------------------------------------------------
def _city(run_cli, db: str) -> None:
    code, _, err = run_cli(
        "city", "add", "testgrad", "--name-en", "Testgrad", "--name-ru", "Тестград", "--name-kk", "Тестград",
        "--database", db,
    )  # fmt: skip
    assert code == 0, err


def test_datapackage_validates_and_reimports_to_the_same_inventory(tmp_path: Path, run_cli) -> None:
    first, second = f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}"
    _city(run_cli, first)
    f = write(tmp_path / "hand.csv", HAND)
    code, _, err = run_cli("import", str(f), "--city", "testgrad", "--database", first)
    assert code == 0, err
    folder, zipped = tmp_path / "pkg", tmp_path / "pkg.zip"
    for out in (folder, zipped):
        code, _, err = run_cli("export", "datapackage", "--city", "testgrad", "--database", first, "--output", str(out))
        assert code == 0, err
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert frictionless.validate(zipped).valid
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    names = {r["name"] for r in descriptor["resources"]}
    assert {"activity", "activity_records", "emission_factors", "ncv", "gwp_sets", "units"} <= names
    with zipfile.ZipFile(zipped) as zf:
        assert "data/activity.csv" in zf.namelist()

    records = pl.read_csv(folder / "data" / "activity_records.csv")
    batches = pl.read_csv(folder / "data" / "import_batches.csv")
    assert records.height == 4 and set(records["batch_id"]) == set(batches["batch_id"])
    import hashlib

    assert batches["sha256"][0] == hashlib.sha256(f.read_bytes()).hexdigest()

    _city(run_cli, second)
    code, _, err = run_cli("import", str(folder / "data" / "activity.csv"), "--database", second)
    assert code == 0, err
    before = _inventory_json(run_cli, "--city", "testgrad", "--database", first)
    after = _inventory_json(run_cli, "--city", "testgrad", "--database", second)
    assert after["totals"] == before["totals"] and after["rows"] == before["rows"]
    assert after["totals"]["basic"] == pytest.approx(BASIC)


def test_a_broken_package_does_not_validate(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "pkg"
    code, _, err = run_cli("export", "datapackage", "--output", str(out))
    assert code == 0, err
    data = out / "data" / "activity.csv"
    data.write_text(data.read_text(encoding="utf-8").replace(",I.4.4,", ",X.9.9,", 1), encoding="utf-8")
    report = frictionless.validate(out / "datapackage.json")
    assert not report.valid and "foreign-key" in {e[1] for e in report.flatten(["rowNumber", "type"])}


# --- bad arguments -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("gpc", "--output", "x.csv"), "xlsx"),
        (("cdp", "--output", "x.csv", "--scenario", "bau"), "--scenario"),
        (("iamc", "--output", "x.csv", "--year", "2024"), "--year"),
        (("iamc", "--output", "x.csv", "--scenario", "nope", "--draws", "1"), "nope"),
        (("datapackage", "--output", "no/such/dir/p.zip"), "does not exist"),
        (("pdf", "--output", "x.pdf"), "pdf"),
        (("gpc",), "--output"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, run_cli, monkeypatch, args: tuple[str, ...], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("export", *args)
    assert code == 2 and message in err
    assert not (tmp_path / "x.csv").exists()


# --- formula injection -------------------------------------------------------------------------
def test_safe_cells() -> None:
    assert safe("=1+1") == "'=1+1" and safe("@SUM(A1)") == "'@SUM(A1)" and safe("\t=x") == "'\t=x"
    assert safe("＝HYPERLINK()") == "'＝HYPERLINK()" and safe("  +cmd") == "'  +cmd" and safe("−1+2") == "'−1+2"
    assert safe(-5) == -5 and safe(-2.5) == -2.5 and safe(None) is None and safe("-12.5") == "-12.5"
    assert safe("-1+2") == "'-1+2" and safe("coal") == "coal" and safe("") == ""


DANGEROUS = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "﹦", "\u2212"]
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30)
# inside a text, a line break must stay inside its (quoted) cell, or a formula would start the next row
TEXT_WITH_BREAKS = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), st.sampled_from("\r\n")), max_size=30
)


@given(st.sampled_from(DANGEROUS), TEXT)
def test_safe_never_leaves_a_formula_and_keeps_the_text(first: str, rest: str) -> None:
    value = first + rest
    out = safe(value)
    assert isinstance(out, str) and not is_formula_like(out)
    assert unescape(out) == value


def _cells(tmp_path: Path) -> tuple[list[str], list[tuple[str, object]]]:
    """Text of every CSV cell and (data_type, value) of every XLSX cell that Qala wrote into ``tmp_path``."""
    texts, xlsx = [], []
    for path in sorted(tmp_path.rglob("*")):
        if path.suffix == ".csv" and "in-" not in path.name:
            text = path.read_bytes().decode("utf-8")  # no newline translation: CRs inside cells stay
            texts += [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
        elif path.suffix == ".xlsx":
            for ws in load_workbook(path).worksheets:
                xlsx += [(c.data_type, c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    return texts, xlsx


@pytest.mark.slow
def test_formula_injection_is_neutralised_in_every_export(tmp_path: Path, run_cli) -> None:
    """Nine imports, each read back through five exports (slow: about a minute on two cores). The guard every
    export writes through is checked in the fast suite (``test_safe_cells``, ``test_safe_never_leaves_a_formula…``)."""
    db = f"sqlite:///{tmp_path / 'inj.sqlite3'}"
    counter = iter(range(1, 10_000))

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(DANGEROUS), TEXT_WITH_BREAKS)
    @example("@", "x\r=HYPERLINK(1)")  # a CR inside a text: unquoted, it would start a new row with a formula
    def check(first: str, rest: str) -> None:
        n = next(counter)
        work = tmp_path / f"run{n}"
        work.mkdir()
        payload = first + rest
        buf = io.StringIO()
        w = csv.writer(buf)  # RFC 4180: CRLF, so that a CR or LF inside a text is quoted
        w.writerow(["year", "gpc_ref", "activity", "amount", "unit", "source", "facility", "note"])
        w.writerow([2023, "I.4.4", "natural_gas", n, "TJ", payload, f"{payload}{n}", payload])
        f = work / f"in-{n}.csv"
        f.write_bytes(buf.getvalue().encode("utf-8"))
        code, _, err = run_cli("import", str(f), "--database", db)
        assert code == 0, err
        runs = [
            ("inventory", "--year", "2023", "--format", "csv", "--output", str(work / "inv.csv")),
            ("inventory", "--year", "2023", "--format", "xlsx", "--output", str(work / "inv.xlsx")),
            ("export", "gpc", "--year", "2023", "--output", str(work / "gpc.xlsx")),
            ("export", "cdp", "--year", "2023", "--output", str(work / "cdp.csv")),
            ("export", "datapackage", "--output", str(work / "pkg")),
        ]
        for args in runs:
            code, _, err = run_cli(*args, "--database", db)
            assert code == 0, err
        texts, xlsx = _cells(work)
        assert not [t for t in texts if is_formula_like(t)]
        assert not [v for kind, v in xlsx if kind == "f" or (isinstance(v, str) and is_formula_like(v))]
        # the importer strips surrounding white space, as for every cell
        stored, facility = payload.strip(), f"{payload}{n}".strip()
        shown_csv = {unescape(t) for t in texts}
        assert stored in shown_csv or stored == ""  # source and note in the data package
        assert facility in shown_csv  # the facility in the inventory CSV
        # and in the inventory workbook (XML reads a CR as a line feed: the same visible text)
        assert facility.replace("\r\n", "\n").replace("\r", "\n") in {unescape(v) for _, v in xlsx}

    check()

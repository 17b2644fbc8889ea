"""A large plain CSV file is imported in chunks (``qala.ingest.stream``, ``records.import_stream``): the same
records, notices, problems and row numbers as the whole file read at once, all or nothing. Chunks are made
small here (a few hundred bytes) so that a small file crosses many of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from qala.catalog import load_catalog
from qala.commands.import_cmd import validated_chunks
from qala.ingest import stream
from qala.ingest.problems import ValidationFailed
from qala.ingest.read import ROW, read_table
from qala.ingest.validate import validate_table
from qala.store import bulk, records
from qala.store.models import ImportBatch
from qala.store.records import activity_frame, import_stream, import_tables, record_provenance
from qala.store.seed import open_database

HEADER = "year,gpc_ref,activity,amount,unit,source,facility\n"


def lines(n: int) -> list[str]:
    return [f"2012,I.1.1,natural_gas,{i * 1.5 + 0.1!r},TJ,meter,site-{i}\n" for i in range(n)]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "STREAM_BYTES", 100)
    monkeypatch.setattr(stream, "CHUNK_BYTES", 700)  # about 15 lines


def both_ways(tmp_path: Path, body: list[str]) -> tuple:
    """(stream report or problems, whole-file report or problems, the two engines)."""
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(body))
    sha = stream.streamable(path)
    assert sha is not None
    outcome = []
    engines = []
    for way in ("stream", "whole"):
        engine = open_database(f"sqlite:///{tmp_path / way}.sqlite3")
        engines.append(engine)
        try:
            if way == "stream":
                chunks = validated_chunks(path, sha, "astana")
                outcome.append(import_stream(engine, path.name, sha, chunks, who="t").to_dict())
            else:
                table = validate_table(read_table(path), load_catalog(), "astana")
                outcome.append(import_tables(engine, [table], who="t").to_dict())
        except ValidationFailed as exc:
            outcome.append([str(p) for p in exc.problems])
    return outcome[0], outcome[1], engines


def test_a_streamed_file_gives_the_records_and_notices_of_the_whole_file(tmp_path: Path, small_chunks: None) -> None:
    body = lines(200)
    body.insert(150, body[3])  # an exact duplicate of row 5, far away (another chunk): counted once
    body.insert(40, "\n")  # a blank line: skipped, the row numbers after it still the file's lines
    streamed, whole, (a, b) = both_ways(tmp_path, body)
    assert streamed["files"][0]["new"] == whole["files"][0]["new"] == 200
    assert streamed["files"][0]["rows_read"] == whole["files"][0]["rows_read"] == 201
    assert streamed["files"][0]["duplicates"] == whole["files"][0]["duplicates"]
    assert streamed["files"][0]["duplicates"] == ["big.csv, row 153: exact duplicate of row 5; counted once"]
    assert streamed["files"][0]["sha256"] == whole["files"][0]["sha256"]
    got, want = (activity_frame(e, "astana", 2012).drop("id").sort("facility") for e in (a, b))
    assert got.equals(want)
    rows = [{(r["facility"], r["source_row"]) for r in record_provenance(e, "astana", 2012)} for e in (a, b)]
    assert rows[0] == rows[1]
    assert ("site-100", 103) in rows[0]  # header line 1, site-0 on line 2, blank line 42


def test_more_chunks_than_sqlite_attaches_staging_files(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every chunk large enough for the ADBC staging file (SQLite attaches ten databases at most in one
    transaction): the first chunks are staged, the others bound row by row, and every row is stored."""
    monkeypatch.setattr(bulk, "STAGE_ROWS", 5)
    streamed, whole, (a, b) = both_ways(tmp_path, lines(400))  # about 27 chunks
    assert streamed["files"][0]["new"] == whole["files"][0]["new"] == 400
    got, want = (activity_frame(e, "astana", 2012).drop("id").sort("facility") for e in (a, b))
    assert got.equals(want)


def test_a_second_figure_for_a_key_in_another_chunk_is_the_same_problem(tmp_path: Path, small_chunks: None) -> None:
    body = lines(120)
    body.append(body[2].replace(",3.1,", ",9.0,"))  # site-2 again with another amount, on line 122
    streamed, whole, (a, _) = both_ways(tmp_path, body)
    assert streamed == whole
    assert streamed == [
        "big.csv, row 122, column 'amount': got '9' - one figure per year, gpc_ref, activity and facility: "
        "row 4 gives 3.1 TJ for the same key; give each a distinct facility, sum them, or remove one"
    ]
    with a.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(ImportBatch).where(ImportBatch.file_name == "big.csv")
            ).scalar()
            == 0
        )
    assert activity_frame(a, "astana", 2012).is_empty(), "nothing of the earlier chunks was kept"


def test_problems_in_several_chunks_are_all_reported_with_the_files_row_numbers(
    tmp_path: Path, small_chunks: None
) -> None:
    body = lines(100)
    body[10] = body[10].replace("2012,", "20x2,")
    body[90] = body[90].replace(",TJ,", ",furlongs,")
    streamed, whole, (a, _) = both_ways(tmp_path, body)
    assert streamed == whole
    assert [p.split(" - ")[0] for p in streamed] == [
        "big.csv, row 12, column 'year': got '20x2'",
        "big.csv, row 92, column 'unit': got 'furlongs'",
    ]
    assert activity_frame(a, "astana", 2012).is_empty()


def test_a_file_with_a_quote_or_a_small_file_is_read_whole(tmp_path: Path, small_chunks: None) -> None:
    quoted = tmp_path / "q.csv"
    quoted.write_text(HEADER + '2012,I.1.1,natural_gas,1,TJ,"a, b",x\n' * 20)
    assert stream.streamable(quoted) is None
    plain = tmp_path / "p.csv"
    plain.write_text(HEADER + "2012,I.1.1,coal,1,t\n")
    assert plain.stat().st_size <= stream.STREAM_BYTES
    assert stream.streamable(plain) is None
    lone_cr = tmp_path / "cr.csv"
    lone_cr.write_bytes((HEADER + "".join(lines(5))).replace("\n", "\r").encode())
    assert stream.streamable(lone_cr) is None


def test_the_stream_threshold_and_the_chunk_size_are_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    text = HEADER + "".join(lines(300))
    path.write_text(text)
    assert stream.streamable(path) is None  # ~20 kB: under the default 64 MiB
    monkeypatch.setenv("QALA_IMPORT_STREAM_MB", "0.01")  # 10,485 bytes
    monkeypatch.setenv("QALA_IMPORT_CHUNK_MB", "0.002")  # 2,097 bytes read for a chunk
    assert stream.stream_bytes() == 10_485 and stream.chunk_bytes() == 2_097
    sha = stream.streamable(path)
    assert sha is not None
    chunks = list(stream.csv_chunks(path, path.name, sha))
    body = text.encode().split(b"\n", 1)[1]
    assert len(chunks) == -(-len(body) // 2_097)  # each read ends a chunk at its last whole line
    rows = [r for c in chunks for r in c.table.cells[ROW].to_list()]  # type: ignore[union-attr]
    assert rows == list(range(2, 302))  # the file's line numbers, header on line 1
    for wrong in ("0", "-1", "x", "nan", "inf", ""):
        monkeypatch.setenv("QALA_IMPORT_CHUNK_MB", wrong)
        assert stream.chunk_bytes() == stream.CHUNK_BYTES == 12 * 2**20


@pytest.mark.parametrize("cache", [True, False], ids=["held figures read once", "read again for each chunk"])
def test_a_stream_over_held_figures_supersedes_and_counts_them_as_the_whole_file_does(
    tmp_path: Path, small_chunks: None, cache: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that already holds figures of the file's keys, in two years: the streamed file's rows that
    change one supersede it, those that repeat it are duplicates of it, the others are new — in every chunk,
    with the same notices (record numbers too) and the same current figures as the whole file read at once.
    The figures held before are read once for the whole stream, or (in a store too large for that) again
    for each chunk."""
    if not cache:
        monkeypatch.setattr(records, "HELD_CACHE_ROWS", 0)
    held = tmp_path / "held.csv"
    held.write_text(HEADER + "".join(lines(60)) + "".join(x.replace("2012,", "2013,") for x in lines(30)))
    body = lines(120)
    for i in range(0, 60, 7):  # a changed figure for every seventh held key, across the chunks
        body[i] = body[i].replace(f",{i * 1.5 + 0.1!r},", f",{i * 1.5 + 7.25!r},")
    body += [x.replace("2012,", "2013,") for x in lines(40)]  # 2013: 30 held again, 10 new
    body[130] = body[130].replace(",TJ,", ",GJ,")  # a held 2013 figure in another unit: supersedes it
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(body))
    sha = stream.streamable(path)
    assert sha is not None
    reports, current = [], []
    for way in ("stream", "whole"):
        engine = open_database(f"sqlite:///{tmp_path / way}.sqlite3")
        import_tables(engine, [validate_table(read_table(held), load_catalog(), "astana")], who="t")
        if way == "stream":
            report = import_stream(engine, path.name, sha, validated_chunks(path, sha, "astana"), who="t")
        else:
            report = import_tables(engine, [validate_table(read_table(path), load_catalog(), "astana")], who="t")
        reports.append(report.to_dict()["files"][0])
        current.append([activity_frame(engine, "astana", y).drop("id").sort("facility") for y in (2012, 2013)])
        engine.dispose()
    streamed, whole = reports
    assert streamed["superseded"] == whole["superseded"] and len(streamed["superseded"]) == 10
    assert streamed["duplicates"] == whole["duplicates"] and len(streamed["duplicates"]) == 60 - 9 + 29
    assert (streamed["new"], streamed["superseding"]) == (whole["new"], whole["superseding"]) == (70, 10)
    assert all(a.equals(b) for a, b in zip(*current, strict=True))
    assert current[0][0].filter(facility="site-7")["amount"].item() == 7 * 1.5 + 7.25

"""``qala documents``: import strategic-document texts, list them, search them, find repeated paragraphs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from qala.commands.common import DatabaseOpt, TableOrJson, console, current_user, print_json
from qala.documents.duplicates import find_duplicates
from qala.documents.read import MAX_DOCUMENT_BYTES, DocumentError
from qala.documents.search import search
from qala.store import documents as store
from qala.store.seed import open_database

app = typer.Typer(
    help="Strategic-document texts (kk/ru/en): import, list, full-text search, repeated paragraphs.",
    no_args_is_help=True,
)
Format = Annotated[TableOrJson, typer.Option("--format", help="Output format.")]


def _where(code: str, lang: str, part: int) -> str:
    return f"{code} [{lang}]" + (f" part {part}" if part > 1 else "")


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Text files (.txt UTF-8, .html/.htm, .pdf), in order.")],
    code: Annotated[str, typer.Option("--code", help="Document code, e.g. kz_ndc_2023.")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the text: kk, ru or en.")],
    title: Annotated[str, typer.Option("--title", help="Title of the document.")],
    year: Annotated[int | None, typer.Option("--year", help="Year of the document.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Where the text comes from (URL, act).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="strategy, law, plan, announcement, ...")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Who imports (default: QALA_USER).")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Import document texts: several files become the parts of one document. All or nothing."""
    meta = store.DocumentMeta(code=code, lang=lang, title=title, year=year, source=source, kind=kind)
    try:
        meta.check()
        read = []
        for path in files:
            if not path.is_file():
                raise DocumentError(f"{path}: no such file")
            if path.stat().st_size > MAX_DOCUMENT_BYTES:  # refused before it is read into memory
                raise DocumentError(f"{path}: a file of at most {MAX_DOCUMENT_BYTES // 2**20} MiB")
            read.append(store.read_file(path.name, path.read_bytes()))
        outcomes = store.import_documents(open_database(database), read, meta, current_user(user))
    except DocumentError as exc:
        raise DocumentError(f"{exc}; nothing was imported") from exc
    for o in outcomes:
        where = _where(o.code, o.lang, o.part)
        if o.imported:
            console.print(
                f"Imported {o.name} as {where}: {o.paragraphs} paragraph(s), SHA-256 {o.sha256[:12]}",
                highlight=False,
                markup=False,
            )
        else:
            console.print(
                f"Already imported: {o.name} is {where} (same SHA-256 {o.sha256[:12]}); nothing added",
                highlight=False,
                markup=False,
            )


@app.command("list")
def list_command(fmt: Format = TableOrJson.table, database: DatabaseOpt = None) -> None:
    """The document texts in the database."""
    docs = store.list_documents(open_database(database))
    if fmt is TableOrJson.json:
        print_json(docs)
        return
    t = Table(title=f"Document texts ({len(docs)})")
    for col in ("Code", "Lang", "Part", "Title", "Kind", "Year", "¶", "File", "SHA-256", "Imported"):
        t.add_column(col, overflow="fold")
    for d in docs:
        t.add_row(
            d["code"],
            d["lang"],
            str(d["part"]),
            d["title"],
            d["kind"] or "",
            str(d["year"] or ""),
            str(d["paragraphs"]),
            d["file_name"],
            d["sha256"][:12],
            f"{d['imported_by']}, {str(d['imported_at'])[:16]}",
        )
    console.print(t)


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Words to find (all must match, in any inflection).")],
    lang: Annotated[
        str | None, typer.Option("--lang", help="Stem the query as kk, ru or en (default: from its letters).")
    ] = None,
    code: Annotated[str | None, typer.Option("--code", help="Only this document.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many paragraphs.")] = 20,
    fmt: Format = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Full-text search of the paragraphs, through the database's own engine."""
    hits = search(open_database(database), query, lang, code=code, limit=limit)
    if fmt is TableOrJson.json:
        print_json(
            [
                {
                    "code": h.code,
                    "lang": h.lang,
                    "part": h.part,
                    "paragraph": h.position,
                    "title": h.title,
                    "snippet": h.snippet,
                    "matches": [h.snippet[a:b] for a, b in h.spans],
                }
                for h in hits
            ]
        )
        return
    if not hits:
        console.print(f"No paragraph holds every word of “{query}”.", highlight=False, markup=False)
        return
    for h in hits:
        console.print(Text(f"{_where(h.code, h.lang, h.part)} ¶{h.position} — {h.title}", style="bold"))
        snip = Text(h.snippet)
        for a, b in h.spans:
            snip.stylize("bold yellow", a, b)
        console.print(Text("  ").append(snip))
    console.print(f"{len(hits)} paragraph(s).")


@app.command("duplicates")
def duplicates_command(
    min_chars: Annotated[int, typer.Option("--min-chars", help="Only paragraphs at least this long.")] = 80,
    code: Annotated[str | None, typer.Option("--code", help="Only repeats involving this document.")] = None,
    fmt: Format = TableOrJson.table,
    database: DatabaseOpt = None,
) -> None:
    """Paragraphs repeated verbatim (whitespace and case aside) within a document or across documents."""
    groups = find_duplicates(open_database(database), min_chars, code)
    if fmt is TableOrJson.json:
        print_json(
            [
                {
                    "text": g.text,
                    "chars": g.chars,
                    "scope": g.scope,
                    "occurrences": [
                        {"code": o.code, "lang": o.lang, "part": o.part, "paragraph": o.position} for o in g.occurrences
                    ],
                }
                for g in groups
            ]
        )
        return
    if not groups:
        console.print(f"No paragraph of {min_chars} characters or more is repeated.")
        return
    for i, g in enumerate(groups, start=1):
        places = "; ".join(f"{_where(o.code, o.lang, o.part)} ¶{o.position}" for o in g.occurrences)
        console.print(Text(f"{i}. {len(g.occurrences)}× ({g.scope}): {places}", style="bold"))
        shown = g.text if len(g.text) <= 200 else g.text[:200].rsplit(" ", 1)[0] + " …"
        console.print(Text(f"   {shown}"))
    console.print(f"{len(groups)} repeated paragraph(s) of {min_chars} characters or more.")

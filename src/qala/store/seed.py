"""Open a database: create it, migrate it, and load the bundled cities the first time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from qala.catalog import load_catalog
from qala.cities import BUNDLED, bundled
from qala.ingest.read import parse_bytes
from qala.ingest.validate import validate_table
from qala.store import db
from qala.store.documents import seed_documents_once
from qala.store.models import City, Meta, NotationKeyRecord
from qala.store.records import import_into

SEEDED_BY = "qala (bundled city data)"


def seed_roadmap_once(engine: Engine, code: str) -> bool:
    """Load a bundled city's roadmap once per database (databases seeded before it get it too)."""
    from qala.roadmap.load import load_yaml  # noqa: PLC0415
    from qala.store.roadmap import seed_roadmap  # noqa: PLC0415

    pkg = bundled(code)
    path = pkg.folder.joinpath("roadmap.yaml")
    marker = f"seed.{code}.roadmap"
    if not path.is_file():
        return False
    with engine.connect() as conn:
        if conn.execute(select(Meta.value).where(Meta.key == marker)).first():
            return False
    roadmap = load_yaml(path.read_text(encoding="utf-8"), f"qala/cities/{code}/roadmap.yaml")
    try:
        with engine.begin() as conn:
            conn.execute(insert(Meta).values(key=marker, value=datetime.now(UTC).isoformat()))
            seed_roadmap(conn, roadmap, SEEDED_BY)
    except IntegrityError:
        return False
    return True


def open_database(url: str | None = None, *, seed: bool = True) -> Engine:
    engine = db.create(db.database_url(url))
    try:
        db.migrate(engine)
    except Exception as exc:
        raise db.DatabaseError(f"cannot open or migrate the database: {exc}") from exc
    if seed:
        for code in BUNDLED:
            seed_city(engine, code)
            seed_roadmap_once(engine, code)
            seed_documents_once(engine, code)
            publish_baseline_once(engine, code)
    return engine


BASELINE_NOTE = "bundled baseline"


def publish_baseline_once(engine: Engine, code: str) -> bool:
    """Publish a bundled city's years with data as version 1 ("bundled baseline"), once per database.

    The public pages show published versions only: without this a fresh database would show no figures
    until an editor publishes. A database that already has a publication of the city is left alone.
    """
    from qala.store import publications, records  # noqa: PLC0415

    marker = f"seed.{code}.published"
    with engine.connect() as conn:
        if conn.execute(select(Meta.value).where(Meta.key == marker)).first():
            return False
    try:
        with engine.begin() as conn:
            conn.execute(insert(Meta).values(key=marker, value=datetime.now(UTC).isoformat()))
    except IntegrityError:
        return False
    if publications.published_years(engine, code):
        return False
    for year in records.years_with_data(engine, code):
        publications.publish(engine, code, year, BASELINE_NOTE, SEEDED_BY)
    return True


def seed_city(engine: Engine, code: str) -> bool:
    """Load a bundled city once per database; return True when it was loaded now."""
    marker = f"seed.{code}"
    with engine.connect() as conn:
        if conn.execute(select(Meta.value).where(Meta.key == marker)).first():
            return False
    pkg = bundled(code)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Meta).values(key=marker, value=now.isoformat()))
            if not conn.execute(select(City.code).where(City.code == pkg.code)).first():
                conn.execute(
                    insert(City).values(
                        code=pkg.code,
                        country=pkg.country,
                        created_at=now,
                        **{f"name_{k}": v for k, v in pkg.names.items()},
                    )
                )
            rel = f"qala/cities/{code}/notation_keys.csv"
            for row in pkg.notation_keys():
                conn.execute(
                    insert(NotationKeyRecord).values(
                        city_code=pkg.code,
                        year=int(row["year"]),
                        gpc_ref=row["gpc_ref"],
                        key=row["key"],
                        explanation=row["explanation"],
                        source_file=rel,
                    )
                )
            if pkg.activity_file.is_file():
                table = parse_bytes(pkg.activity_file.read_bytes(), f"qala/cities/{code}/activity.csv")
                validated = validate_table(table, load_catalog(), default_city=pkg.code)
                import_into(conn, [validated], who=SEEDED_BY, now=now)
            _seed_estimates(conn, code, now)
    except IntegrityError:
        return False  # another process seeded it at the same moment
    return True


def _seed_estimates(conn, code: str, now: datetime) -> None:
    """A bundled city's estimates, written with its reported figures (they step aside where those exist)."""
    from qala.services.estimates import bundled_spec, compute, keep_spec  # noqa: PLC0415 - services import the store
    from qala.store.estimates import apply_estimates  # noqa: PLC0415

    source = bundled_spec(code)
    if source is None:
        return
    _spec, estimates = compute(source, code)
    apply_estimates(conn, code, estimates, who=SEEDED_BY, label=f"qala estimate ({source.name})", now=now)
    keep_spec(conn, code, source, SEEDED_BY)


def add_city(engine: Engine, code: str, names: dict[str, str], country: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(City).values(
                code=code, country=country, created_at=datetime.now(UTC), **{f"name_{k}": v for k, v in names.items()}
            )
        )

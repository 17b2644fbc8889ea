"""Make a worker process ready for reports before the first one is asked for (``qala.jobs.pool.PRELOAD``).

Only what does not depend on the city's data is prepared: the modules, the unit registries (pint takes a
third of a second per registry), the catalog, the bundled model and indicators, the report's templates and
matplotlib's fonts. A report asked for after a new publication is then "cold" only in its data.
"""

from __future__ import annotations

import contextlib


def warm(city: str | None = None) -> None:
    from qala.assessment import units as indicator_units  # noqa: PLC0415
    from qala.catalog import load_catalog  # noqa: PLC0415
    from qala.catalog.units import registry  # noqa: PLC0415
    from qala.cities import DEFAULT_CITY  # noqa: PLC0415
    from qala.report import charts, html  # noqa: PLC0415
    from qala.services import assessment, scenario  # noqa: PLC0415

    city = city or DEFAULT_CITY
    registry()
    indicator_units.known("")
    load_catalog()
    with contextlib.suppress(Exception):  # a city without a model or indicators has nothing to prepare
        scenario.resolve("bau", city)
    with contextlib.suppress(Exception):
        assessment.city_indicators(city)
        assessment.city_documents(city)
    html.environment().get_template("report.html")
    fig = charts._figure(1, 1)
    charts._axes(fig).plot([0, 1], [0, 1], label="Қала")
    charts.to_svg(fig, "warm")

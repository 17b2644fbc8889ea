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
        model, _ = scenario.resolve("bau", city)
        scenario._prepared(model, None)  # the bundled model compiled for the catalog (no data of the city's)
    with contextlib.suppress(Exception):
        assessment.city_indicators(city)
        assessment.city_documents(city)
    from qala.catalog import labels as data_labels  # noqa: PLC0415
    from qala.web import i18n  # noqa: PLC0415

    for lang in i18n.LANGS:  # the catalogs compiled and Babel's locale data loaded, as the report needs them
        i18n.translations(lang)
        i18n.number(1234.5, lang, 1)
        i18n.percent(0.5, lang)
        i18n.when("2024-01-01T00:00", lang)
    data_labels.table()
    data_labels.texts()
    html.environment().get_template("report.html")
    fig = charts._figure(1, 1)
    charts._axes(fig).plot([0, 1], [0, 1], label="Қала")
    charts.to_svg(fig, "warm")

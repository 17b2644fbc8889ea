"""Gap filling between and around published figures (IPCC 2006 Vol. 1 Ch. 5, time-series consistency).

- ``interpolate``: linear between two published figures of the same quantity (5.3.3.3);
- ``surrogate``: a published figure of one year carried to another year in proportion to a surrogate
  series that drives it (5.3.3.2, Eq. 5.2: y0 = yt x (s0 / st)).
"""

from __future__ import annotations

from qala.estimate.model import Estimate, EstimateError, Input, fmt
from qala.estimate.series import Series


def interpolate(
    *,
    cell: str,
    activity: str,
    unit: str,
    anchors: dict[int, Input],
    years: list[int],
    facility: str | None = None,
    label: str = "",
) -> list[Estimate]:
    """A figure for each year strictly between two anchors (the anchors' own years are the published figures)."""
    series = Series(activity, unit, anchors, "linear")
    out = []
    for year in years:
        if year in anchors:
            raise EstimateError([f"{label or cell}: {year} has a published figure; interpolate only between anchors"])
        value, used, how = series.at(year)
        out.append(
            Estimate(
                year,
                cell,
                activity,
                value,
                unit,
                "interpolate",
                used,
                f"{activity} {year} = {how} {unit}",
                facility=facility,
                label=label,
            )
        )
    return out


def surrogate(
    *,
    cell: str,
    activity: str,
    unit: str,
    anchor: Input,
    proxy: Series,
    years: list[int],
    facility: str | None = None,
    label: str = "",
) -> list[Estimate]:
    """value(y) = anchor x proxy(y) / proxy(anchor year)."""
    if not isinstance(anchor.year, int):
        raise EstimateError([f"{label or cell}: the anchor '{anchor.name}' needs a calendar year"])
    base, base_inputs, base_how = proxy.at(anchor.year)
    if base <= 0:
        raise EstimateError([f"{label or cell}: the surrogate '{proxy.name}' is 0 in the anchor year {anchor.year}"])
    out = []
    for year in years:
        value, used, how = proxy.at(year)
        amount = anchor.value * value / base
        text = (
            f"{activity} {year} = {fmt(anchor.value)} {anchor.unit} ({anchor.year}) x {proxy.name} {year} {how}"
            f" / {proxy.name} {anchor.year} {base_how} = {fmt(amount)} {unit}"
        )
        out.append(
            Estimate(
                year,
                cell,
                activity,
                amount,
                unit,
                "surrogate",
                (anchor, *base_inputs, *used),
                text,
                facility=facility,
                label=label,
            )
        )
    return out

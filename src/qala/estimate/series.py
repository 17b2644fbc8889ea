"""A city's or a country's series (population, vehicles, product): sourced points and a declared fill rule."""

from __future__ import annotations

from dataclasses import dataclass

from qala.estimate.model import EstimateError, Input, fmt

FILLS = ("linear", "linear_hold_ends", "none")


@dataclass(frozen=True)
class Series:
    """Points by year; between two points a value is filled by the declared rule (linear: IPCC 2006 Vol. 1
    Ch. 5, 5.3.3.3 interpolation). Outside the points there is no value, unless the series declares
    ``linear_hold_ends`` (the first and last values held, e.g. a per-person rate carried back in time)."""

    name: str
    unit: str
    points: dict[int, Input]
    fill: str = "linear"

    def __post_init__(self) -> None:
        problems = []
        if self.fill not in FILLS:
            problems.append(f"series '{self.name}': fill '{self.fill}' is not one of {', '.join(FILLS)}")
        if not self.points:
            problems.append(f"series '{self.name}' has no points")
        for year, p in self.points.items():
            if p.value < 0:
                problems.append(
                    f"series '{self.name}' {year}: a negative value ({fmt(p.value)} {p.unit}) is not possible"
                )
        if problems:
            raise EstimateError(problems)

    @property
    def years(self) -> tuple[int, int]:
        return min(self.points), max(self.points)

    def at(self, year: int) -> tuple[float, tuple[Input, ...], str]:
        """The value in ``year``, the inputs it rests on and how it was found (for the arithmetic text)."""
        if year in self.points:
            p = self.points[year]
            return p.value, (p,), fmt(p.value)
        lo, hi = self.years
        if self.fill == "linear_hold_ends" and not lo <= year <= hi:
            end = self.points[lo if year < lo else hi]
            return (
                end.value,
                (end,),
                f"{fmt(end.value)} (the {lo if year < lo else hi} value held, by the declared rule)",
            )
        if self.fill == "none" or not lo < year < hi:
            raise EstimateError(
                [
                    f"series '{self.name}' has no value for {year}: it covers {lo}–{hi}"
                    + (" (fill: none)" if self.fill == "none" else "")
                ]
            )
        before = max(y for y in self.points if y < year)
        after = min(y for y in self.points if y > year)
        a, b = self.points[before], self.points[after]
        value = a.value + (b.value - a.value) * (year - before) / (after - before)
        how = f"{fmt(value)} (linear between {before}: {fmt(a.value)} and {after}: {fmt(b.value)})"
        return value, (a, b), how

    def covers(self, year: int) -> bool:
        lo, hi = self.years
        if self.fill == "linear_hold_ends":
            return True
        return year in self.points or (self.fill == "linear" and lo < year < hi)

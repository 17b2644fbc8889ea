"""Scenario runs reduced where the draws are computed: each chunk becomes mergeable statistics.

A chunk's (draws x years) arrays of every basis and sector are summarised on the spot (``chunk_stats``):
sums and sums of squares per year, exact minimum and maximum, and histograms on fixed bins
(``qala.scenario.sketch``); each target's draws that meet it are counted, and its limit and gap are
summarised in its year. The summaries of a run's chunks merge into one (counts add exactly; sums add in a
fixed order), so a Dask worker sends back a few hundred kilobytes whatever the number of draws, and
the client never holds the draws.

The result (:class:`ScenarioSummary`) gives the JSON of DESIGN.md §5 like
:class:`qala.scenario.run.ScenarioResult`: the means and ``p_met`` as from the draws themselves (p_met
is a count), the quantiles within 2^-11 (0.05 %) of numpy's (see ``sketch``), identical for any chunking and any
number of workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qala.scenario.chunks import Batch, ChunkJob, Runner, chunk_bounds, serial
from qala.scenario.engine import SECTORS, BaseYear, Chunk, Prepared, flow_mask
from qala.scenario.run import MILESTONES, QUANTILES, removals_dict
from qala.scenario.sketch import ColumnStats
from qala.scenario.spec import BASES
from qala.scenario.targets import target_limit

CHUNK = 5000  # draws per chunk: the chunking changes no quantile and a mean only in its last bits
_QS = list(QUANTILES.values())


def series_names() -> tuple[str, ...]:
    """The series a run is summarised by: each basis's total and sectors (the population, which no part of the
    JSON shows, is not summarised: per-capita targets read it where the chunk is computed)."""
    return tuple([f"total:{b}" for b in BASES] + [f"sector:{b}:{s}" for b in BASES for s in SECTORS])


def distinct_series(prep: Prepared) -> tuple[int, ...]:
    """For each series of :func:`series_names`, the first series that is the same array.

    Two sectors made of the same flows (the same row of the model's flow mask) are the same numbers on
    every draw, and so are two totals made of the same sectors: they are summarised once. This depends
    on the model only, so every chunk of a run is summarised the same way and the summaries merge.
    """
    mask = flow_mask(prep)  # (bases x sectors, flows)
    rows = [tuple(r) for r in mask]
    keys: list[object] = [("total", tuple(rows[b * len(SECTORS) : (b + 1) * len(SECTORS)])) for b in range(len(BASES))]
    keys += [("sector", r) for r in rows]
    first: dict[object, int] = {}
    return tuple(first.setdefault(k, i) for i, k in enumerate(keys))


@dataclass(frozen=True)
class ScenarioStats:
    """The mergeable summary of some draws of one scenario."""

    names: tuple[str, ...]  # series, each with one column per year, series after series
    same_as: tuple[int, ...]  # for each series, the series whose statistics it shares (itself if distinct)
    years: int
    series: ColumnStats  # the distinct series only, in order
    met: np.ndarray  # (targets,) draws that meet each target
    target: ColumnStats  # two columns per target: its limit and its gap (total - limit) in its year
    flow_sums: dict[str, np.ndarray]
    amount_sums: dict[str, np.ndarray]

    def merge(self, other: ScenarioStats) -> ScenarioStats:
        return ScenarioStats(
            self.names,
            self.same_as,
            self.years,
            self.series.merge(other.series),
            self.met + other.met,
            self.target.merge(other.target),
            {k: v + other.flow_sums[k] for k, v in self.flow_sums.items()},
            {k: v + other.amount_sums[k] for k, v in self.amount_sums.items()},
        )

    def of(self, name: str) -> ColumnStats:
        distinct = sorted(set(self.same_as))
        i = distinct.index(self.same_as[self.names.index(name)])
        return self.series.take(np.arange(i * self.years, (i + 1) * self.years))

    @property
    def nbytes(self) -> int:
        sums = sum(v.nbytes for v in (*self.flow_sums.values(), *self.amount_sums.values()))
        return self.series.nbytes + self.target.nbytes + self.met.nbytes + sums


def chunk_stats(prep: Prepared, scenario: str, base: BaseYear, chunk: Chunk) -> ScenarioStats:
    """A chunk's draws summarised (this runs where the chunk was computed)."""
    model = prep.model
    arrays = [chunk.totals[b] for b in BASES] + [chunk.sectors[b][s] for b in BASES for s in SECTORS]
    same_as = distinct_series(prep)
    met, target_cols = [], []
    for t in model.targets:
        yi = model.years.index(t.year)
        lim = target_limit(t, model.base_year, base.totals[t.basis], chunk.population, yi)
        total = chunk.counted(t.basis, t.emissions)[:, yi]
        limit = np.broadcast_to(np.asarray(lim.limit, dtype=float), total.shape)
        met.append(int(np.count_nonzero(total <= limit)))
        target_cols += [limit, total - limit]
    n = chunk.stop - chunk.start
    target = np.column_stack(target_cols) if target_cols else np.zeros((n, 0))
    distinct = [np.asarray(a, dtype=float) for i, a in enumerate(arrays) if same_as[i] == i]
    return ScenarioStats(
        series_names(),
        same_as,
        len(model.years),
        ColumnStats.of(np.concatenate(distinct, axis=1)),
        np.array(met, dtype=np.int64),
        ColumnStats.of(target),
        chunk.flow_sums,
        chunk.amount_sums,
    )


def merge_stats(a: ScenarioStats, b: ScenarioStats) -> ScenarioStats:
    return a.merge(b)


@dataclass(frozen=True)
class ScenarioSummary:
    """A scenario's results from its merged statistics: the JSON of DESIGN.md §5, no draws kept."""

    scenario: str
    city: str
    years: list[int]
    draws: int
    seed: int
    basis: str
    stats: ScenarioStats
    base: BaseYear
    prep: Prepared

    def summary(self, name: str) -> dict[str, list[float]]:
        s = self.stats.of(name)
        out = {"mean": s.mean.tolist()}
        out.update({k: q.tolist() for k, q in zip(QUANTILES, s.quantiles(_QS), strict=True)})
        return out

    @property
    def flow_means(self) -> dict[str, np.ndarray]:
        return {k: v / self.draws for k, v in self.stats.flow_sums.items()}

    @property
    def amount_means(self) -> dict[str, np.ndarray]:
        return {k: v / self.draws for k, v in self.stats.amount_sums.items()}

    def targets(self) -> list[dict[str, Any]]:
        out = []
        model = self.prep.model
        medians = self.stats.target.quantiles([0.5])[0]
        for i, t in enumerate(model.targets):
            lim = target_limit(t, model.base_year, self.base.totals[t.basis], np.zeros((1, len(self.years))), 0)
            out.append(
                {
                    "name": t.name,
                    "label": t.label,
                    "kind": t.kind,
                    "basis": t.basis,
                    "emissions": t.emissions,
                    "year": t.year,
                    "limit_tco2e": float(medians[2 * i]),
                    "p_met": int(self.stats.met[i]) / self.draws,
                    "gap_p50_tco2e": float(medians[2 * i + 1]),
                    "method": lim.method,
                    "source": t.source,
                }
            )
        return out

    def base_year_check(self) -> dict[str, dict[str, float | None]]:
        inv = self.base.by_basis.get(self.basis, {})
        return {
            s: {"model_p50": self.summary(f"sector:{self.basis}:{s}")["p50"][0], "inventory": inv.get(s)}
            for s in SECTORS
        }

    def milestones(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """As :meth:`ScenarioResult.milestones`, from the merged summaries (quantiles within the sketch's bound)."""
        out: dict[str, dict[str, dict[str, float | None]]] = {}
        for year in MILESTONES:
            if year not in self.years:
                continue
            i = self.years.index(year)
            out[str(year)] = {}
            for basis in BASES:
                s = self.summary(f"total:{basis}")
                base = s["p50"][0]
                out[str(year)][basis] = {
                    "p05": s["p05"][i],
                    "p50": s["p50"][i],
                    "p95": s["p95"][i],
                    "change_from_base_year": s["p50"][i] / base - 1 if base else None,
                }
        return out

    def to_dict(self) -> dict[str, Any]:
        model = self.prep.model
        return {
            "scenario": self.scenario,
            "city": self.city,
            "unit": "t CO2e",
            "draws": self.draws,
            "seed": self.seed,
            "basis": self.basis,
            "model": model.model,
            "base_year": model.base_year,
            "years": self.years,
            "total": self.summary(f"total:{self.basis}"),
            "by_sector": {s: self.summary(f"sector:{self.basis}:{s}") for s in SECTORS},
            "by_basis": {b: self.summary(f"total:{b}") for b in BASES},
            "targets": self.targets(),
            "measures": list(model.scenarios[self.scenario].measures),
            "base_year_check": self.base_year_check(),
            "milestones": self.milestones(),
            "flows_mean": {k: v.tolist() for k, v in self.flow_means.items()},
            "removals": removals_dict(model, self.flow_means),
            "gwp": self.prep.gwp_code,
        }


def reduced_batch(
    prep: Prepared, scenario: str, base: BaseYear, *, draws: int, seed: int, chunk_size: int = CHUNK
) -> Batch:
    """The jobs of one run, each reduced where it runs and all merged into one summary."""
    if scenario not in prep.model.scenarios:
        raise KeyError(f"unknown scenario '{scenario}'; the model has {', '.join(prep.model.scenarios)}")
    jobs = tuple(ChunkJob(a, b, seed, draws == 1) for a, b in chunk_bounds(draws, chunk_size))
    return Batch(prep, scenario, base, jobs, reduce=chunk_stats, merge=merge_stats)


def summarise(prep: Prepared, scenario: str, base: BaseYear, stats: ScenarioStats, seed: int) -> ScenarioSummary:
    model = prep.model
    return ScenarioSummary(scenario, model.city, model.years, stats.series.n, seed, model.basis, stats, base, prep)


def run_reduced(
    prep: Prepared,
    scenario: str,
    base: BaseYear,
    *,
    draws: int,
    seed: int,
    chunk_size: int = CHUNK,
    on_chunk: Callable[[int], None] | None = None,
    runner: Runner = serial,
) -> ScenarioSummary:
    """All draws in chunks, each summarised where it is computed; only the merged summary comes back."""
    batch = reduced_batch(prep, scenario, base, draws=draws, seed=seed, chunk_size=chunk_size)
    (stats,) = runner([batch], on_chunk)[0]
    return summarise(prep, scenario, base, stats, seed)

"""A figure derived by declared arithmetic from sourced inputs (e.g. a heating season's output brought to a
calendar year by the ratio of the coal burnt in each). Units are checked with pint: the result must have the
dimension of the figure's unit."""

from __future__ import annotations

import pint

from qala.catalog.units import pint_expression, registry
from qala.estimate.model import Estimate, EstimateError, Input, fmt, quantity
from qala.estimate.series import Series
from qala.scenario.formula import FormulaError, compile_formula


def derive(
    *,
    cell: str,
    activity: str,
    unit: str,
    expression: str,
    inputs: dict[str, Input | Series],
    years: list[int],
    facility: str | None = None,
    label: str = "",
) -> list[Estimate]:
    where = label or cell
    try:
        formula = compile_formula(expression)
    except FormulaError as exc:
        raise EstimateError([f"{where}: formula '{expression}': {exc}"]) from exc
    missing = sorted(formula.names - set(inputs))
    if missing:
        raise EstimateError([f"{where}: formula '{expression}' uses {', '.join(missing)}, which no input names"])
    ureg = registry()
    try:
        target = ureg.parse_expression(pint_expression(unit))
    except (pint.errors.PintError, ValueError) as exc:
        raise EstimateError([f"{where}: unit '{unit}' is not a unit pint knows: {exc}"]) from exc
    out = []
    for year in years:
        values: dict[str, pint.Quantity] = {}
        used: list[Input] = []
        shown = expression
        for name in sorted(formula.names):
            src = inputs[name]
            if isinstance(src, Series):
                value, ins, _ = src.at(year)
                values[name] = value * ureg.parse_expression(pint_expression(src.unit))
                used.extend(ins)
            else:
                values[name] = quantity(src)
                used.append(src)
        try:
            result = formula(values)
            amount = float(result.to(target.units).magnitude) if isinstance(result, pint.Quantity) else float(result)
        except pint.errors.DimensionalityError as exc:
            raise EstimateError([f"{where}: formula '{expression}' gives {exc.units1}, not {unit}"]) from exc
        except (ZeroDivisionError, FloatingPointError, OverflowError) as exc:
            raise EstimateError([f"{where} {year}: formula '{expression}' cannot be computed: {exc}"]) from exc
        if not isinstance(result, pint.Quantity) and not target.dimensionless:
            raise EstimateError([f"{where}: formula '{expression}' gives a pure number, not {unit}"])
        for name in sorted(formula.names, key=len, reverse=True):
            q = values[name]
            shown = shown.replace(name, f"{fmt(q.magnitude)} {q.units:~}")
        out.append(
            Estimate(
                year,
                cell,
                activity,
                amount,
                unit,
                "derive",
                tuple(used),
                f"{activity} {year} = {expression} = {shown} = {fmt(amount)} {unit}",
                facility=facility,
                label=label,
            )
        )
    return out

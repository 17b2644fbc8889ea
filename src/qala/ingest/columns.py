"""The activity-data format of DESIGN.md §5 (extended with ``facility`` and ``note``)."""

from __future__ import annotations

REQUIRED = ("year", "gpc_ref", "activity", "amount", "unit")
OPTIONAL = ("source", "data_quality", "ef_co2", "ef_ch4", "ef_n2o", "ncv", "city", "facility", "note")
ALL = REQUIRED + OPTIONAL
EF = ("ef_co2", "ef_ch4", "ef_n2o")
QUALITY = {"high": "high", "medium": "medium", "low": "low", "h": "high", "m": "medium", "l": "low"}
YEAR_MIN, YEAR_MAX = 1950, 2100
# A figure for a year after the current one is a projection, accepted only when its note says so.
PROJECTION_MARK = "PROJECTION:"
# The largest number accepted in 'amount' and the factors, in the row's own unit: beyond it is a typo or a
# unit mistake (a city's yearly gas use is ~1e5 TJ, ~1e9 m3), and it keeps every product and sum finite.
MAX_NUMBER = 1e15
# The identity of a figure: a later import with the same key supersedes it.
KEY = ("city", "year", "gpc_ref", "activity", "facility")
# What makes two figures with the same key the same figure.
VALUE = ("amount", "unit", "ef_co2", "ef_ch4", "ef_n2o", "ncv")

DESCRIPTIONS = {
    "year": "calendar year of the activity",
    "gpc_ref": "GPC reference with scope, e.g. I.1.1, I.4.4, II.1.1",
    "activity": "fuel or activity code, e.g. natural_gas, other_bituminous_coal, district_heat",
    "amount": "a number >= 0",
    "unit": "a unit: t, kt, TJ, GJ, Gcal, MWh, tce, toe, thousand m3 ...",
    "source": "where the figure came from",
    "data_quality": "high, medium or low",
    "ef_co2": "own CO2 factor, kg per one unit of the row (blank = catalog factors)",
    "ef_ch4": "own CH4 factor, kg per one unit of the row",
    "ef_n2o": "own N2O factor, kg per one unit of the row",
    "ncv": "own net calorific value of a fuel given in mass or volume, e.g. 18.4 GJ/t (blank = catalog NCV)",
    "city": "city code (else the --city option)",
    "facility": "plant or site code (required for a plant's heat_output / electricity_output)",
    "note": "derivation, caveats; write ESTIMATE: ... for an estimate, PROJECTION: ... for a figure of a future year",
}

"""The reference catalog: units, fuels, emission factors, GWP sets, the GPC tree, grid factors."""

from qala.catalog.catalog import Catalog, Conversion, load_catalog
from qala.catalog.units import UnitError

__all__ = ["Catalog", "Conversion", "UnitError", "load_catalog"]

"""Estimates as data: declared methods that fill the GPC cells nobody has reported yet.

Every estimate is a figure with its method, every input (value, unit, year, source) and the arithmetic
written out. The package is part of the pure core: specs and reference tables in, estimates out.
"""

from qala.estimate.model import Estimate, EstimateError, Input

__all__ = ["Estimate", "EstimateError", "Input"]

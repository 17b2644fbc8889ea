"""Qala: a workbench with which a city builds, adopts and tracks its low-carbon development strategy."""

__version__ = "0.1.0"

"""Benchmarks of Qala's import and inventory against a plain pandas baseline (``python -m benchmarks.run``)."""

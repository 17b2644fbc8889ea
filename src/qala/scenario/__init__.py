"""Scenarios to 2030 and 2060: a declarative city model, measures, Monte Carlo, targets, sensitivity."""

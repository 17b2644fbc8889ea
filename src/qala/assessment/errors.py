"""The one error of the assessment's data files: what is wrong, where, and what was expected."""


class IndicatorError(ValueError):
    """An indicator, benchmark or unit file that cannot be used; nothing is stored or shown from it."""

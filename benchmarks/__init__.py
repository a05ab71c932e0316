"""Benchmarks behind `make bench`; `python -m benchmarks.run` writes benchmarks/results.md."""


def row(benchmark, measure, value, unit, budget=None, ok=None):
    """One line of the report; ``ok`` None marks a measurement without a budget (informative)."""
    return {"benchmark": benchmark, "measure": measure, "value": value, "unit": unit, "budget": budget, "ok": ok}

"""Benchmarks of pool, run from a checkout (they are not part of the installed package):
`python -m benchmarks` (a province's month-end), `python -m benchmarks.engine`,
`python -m benchmarks.actuals`. Each prints its figures; none is a test."""

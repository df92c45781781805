"""The benchmark suite of issue 5: run ``python -m benchmarks.run`` (see ``run.py``)."""

"""Benchmark tasks, one package each: the hooks the runner calls in ``task.py``, re-exported by the package."""

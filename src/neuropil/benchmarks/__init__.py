"""Benchmarks: tasks, evaluators, models, runners and the leaderboard (objects -> scores).

No benchmark is registered yet (issues 4, 6, 7, 8 and 9 add them). A benchmark reads data only
through :mod:`neuropil.loaders`, never a Parquet file directly.
"""

"""The leaderboard: submission folders (``submit``), the append-only store and rankings (``store``),
re-runs of stored run configurations (``verify``) and a static site (``site``).

It calls the runner (``save_run``, ``verify``); the runner never imports it, and nothing here
imports the command line.
"""

from __future__ import annotations

from neuropil.benchmarks.leaderboard.store import (DuplicateSubmissionError, LeaderboardLockedError, Store,
                                                   find_entry, markdown, ranked, table_rows)
from neuropil.benchmarks.leaderboard.submit import (SubmissionError, check, hook, is_baseline, save_run, submit,
                                                    write_folder)
from neuropil.benchmarks.leaderboard.verify import compare, recorded_run, verify

__all__ = ["DuplicateSubmissionError", "LeaderboardLockedError", "Store", "SubmissionError", "check", "compare",
           "find_entry", "hook", "is_baseline", "markdown", "ranked", "recorded_run", "save_run", "submit",
           "table_rows", "verify", "write_folder"]

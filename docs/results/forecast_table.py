"""Print the celegans-activity-forecast table of docs/benchmarks.md (and the README) from the result JSONs.

    neuropil reproduce celegans-activity-forecast --seeds 3 --out-dir docs/results
    python docs/results/forecast_table.py [RESULT_DIR]

Point = mean over seeds of the test skill; [low, high] = the 95 % bootstrap interval over blocks of test
windows (50 frames of one worm; mean over seeds of each bound); ± = the standard deviation over seeds,
shown only for stochastic models (deterministic ones give the same fit for every seed); per test worm:
mean skill on each held-out worm (recording id = worm, see the text).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TASK = "celegans-activity-forecast"
ORDER = ("persistence", "mean", "ridge", "mlp", "lstm", "gru", "connectome_gru")
NAMES = {"persistence": "persistence", "mean": "mean of the history", "ridge": "ridge AR",
         "mlp": "MLP (shared, residual)", "lstm": "LSTM (shared, residual)",
         "gru": "graph GRU, learned dense interactions", "connectome_gru": "graph GRU, cook_2019 connectome"}
DETERMINISTIC = ("persistence", "mean", "ridge")


def _mean(result: dict, metric: str) -> float:
    return result["summary"]["test"][metric]["mean"]


def cell(result: dict, metric: str, spread: bool) -> str:
    text = f"{_mean(result, metric):.3f} [{_mean(result, metric + '_ci_low'):.3f}, {_mean(result, metric + '_ci_high'):.3f}]"
    std = result["summary"]["test"][metric]["std"]
    return text + (f" ± {std:.3f}" if spread and std is not None else "")


def chosen(result: dict) -> str:
    seeds = result["per_seed"]
    info = seeds[0]["info"]
    if "lags" in info:
        return f"lags {info['lags']}, alpha {info['alpha']:g}"
    if "best_epoch" in info:
        best = sum(s["info"]["best_epoch"] + 1 for s in seeds) / len(seeds)
        run = sum(s["info"]["epochs_run"] for s in seeds) / len(seeds)
        return f"best epoch {best:.1f} of {run:.1f} run"
    return ""


def main(folder: Path) -> None:
    results = {}
    for path in sorted(folder.glob(f"{TASK}-*.json")):
        document = json.loads(path.read_text())
        results[document["model"]["name"]] = document
    worms = sorted({m.rsplit("_", 1)[1] for r in results.values() for m in r["summary"]["test"]
                    if m.startswith("skill_mean_recording_")}, key=int)
    print("| model | skill h=1 (0.6 s) | skill h=3 (1.8 s) | skill h=10 (6 s) | mean skill | "
          + " | ".join(f"test worm rec. {w}" for w in worms) + " | seeds | chosen on valid |")
    print("|---" * (7 + len(worms)) + "|")
    for name in [n for n in ORDER if n in results]:
        result = results[name]
        spread = name not in DETERMINISTIC
        cells = [cell(result, f"skill_h{h}", spread) for h in (1, 3, 10)] + [cell(result, "skill_mean", spread)]
        cells += [f"{_mean(result, f'skill_mean_recording_{w}'):.3f}" for w in worms]
        seeds = "1 (deterministic)" if not spread else str(len(result["seeds"]))
        print(f"| {NAMES[name]} | " + " | ".join(cells) + f" | {seeds} | {chosen(result)} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)

"""``neuropil leaderboard --html DIR``: a static site, no server, no external scripts, fonts or images.

``index.html`` lists every task (with its best entry) and every dataset (card, licence, citation);
``tasks/<task>.html`` holds the sortable table of entries and an inline SVG plot of the primary
metric. Every value that comes from a submission or a card goes through :func:`html.escape`; the one
inline script is pinned by a Content-Security-Policy hash, so injected markup could not run a script
even if it were not escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import math
import os
from pathlib import Path
from typing import Any

from neuropil import _store
from neuropil._util import format_mean_std
from neuropil.benchmarks.registry import list_tasks
from neuropil.benchmarks.spec import TaskSpec

logger = logging.getLogger(__name__)

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.dataset.type === "num";
      var key = function (row) {
        var value = row.cells[column].dataset.value;
        if (!numeric) { return value; }
        var number = parseFloat(value);
        return isNaN(number) ? -Infinity : number;
      };
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1400px;
       padding: 0 1rem; box-sizing: border-box; color: #1d1d1f; line-height: 1.45; }
h1, h2 { font-weight: 600; } a { color: #0b57d0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: 0.8rem 1rem; }
.card h3 { margin: 0 0 0.4rem 0; font-size: 1.05rem; }
.meta { color: #57606a; font-size: 0.9rem; }
pre { white-space: pre-wrap; font-size: 0.82rem; background: #f6f8fa; padding: 0.6rem; border-radius: 6px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.78rem; margin: 1rem 0; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: 0.25rem 0.3rem; text-align: left; }
th { vertical-align: bottom; }
td.num, td.date { white-space: nowrap; } td.wrap { white-space: normal; }
td.text { overflow-wrap: break-word; }
td .flag, td .meta { white-space: nowrap; }
th { cursor: pointer; background: #f6f8fa; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; } th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.flag { font-size: 0.8rem; color: #9a6700; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str, *, root: str) -> str:
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
    policy = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; "
              "base-uri 'none'; form-action 'none'")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n<body>\n"
            f"<p class=\"meta\"><a href=\"{root}index.html\">neuropil leaderboards</a></p>\n{body}\n"
            f"<script>{SORT_SCRIPT}</script>\n</body></html>\n")


def _link(url: str | None, text: str) -> str:
    if not url or not url.lower().startswith(("https://", "http://")):
        return ""
    return f"<a href=\"{_e(url)}\" rel=\"noopener noreferrer nofollow\">{_e(text)}</a>"


def _num(value: float | None, std: float | None = None) -> tuple[str, str]:
    """(data-value, shown text) of a number cell."""
    if value is None or not math.isfinite(value):
        return "", "n/a"
    return repr(float(value)), format_mean_std(value, std)


def svg_plot(task: TaskSpec, rows: list[dict[str, Any]]) -> str:
    """Horizontal bars: mean test primary metric ± std per entry, in rank order."""
    points = [(r["name"], r["test_mean"], r["test_std"] or 0.0) for r in rows
              if r["test_mean"] is not None and math.isfinite(r["test_mean"])]
    if not points:
        return "<p class=\"meta\">No entries to plot yet.</p>"
    low = min(0.0, *(m - s for _, m, s in points))
    high = max(0.0, *(m + s for _, m, s in points))
    span = (high - low) or 1.0
    left, width, bar, gap = 220, 420, 18, 8
    height = 30 + len(points) * (bar + gap)

    def x(value: float) -> float:
        return left + (value - low) / span * width

    parts = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + width + 90}\" height=\"{height + 20}\" "
             f"role=\"img\" aria-label=\"test {_e(task.primary_metric)} by entry\">",
             f"<line x1=\"{x(0):.1f}\" y1=\"10\" x2=\"{x(0):.1f}\" y2=\"{height}\" stroke=\"#57606a\"/>"]
    for index, (name, mean, std) in enumerate(points):
        top = 16 + index * (bar + gap)
        start, end = sorted((x(0), x(mean)))
        label = name if len(name) <= 32 else name[:31] + "…"
        parts += [f"<text x=\"{left - 8}\" y=\"{top + bar - 5}\" text-anchor=\"end\" font-size=\"12\">{_e(label)}</text>",
                  f"<rect x=\"{start:.1f}\" y=\"{top}\" width=\"{max(end - start, 1):.1f}\" height=\"{bar}\" "
                  f"fill=\"#4c72b0\"><title>{_e(name)}: {mean:.4f} ± {std:.4f}</title></rect>",
                  f"<line x1=\"{x(mean - std):.1f}\" y1=\"{top + bar / 2}\" x2=\"{x(mean + std):.1f}\" "
                  f"y2=\"{top + bar / 2}\" stroke=\"#1d1d1f\"/>",
                  f"<text x=\"{x(max(mean, 0) + std) + 6:.1f}\" y=\"{top + bar - 5}\" font-size=\"11\">{mean:.4f}</text>"]
    parts.append(f"<text x=\"{left}\" y=\"{height + 14}\" font-size=\"11\">test {_e(task.primary_metric)} "
                 f"(mean ± std over seeds; {'higher' if task.direction == 'max' else 'lower'} is better)</text>")
    parts.append("</svg>")
    return "".join(parts)


def config_text(config: dict[str, Any]) -> str:
    """``{"source": "Dag2023"}`` -> ``source=Dag2023`` (lists comma-joined); ``""`` for no config."""
    def value(item: Any) -> str:
        return ",".join(map(str, item)) if isinstance(item, (list, tuple)) else str(item)

    return ", ".join(f"{key}={value(item)}" for key, item in config.items())


def baseline_rows(task: TaskSpec, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows (the shape :func:`ranked` returns) of result documents of ``task`` written by ``neuropil bench
    run``: the baselines reproduced for the docs, shown beside the submissions, flagged, never verified."""
    rows = []
    for document in documents:
        if document["task"]["id"] != task.id:
            continue
        test, valid = document["summary"]["test"], document["summary"].get("valid", {})
        primary = test.get(task.primary_metric) or {}
        rows.append({
            "id": "", "name": document["model"]["name"], "model": document["model"]["name"],
            "primary_metric": task.primary_metric, "test_mean": primary.get("mean"), "test_std": primary.get("std"),
            "valid_mean": (valid.get(task.primary_metric) or {}).get("mean"),
            "metrics": {m: test[m]["mean"] for m in task.metrics if m in test},
            "parameters": document.get("parameter_count") or 0, "seeds": len(document.get("seeds", [])),
            "date": str(document.get("created", ""))[:10], "baseline": True, "reproduced": True,
            "quick": bool(document.get("quick")), "verified": None, "integrity": "ok", "code": None, "paper": None,
            "hardware": (document.get("hardware") or {}).get("processor", ""), "invalid": None,
        })
    return rows


def merge_ranked(task: TaskSpec, rows: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (ranked entries, then invalid ones) with ``extra`` ranked in, by the same rule."""
    valid = [r for r in rows if not r.get("invalid")] + extra
    sign = -1.0 if task.direction == "max" else 1.0
    valid.sort(key=lambda r: (r["test_mean"] is None or not math.isfinite(r["test_mean"]), sign * (r["test_mean"] or 0.0)))
    for rank, row in enumerate(valid, 1):
        row["rank"] = rank
    return valid + [r for r in rows if r.get("invalid")]


def read_baselines(folder: str | os.PathLike[str] | None) -> list[dict[str, Any]]:
    """Every result document in ``folder`` (``*.json`` that pass the result schema; other JSON files,
    e.g. tables of runs, are counted in the log and left out)."""
    from neuropil.benchmarks import results
    from neuropil.errors import InvalidArgumentError, NeuropilError

    if folder is None:
        return []
    if not Path(folder).is_dir():
        raise InvalidArgumentError(f"Baselines folder {folder} does not exist (expected a folder of result JSONs "
                                   "written by `neuropil bench run --out`, e.g. docs/results).")
    documents, other = [], []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            documents.append(results.load(path))
        except (NeuropilError, ValueError):
            other.append(path.name)
    if other:
        logger.info("baselines: %d JSON files in %s are not result documents: %s", len(other), folder, other)
    return documents


def default_baselines() -> Path | None:
    """``docs/results`` of the source checkout this package runs from (an editable install), if any."""
    root = Path(__file__).resolve().parents[4]
    folder = root / "docs" / "results"
    return folder if (root / "pyproject.toml").is_file() and folder.is_dir() else None


def task_page(task: TaskSpec, rows: list[dict[str, Any]]) -> str:
    others = [m for m in task.metrics if m != task.primary_metric]
    head = [("rank", "num"), ("entry", "text"), (f"test {task.primary_metric}", "num"),
            (f"valid {task.primary_metric}", "num"), *((m, "num") for m in others), ("params", "num"),
            ("seeds", "num"), ("date", "date"), ("verified", "text"), ("hardware", "text"), ("links", "text")]
    lines = ["<div class=\"scroll\"><table class=\"sortable\" id=\"entries\"><thead><tr>"
             + "".join(f"<th data-type=\"{'text' if kind == 'date' else kind}\">{_e(name).replace('_', '_<wbr>')}</th>"
                       for name, kind in head) + "</tr></thead><tbody>"]
    for row in rows:
        if row.get("invalid"):  # shown, never ranked: no numbers from a record that failed its check
            lines.append(f"<tr class=\"invalid\"><td class=\"num\" data-value=\"\">invalid</td>"
                         f"<td class=\"text\" data-value=\"{_e(row['name'])}\">{_e(row['name'])} <span class=\"flag\">"
                         f"invalid: {_e(row['invalid'])}</span></td>"
                         + "<td></td>" * (len(head) - 2) + "</tr>")
            continue
        cells = [("num", str(row["rank"]), str(row["rank"]))]
        flags = []
        if row.get("reproduced"):
            flags.append("reproduced baseline")
        elif row["baseline"]:
            flags.append("baseline")
        if row["quick"]:
            flags.append("quick run")
        if row["integrity"] != "ok":
            flags.append("edited after submission")
        name = _e(row["name"]) + "".join(f" <span class=\"flag\">{_e(f)}</span>" for f in flags)
        if row["model"] != row["name"]:  # one column for both: the table fits 1400 px
            name += f"<br><span class=\"meta\">model {_e(row['model'])}</span>"
        cells.append(("text", _e(row["name"]), name))
        value, shown = _num(row["test_mean"], row["test_std"])
        cells.append(("num wrap", value, _e(shown).replace(" ± ", " ±\u00a0")))  # may break before the ±
        value, shown = _num(row["valid_mean"])
        cells.append(("num", value, _e(shown)))
        for metric in others:
            value, shown = _num(row["metrics"].get(metric))
            cells.append(("num", value, _e(shown)))
        cells.append(("num", str(int(row["parameters"])), _e(f"{int(row['parameters']):,}")))
        cells.append(("num", str(int(row["seeds"])), _e(row["seeds"])))
        cells.append(("date", _e(row["date"]), _e(row["date"])))
        verified = "n/a" if row.get("reproduced") else {None: "not yet", True: "agrees", False: "differs"}[row["verified"]]
        cells.append(("text", verified, verified))
        cells.append(("text", _e(row["hardware"]), _e(row["hardware"])))
        links = " ".join(filter(None, [_link(row.get("code"), "code"), _link(row.get("paper"), "paper")]))
        cells.append(("text", "", links))
        lines.append("<tr>" + "".join(
            f"<td class=\"{kind}\" data-value=\"{value}\">{shown}</td>" for kind, value, shown in cells) + "</tr>")
    lines.append("</tbody></table></div>")
    body = (f"<h1>{_e(task.id)} <span class=\"meta\">v{_e(task.version)}</span></h1>\n"
            f"<p>{_e(task.description)}</p>\n"
            f"<p class=\"meta\">dataset {_e(task.dataset)}"
            f"{' (' + _e(config_text(task.dataset_config)) + ')' if task.dataset_config else ''}; primary metric "
            f"{_e(task.primary_metric)} ({'higher' if task.direction == 'max' else 'lower'} is better); "
            f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}. Click a column header to sort.</p>\n"
            + "\n".join(lines) + "\n<h2>Plot</h2>\n" + svg_plot(task, rows)
            + (f"\n<h2>Citation</h2>\n<p>{_e(task.citation)}</p>" if task.citation else ""))
    return _page(f"{task.id} leaderboard", body, root="../")


def index_page(tasks: list[tuple[TaskSpec, list[dict[str, Any]]]], datasets: list[Any]) -> str:
    from neuropil.datasets import card_text

    cards = []
    for task, rows in tasks:
        best = rows[0] if rows and rows[0]["rank"] is not None else None
        summary = (f"best: {_e(best['name'])} {_e(_num(best['test_mean'], best['test_std'])[1])}"
                   if best else "no entries yet")
        cards.append(f"<div class=\"card task\"><h3><a href=\"tasks/{_e(task.id)}.html\">{_e(task.id)}</a></h3>"
                     f"<p>{_e(task.description)}</p><p class=\"meta\">{len(rows)} entr"
                     f"{'y' if len(rows) == 1 else 'ies'}; {summary}</p></div>")
    dataset_cards = []
    for spec in datasets:
        try:
            card = card_text(spec.id)
        except (OSError, ValueError):
            card = ""
        dataset_cards.append(
            f"<div class=\"card dataset\" id=\"dataset-{_e(spec.id)}\"><h3>{_e(spec.id)} "
            f"<span class=\"meta\">{_e(spec.version)}</span></h3><p>{_e(spec.title)}</p>"
            f"<p class=\"meta\">licence: {_e(spec.license)}</p><p class=\"meta\">citation: {_e(spec.citation)}</p>"
            + (f"<p>{_link(spec.homepage, 'homepage')}</p>" if spec.homepage else "")
            + (f"<details><summary>dataset card</summary><pre>{_e(card)}</pre></details>" if card else "")
            + "</div>")
    body = ("<h1>neuropil leaderboards</h1>\n<p>Entries are re-scored from their predictions by each task's "
            "evaluator when submitted; “agrees” means <code>neuropil verify</code> re-ran the stored run configuration "
            "and matched every metric within the seed spread.</p>\n<h2>Tasks</h2>\n<div class=\"cards\">"
            + "".join(cards) + "</div>\n<h2>Datasets</h2>\n<div class=\"cards\">" + "".join(dataset_cards) + "</div>")
    return _page("neuropil leaderboards", body, root="")


#: the file that marks a folder as a neuropil site (only such a folder is ever replaced)
SITE_MARKER = ".neuropil-site"
COMMAND = "neuropil leaderboard --html"


def write_site(directory: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
               baselines: str | os.PathLike[str] | None = None) -> Path:
    """Write the site to ``directory`` atomically (built in a hidden sibling, then swapped in). The
    result documents in ``baselines`` (default: the checkout's ``docs/results``) join each task's
    table as reproduced baselines, so a fresh home's site is not empty."""
    from neuropil.benchmarks.leaderboard.store import ranked
    from neuropil.datasets import list_specs

    target = _store.replaceable_folder(directory, marker=SITE_MARKER, overwrite=True, command=COMMAND)
    with _store.staged_folder(target, marker=SITE_MARKER, overwrite=True, command=COMMAND) as staging:
        (staging / "tasks").mkdir()
        documents = read_baselines(default_baselines() if baselines is None else baselines)
        tasks = [(task, merge_ranked(task, ranked(task.id, home), baseline_rows(task, documents)))
                 for task in list_tasks()]
        for task, rows in tasks:
            (staging / "tasks" / f"{task.id}.html").write_text(task_page(task, rows), encoding="utf-8")
        (staging / "index.html").write_text(index_page(tasks, list_specs()), encoding="utf-8")
    return target

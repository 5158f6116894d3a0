"""Extraction quality and speed on the three shared dev sets, newsflow's parse stage beside trafilatura's
defaults (and readability-lxml), all in one process and one run.

    make bench-extract            (or: python -m benchmarks.bench_extract [--sets fundus,...] [--json FILE])

The metrics are the shared scorer's own (`datasets/score_devsets.py`, imported from the shared folder, never
copied): body F1 of 4-token shingles and title exact match on fundus-testdata and readability-testpages,
snippet F1 on trafilatura-eval. The body newsflow is scored on is what it indexes: summary, then paragraphs.
Each set is scored by every extractor in turn (the scorer's pages/s are printed but not compared: whoever goes
first pays for warming up). Speed is measured apart, page by page, newsflow and trafilatura alternating which
goes first, after a warm-up of both: the ratio is newsflow's pages/s over trafilatura's on the same pages, and
the lowest ratio over the sets is the one that counts.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.devset import SHARED, require
from benchmarks.devsets_adapter import extract as newsflow_extract

console = Console(width=120)
SETS = ("fundus", "readability", "trafilatura-eval")
DEVSET_FOLDERS = {"fundus": "fundus-testdata", "readability": "readability-testpages",
                  "trafilatura-eval": "trafilatura-eval"}
#: what the issue asks of each set (trafilatura defaults measured here + the margin it sets)
TARGETS = {"fundus": ">= traf + 0.01", "readability": ">= traf + 0.01", "trafilatura-eval": ">= traf"}


def scorer() -> ModuleType:
    """The shared scorer, imported from the shared folder (the one every extractor is measured with)."""
    path = SHARED / "datasets" / "score_devsets.py"
    require(SHARED / "datasets" / "fundus-testdata")
    spec = importlib.util.spec_from_file_location("score_devsets", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readability_lxml(html: str, url: str | None) -> dict[str, Any]:
    from lxml import html as lxml_html
    from readability import Document

    document = Document(html, url=url)
    text = lxml_html.fromstring(document.summary(html_partial=True)).text_content()
    return {"title": document.short_title(), "body": text}


def extractors(scoring: ModuleType, with_readability: bool) -> dict[str, Callable[[str, str | None], dict]]:
    found: dict[str, Callable[[str, str | None], dict]] = {"newsflow": newsflow_extract,
                                                           "trafilatura": scoring.trafilatura_defaults}
    if with_readability:
        found["readability-lxml"] = readability_lxml
    return found


def measure(sets: list[str], with_readability: bool) -> dict[str, dict[str, dict]]:
    scoring = scorer()
    tools = extractors(scoring, with_readability)
    results: dict[str, dict[str, dict]] = {}
    for turn, name in enumerate(sets):
        require(SHARED / "datasets" / DEVSET_FOLDERS[name])
        order = list(tools)[turn % len(tools):] + list(tools)[:turn % len(tools)]
        for tool in order:
            console.print(f"scoring {tool} on {name} ...")
            results.setdefault(name, {})[tool] = scoring.score(name, tools[tool])
    return results


def speed(scoring: ModuleType, name: str, warm_up: int = 10) -> dict[str, float]:
    """pages/s of newsflow and trafilatura on the set's pages, timed page by page, alternating the order."""
    tools = {"newsflow": newsflow_extract, "trafilatura": scoring.trafilatura_defaults}
    pages = [(html, url) for _, html, url, _ in scoring.load(name)]
    for html, url in pages[:warm_up]:
        for tool in tools.values():
            tool(html, url)
    seconds = dict.fromkeys(tools, 0.0)
    for n, (html, url) in enumerate(pages):
        for tool in (list(tools) if n % 2 else list(reversed(tools))):
            started = time.perf_counter()
            tools[tool](html, url)
            seconds[tool] += time.perf_counter() - started
    return {tool: round(len(pages) / spent, 2) for tool, spent in seconds.items()}


def report(results: dict[str, dict[str, dict]], speeds: dict[str, dict[str, float]]) -> dict[str, Any]:
    table = Table(title="extraction on the shared dev sets (one process, same run)")
    for column in ("set", "extractor", "body / snippet F1", "P", "R", "title", "pages/s", "target"):
        table.add_column(column, justify="left" if column in ("set", "extractor", "target") else "right")
    ratios = {}
    for name, by_tool in results.items():
        for tool, r in by_tool.items():
            kind = "snippet" if "snippet_f1" in r else "body"
            table.add_row(name, tool, f"{r[f'{kind}_f1']:.4f}", f"{r[f'{kind}_precision']:.3f}",
                          f"{r[f'{kind}_recall']:.3f}", f"{r['title_exact']:.3f}" if r.get("title_exact") else "",
                          f"{r['pages_per_s']:.1f}", TARGETS[name] if tool == "newsflow" else "")
        ratios[name] = round(speeds[name]["newsflow"] / speeds[name]["trafilatura"], 2)
    console.print(table)
    console.print(f"speed, page by page (pages/s): {speeds}")
    console.print(f"speed newsflow / trafilatura: {ratios}; lowest {min(ratios.values()):.2f} (target >= 0.80)")
    return {"results": results, "speed_pages_per_s": speeds, "speed_ratio": ratios,
            "lowest_speed_ratio": min(ratios.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--no-readability", action="store_true", help="leave readability-lxml out")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    sets = args.sets.split(",")
    results = measure(sets, not args.no_readability)
    scoring = scorer()
    speeds = {}
    for name in sets:
        console.print(f"timing newsflow and trafilatura on {name}, page by page ...")
        speeds[name] = speed(scoring, name)
    summary = report(results, speeds)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2)


if __name__ == "__main__":
    main()

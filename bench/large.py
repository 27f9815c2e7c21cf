"""sitegen alone on a very large corpus: cold build, warm build with nothing changed, one article edited.

    python3 bench/large.py                 # 100,000 articles: writes the "large" section of bench/RESULTS.md
    python3 bench/large.py 20000 --runs 1  # another size
    PYTHONPATH=/work/main/src python3 bench/large.py   # the sitegen of another checkout
    python3 bench/large.py --engines python-markdown,commonmark   # both Markdown engines, taking turns

Issue 7 asks for the warm build (and the related-posts step, see bench/related_bench.py) at
100,000 articles, where Hugo and Pelican would take most of an hour each, so this runs
sitegen only, with the corpus, site, edits and measurements of bench/compare.py: each build
a fresh process, timed from start to exit, its CPU time and peak memory (its process tree's).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from compare import compile_sources, make_sites, measure, prepare, version  # noqa: E402
from results import cpu, write_section  # noqa: E402

SCENARIOS = {"cold": "cold build", "warm": "warm, nothing changed", "article": "one article edited"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", type=int, default=100_000, help="articles (default: 100000)")
    parser.add_argument("--runs", type=int, default=1, help="runs of the three scenarios (default: 1)")
    parser.add_argument("--sitegen-cmd", default=shlex.join([sys.executable, "-m", "sitegen"]),
                        help="how to run sitegen (default: this Python, -m sitegen)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-large"), help="where the site goes")
    parser.add_argument("--engines", default="python-markdown",
                        help="comma-separated Markdown engines, each a site of its own (default: %(default)s)")
    options = parser.parse_args()
    command = shlex.split(options.sitegen_cmd)
    tools = {"python-markdown": "sitegen", "commonmark": "sitegen-commonmark"}
    engines = options.engines.split(",")
    if not set(engines) <= tools.keys():
        parser.error(f"--engines: choose from {', '.join(tools)}")
    compile_sources(command)
    started = time.perf_counter()
    print(f"{options.size:,} articles: writing the site{'s' if len(engines) > 1 else ''}", flush=True)
    sites = make_sites(options.size, options.work.resolve() / str(options.size),
                       {tools[engine]: command for engine in engines})
    written = time.perf_counter() - started
    time.sleep(3)  # files saved within 2 s of a build are not trusted by the next (stamp.py): an author's are older
    logs = options.work.resolve() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, str], list[dict]] = {(scenario, site.tool): [] for scenario in SCENARIOS for site in sites}
    load = f"{os.getloadavg()[0]:.1f}"
    for run in range(1, options.runs + 1):
        for scenario in SCENARIOS:
            for site in sites:  # (the engines take turns inside each scenario, as the tools of compare.py)
                prepare(site, scenario, edition=run)
                result = measure(site, logs / f"{options.size}-{site.tool}-{scenario}-{run}.log")
                results[scenario, site.tool].append(result)
                print(f"  run {run} {scenario:8} {site.tool:18} {result['wall']:8.2f} s wall {result['cpu']:8.2f} s "
                      f"CPU {result['peak_mb']:7.0f} MB {result['files']:7} files  exit {result['exit']}", flush=True)
                if result["exit"]:
                    raise SystemExit(f"the build failed: {result['last_line']}")
    rows = ["| scenario | engine | wall s (median) | wall min – max | CPU s | peak MB | files | MB |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (scenario, tool), found in results.items():
        walls = [r["wall"] for r in found]
        engine = next(engine for engine, named in tools.items() if named == tool)
        rows.append(f"| {SCENARIOS[scenario]} | {engine} | {statistics.median(walls):.2f} | {min(walls):.2f} – "
                    f"{max(walls):.2f} | {statistics.median(r['cpu'] for r in found):.2f} | "
                    f"{statistics.median(r['peak_mb'] for r in found):,.0f} | {found[-1]['files']:,} | "
                    f"{found[-1]['mb']:.1f} |")
    sitegen = version(command + ["--version"])
    if os.environ.get("PYTHONPATH"):
        sitegen += f" from PYTHONPATH={os.environ['PYTHONPATH']}"
    machine = (f"this machine ({cpu()}, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
               f"Python {platform.python_version()})")
    write_section("large", "\n".join([
        f"## sitegen alone at {options.size:,} articles", "",
        f"`{' '.join(['python3 bench/large.py', *sys.argv[1:]])}` on {time.strftime('%Y-%m-%d')}, "
        f"{machine}, load average {load} at the start; {options.runs} run(s); {sitegen}. The corpus, site and "
        f"edits of bench/compare.py (writing the corpus took {written:.0f} s); each build a fresh process.", "",
        *rows, ""]))


if __name__ == "__main__":
    main()

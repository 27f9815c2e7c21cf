"""One article edited, two sitegen versions side by side: how long a patch build takes with each.

    python3 bench/edit_ab.py /tmp/sitegen-compare/10000/sitegen-commonmark --old /tmp/base/src --new src --edits 7

The site (a compare.py site: sources, output and cache) is copied twice; each copy is built twice by its
version (the second build finds the folders of the first old enough to trust, as an author's would be),
then the two take turns: 2.1 s after the last build (a build does not trust what is newer than 2 s,
stamp.py), an article of one copy gets a line appended and that copy is built in a fresh process, timed. Medians and ranges are printed; alternating on one
machine keeps shared-machine noise out of the comparison.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def build(source: Path, site: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sitegen", "build", "-q", "-s", str(site), "-o", str(site / "public")],
                   check=True, env={**os.environ, "PYTHONPATH": str(source.resolve())})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site (sources, public/ and .sitegen-cache/)")
    parser.add_argument("--old", type=Path, required=True, help="the src/ folder of one version")
    parser.add_argument("--new", type=Path, required=True, help="the src/ folder of the other")
    parser.add_argument("--edits", type=int, default=7, help="edits per version (default: %(default)s)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-edit-ab"), help="where the copies go")
    options = parser.parse_args()
    copies = {"old": options.work / "old", "new": options.work / "new"}
    for source in (options.old, options.new):  # as an installed copy is (see compare.compile_sources)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(source / "sitegen")], check=True)
    sources = {"old": options.old, "new": options.new}
    for name, copy in copies.items():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(options.site, copy, symlinks=True)
        build(sources[name], copy)
    time.sleep(2.5)
    for name, copy in copies.items():
        build(sources[name], copy)
    article = sorted(copies["old"].glob("content/*/*.md"))[len(list(copies["old"].glob("content/*/*.md"))) // 2]
    relative = article.relative_to(copies["old"])
    times: dict[str, list[float]] = {"old": [], "new": []}
    for edit in range(options.edits):
        for name, copy in copies.items():
            time.sleep(2.1)
            with (copy / relative).open("a", encoding="utf-8") as file:
                file.write(f"\nUpdate {edit}: the story was edited after publication.\n")
            times[name].append(build(sources[name], copy))
    for name, found in times.items():
        print(f"{name}: median {statistics.median(found):.3f} s, {min(found):.3f}–{max(found):.3f} s "
              f"over {len(found)} edits of {relative} ({sources[name]})")


if __name__ == "__main__":
    main()

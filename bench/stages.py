"""Where a build's time goes, stage by stage: one build in this process, each stage build.py calls timed.

    python3 bench/stages.py SITE [build options…]          # e.g. a compare.py site after removing its output
    PYTHONPATH=/tmp/other/src python3 bench/stages.py SITE -j 1

The stages are the functions build.py sequences (load_content, build_model, render_site, …), each wrapped
with a timer in build.py's own namespace for this one run; their times are wall times in this process
(worker processes' work shows in the stage that waits for it), and the CPU time of this process (all its
threads, not the workers): a stage whose CPU time is well below its wall time waits, for workers or for
the disk. A stage called inside another counts in both. A first profile before reaching for cProfile, which slows Jinja's generated code several times over.
"""

from __future__ import annotations

import sys
import time
from functools import wraps

started = time.perf_counter()
from sitegen import build, cli  # noqa: E402

STAGES = ("make_environment", "load_content", "prepare_images", "asset_files", "style_and_scripts", "load_data",
          "load_intros", "build_model", "plan_site", "clashes", "unchanged_files", "render_site", "machine_files",
          "layout_digests", "keep_for_patches", "folder_states", "take_up")
METHODS = ("_produce", "_finish", "_full", "_patched")
timings: dict[str, list[float]] = {}  # name → [wall seconds, CPU seconds of this process]


def timed(name: str, function):
    @wraps(function)
    def run(*args, **kwargs):
        begun, begun_cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent = timings.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - begun
            spent[1] += time.process_time() - begun_cpu
    return run


def main() -> None:
    imported = time.perf_counter() - started
    for name in STAGES:
        if hasattr(build, name):
            setattr(build, name, timed(name, getattr(build, name)))
    for name in METHODS:
        setattr(build.Builder, name, timed(name, getattr(build.Builder, name)))
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    code = cli.main(["build", "-q", "-s", *sys.argv[1:]])
    if code:
        raise SystemExit(code)
    print(f"{'stage':20} {'wall':>9} {'CPU here':>9}")
    print(f"{'imports':20} {imported:7.3f} s")
    for name, (seconds, cpu) in sorted(timings.items(), key=lambda item: -item[1][0]):
        print(f"{name:20} {seconds:7.3f} s {cpu:7.3f} s")
    print(f"{'whole run':20} {time.perf_counter() - started:7.3f} s {time.process_time():7.3f} s")


if __name__ == "__main__":
    main()

"""Related posts: speed, memory and quality, written to bench/RESULTS.md.

    python bench/related_bench.py                 # 1,000, 10,000 and 100,000 articles
    python bench/related_bench.py 1000 10000      # chosen sizes
    python bench/related_bench.py --runs 5 10000  # more runs per size (default 3)
    python bench/related_bench.py --baseline DIR 10000   # also DIR/src (an older checkout), runs
                                                         # interleaved, printed and not written
    python bench/related_bench.py --one N [--src DIR]    # one run, one JSON line

Each run is its own process. Memory: "related peak" is what the full
computation adds to the process at its highest (the peak RSS during it, reset
just before through /proc/self/clear_refs, minus the RSS before it: the corpus
is already in memory); "process peak" is the whole process's highest RSS,
corpus and the second full computation that checks the incremental one
included. The corpus is bench/hard_corpus.py's, whole texts (overlapping
topics, shared vocabulary, untagged articles, near-duplicate follow-ups). Quality is precision@5 over all five
slots of every article (hard_corpus.precision_at: a link is good when it
shares a hidden topic with the article; an empty slot is a miss), on that
corpus and on the hand-labelled articles of tests/data/related_labelled.yaml
(per language). Incremental: one article edited, then the lists recomputed,
timed and checked against a full computation. Times, memory and quality are
medians over the runs.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
from results import cpu, write_section  # noqa: E402  (bench/ is the script folder)
FIELDS = ("seconds", "incremental_seconds", "related_peak_mb", "process_peak_mb")


def measure(count: int) -> dict:
    from sitegen.config import RelatedConfig
    from sitegen.related import RelatedByLanguage, RelatedIndex

    from hard_corpus import generate_hard, labelled_set, precision_at

    labelled = generate_hard(count)
    docs = [item.doc for item in labelled]
    settings = RelatedConfig()
    process_peak = _peak_kb()
    before = _rss_kb()
    reset = _reset_peak()
    started = time.perf_counter()
    index = RelatedIndex(settings).update(docs)
    full_seconds = time.perf_counter() - started
    related_peak = _peak_kb() - before if reset else None
    process_peak = max(process_peak, _peak_kb())
    precision = precision_at(index.lists, labelled)
    middle = docs[len(docs) // 2]
    edited = replace(middle, title=middle.title + " update", tags=("Breaking",))
    started = time.perf_counter()
    index.update([edited])
    incremental_seconds = time.perf_counter() - started
    lists = index.lists
    del index  # only its lists are compared
    same = lists == RelatedIndex(settings).update(docs[:len(docs) // 2] + [edited] + docs[len(docs) // 2 + 1:]).lists
    process_peak = max(process_peak, _peak_kb())
    hand = labelled_set(HERE.parent / "tests" / "data" / "related_labelled.yaml")
    hand_lists = RelatedByLanguage(settings).update(item.doc for item in hand).lists
    by_language = {language: round(precision_at(hand_lists, [i for i in hand if i.doc.language == language]), 3)
                   for language in sorted({i.doc.language for i in hand})}
    return {"articles": count, "seconds": round(full_seconds, 2), "incremental_seconds": round(incremental_seconds, 2),
            "incremental_equals_full": same,
            "related_peak_mb": round(related_peak / 1024) if related_peak is not None else None,
            "process_peak_mb": round(process_peak / 1024), "corpus_rss_mb": round(before / 1024),
            "precision_at_5": round(precision, 3), "labelled_precision_at_5": by_language}


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _rss_kb() -> int:
    return _status_kb("VmRSS") or 0


def _peak_kb() -> int:
    """The highest RSS since the start, or since the last _reset_peak()."""
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    """Make the peak RSS the current RSS (Linux), so that the next peak is the computation's own."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return _status_kb("VmHWM") is not None


def run(count: int, src: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--one", str(count)] + (["--src", str(src)] if src else [])
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def summarise(runs: list[dict]) -> dict:
    row = dict(runs[0])
    for field in FIELDS:
        values = [r[field] for r in runs if r[field] is not None]
        row[field] = statistics.median(values) if values else None
    row["incremental_equals_full"] = all(r["incremental_equals_full"] for r in runs)
    row["runs"] = len(runs)
    return row


def main(sizes: list[int], runs: int = 3, baseline: Path | None = None) -> None:
    rows = []
    for count in sizes:
        current, before = [], []
        for _ in range(runs):  # interleaved, so that both see the same load on a shared machine
            if baseline:
                before.append(run(count, baseline))
            current.append(run(count))
        row = summarise(current)
        if baseline:
            print("baseline", summarise(before), flush=True)
        print("current ", row, flush=True)
        rows.append(row)
    if not baseline:
        write_results(rows)


def write_results(rows: list[dict]) -> None:
    table = ["| articles | full (s) | one edit (s) | edit = full | related peak (MB) | process peak (MB) | precision@5 "
             "| runs |", "|---:|---:|---:|:---:|---:|---:|---:|---:|"]
    table += [f"| {r['articles']:,} | {r['seconds']} | {r['incremental_seconds']} | {'yes' if r['incremental_equals_full'] else 'NO'} "
              f"| {r['related_peak_mb'] if r['related_peak_mb'] is not None else 'n/a'} | {r['process_peak_mb']} "
              f"| {r['precision_at_5']} | {r['runs']} |" for r in rows]
    hand = ", ".join(f"{language} {value}" for language, value in rows[0]["labelled_precision_at_5"].items())
    write_section("related", f"## Related posts\n\n`python bench/related_bench.py` on {time.strftime('%Y-%m-%d')}, "
             f"this machine ({cpu()}); times and memory are medians over the runs. Targets: 10,000 under 3 s, "
             "100,000 under 30 s and 1 GB for the related computation.\n\n"
             "Related peak: what the full computation adds to the process at its highest (the corpus is already "
             "loaded). Process peak: the whole benchmark process, with the corpus (whole texts) and a second "
             "full computation, to check the incremental one. Precision@5: over all five slots of every article "
             "of bench/hard_corpus.py (a link is good when it shares a hidden topic with the article; an empty "
             f"slot is a miss). On the hand-labelled articles of tests/data/related_labelled.yaml: {hand}.\n\n"
             + "\n".join(table))


def _options(argv: list[str]) -> tuple[dict, list[str]]:
    options, rest = {}, []
    arguments = iter(argv)
    for argument in arguments:
        if argument in ("--one", "--src", "--runs", "--baseline"):
            options[argument[2:]] = next(arguments)
        else:
            rest.append(argument)
    return options, rest


if __name__ == "__main__":
    options, sizes = _options(sys.argv[1:])
    source = Path(options["src"]).resolve() / "src" if "src" in options else HERE.parent / "src"
    sys.path[:0] = [str(source), str(HERE)]
    if "one" in options:
        print(json.dumps(measure(int(options["one"]))))
    else:
        main([int(n) for n in sizes] or [1000, 10_000, 100_000], int(options.get("runs", 3)),
             Path(options["baseline"]).resolve() if "baseline" in options else None)

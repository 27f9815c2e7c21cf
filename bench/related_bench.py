"""Related posts: speed, memory and quality, written to bench/RESULTS.md.

    python bench/related_bench.py                 # 1,000, 10,000 and 100,000 articles
    python bench/related_bench.py 1000 10000      # chosen sizes

Each size runs in its own process (peak memory is that process's max RSS,
corpus included). Quality is precision@k on the generated corpus: the share
of "You may also like" picks that belong to the article's own story cluster
(fallback lists excluded), plus how many articles got a non-fallback list.
Incremental: one article edited, then the lists recomputed, timed and
checked against a full computation.
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
sys.path.insert(0, str(HERE.parents[0] / "src"))

from sitegen.config import RelatedConfig  # noqa: E402
from sitegen.related import FALLBACK, RelatedIndex  # noqa: E402

from corpus import generate  # noqa: E402


def measure(count: int) -> dict:
    articles = generate(count)
    docs = [a.doc for a in articles]
    cluster = {a.doc.key: a.cluster for a in articles}
    settings = RelatedConfig(count=5)
    started = time.perf_counter()
    index = RelatedIndex(settings).update(docs)
    full_seconds = time.perf_counter() - started
    picks = [(key, link.key) for key, links in index.lists.items() for link in links if link.reason != FALLBACK]
    precision = sum(cluster[a] == cluster[b] for a, b in picks) / max(len(picks), 1)
    with_list = sum(1 for links in index.lists.values() if links and links[0].reason != FALLBACK) / len(docs)
    edited = replace(docs[len(docs) // 2], title=docs[len(docs) // 2].title + " update", tags=("Breaking",))
    started = time.perf_counter()
    index.update([edited])
    incremental_seconds = time.perf_counter() - started
    same = index.lists == RelatedIndex(settings).update(docs[:len(docs) // 2] + [edited] + docs[len(docs) // 2 + 1:]).lists
    return {"articles": count, "seconds": round(full_seconds, 2), "incremental_seconds": round(incremental_seconds, 2),
            "incremental_equals_full": same, "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "precision_at_5": round(precision, 3), "articles_with_similar_list": round(with_list, 3)}


def main(sizes: list[int]) -> None:
    rows = []
    for count in sizes:
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--one", str(count)], check=True,
                                          capture_output=True, text=True).stdout) for _ in range(3 if count <= 10_000 else 1)]
        row = dict(runs[0])
        for field in ("seconds", "incremental_seconds", "peak_mb"):
            row[field] = statistics.median(r[field] for r in runs)
        row["runs"] = len(runs)
        rows.append(row)
        print(row, flush=True)
    write_results(rows)


def write_results(rows: list[dict]) -> None:
    results = HERE / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    start, end = "<!-- related:start -->", "<!-- related:end -->"
    table = ["| articles | full (s, median) | one edit (s) | edit = full | peak RSS (MB) | precision@5 | with a similar list | runs |",
             "|---:|---:|---:|:---:|---:|---:|---:|---:|"]
    table += [f"| {r['articles']:,} | {r['seconds']} | {r['incremental_seconds']} | {'yes' if r['incremental_equals_full'] else 'NO'} "
              f"| {r['peak_mb']} | {r['precision_at_5']} | {r['articles_with_similar_list']} | {r['runs']} |" for r in rows]
    block = (f"{start}\n## Related posts\n\n`python bench/related_bench.py` on {time.strftime('%Y-%m-%d')}, "
             f"this machine ({_cpu()}). Targets: 10,000 under 2 s, 100,000 under 30 s and 1 GB.\n\n"
             + "\n".join(table) + f"\n{end}")
    if start in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(text, encoding="utf-8")


def _cpu() -> str:
    import os

    return f"{os.cpu_count()} cores"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        main([int(n) for n in sys.argv[1:]] or [1000, 10_000, 100_000])

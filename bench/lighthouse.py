"""Lighthouse scores of the demo site on a phone, written to bench/RESULTS.md.

    python bench/lighthouse.py            # home and article page, 3 runs each
    python bench/lighthouse.py --runs 5

A benchmark, not a test: the performance score depends on the machine's load.
The demo is built with base_url set to the local server (so canonical links and
robots.txt name the address Lighthouse sees) and served from 127.0.0.1 the way
a static host or CDN would: gzip for text, and a year-long immutable cache for
the fingerprinted CSS, JS and image versions. Lighthouse 12.2.3 (npm, pinned in
bench/lighthouse/package.json; `npm ci` is run there when it is missing) drives
Debian's Chromium (`--headless --no-sandbox`) with its default mobile settings:
a Moto G Power screen and simulated slow 4G with a 4x slower CPU.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from results import cpu, write_section  # noqa: E402  (bench/ is the script folder)
from sitegen.build import build  # noqa: E402

TOOL = HERE / "lighthouse"
LIGHTHOUSE = TOOL / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
PAGES = {"home": "", "article": "world/putin-strengthens-ties/"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FINGERPRINTED = re.compile(r"\.[0-9a-f]{8}(\.\d+w)?\.[a-z]+$")


class StaticHost(SimpleHTTPRequestHandler):
    """What a CDN in front of the output does: gzip text, cache hashed names for a year."""

    def log_message(self, format, *args):
        pass

    def end_headers(self):
        long_lived = FINGERPRINTED.search(self.path.split("?")[0])
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if long_lived else "no-cache")
        super().end_headers()

    def do_GET(self):  # noqa: N802 (http.server's name)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            path, status = Path(self.directory) / "404.html", 404
        else:
            status = 200
        body = path.read_bytes()
        kind = self.guess_type(str(path))
        compressed = kind.startswith(("text/", "application/javascript", "application/json", "image/svg"))
        body = gzip.compress(body, 6) if compressed else body
        self.send_response(status)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        if compressed:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def lighthouse(url: str, report: Path) -> dict[str, int]:
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                    f"--only-categories={','.join(CATEGORIES)}", "--chrome-flags=--headless --no-sandbox"],
                   check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
    data = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}
    metrics = data["audits"]
    scores.update(fcp=metrics["first-contentful-paint"]["numericValue"],
                  lcp=metrics["largest-contentful-paint"]["numericValue"],
                  cls=metrics["cumulative-layout-shift"]["numericValue"],
                  tbt=metrics["total-blocking-time"]["numericValue"])
    scores["failed"] = sorted(audit_id for audit_id, audit in metrics.items()
                              if audit.get("score") is not None and audit["score"] < 1
                              and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=TOOL, check=True)
    work = Path(tempfile.mkdtemp(prefix="sitegen-lighthouse-"))
    try:
        site, output = work / "site", work / "public"
        shutil.copytree(REPO / "content", site / "content")
        shutil.copytree(REPO / "assets", site / "assets")
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticHost, directory=str(output)))
        origin = f"http://127.0.0.1:{server.server_address[1]}/"
        config = (REPO / "site.yaml").read_text(encoding="utf-8")
        (site / "site.yaml").write_text(re.sub(r"(?m)^base_url: .*$", f"base_url: {origin}", config), encoding="utf-8")
        build(site, output)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        rows = []
        for name, path in PAGES.items():
            runs = [lighthouse(origin + path, work / f"{name}-{n}.json") for n in range(args.runs)]
            print(name, [{k: r[k] for k in CATEGORIES} for r in runs], runs[0]["failed"])
            rows.append((name, path, runs))
        server.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0]
    lines = [f"## Lighthouse (mobile)\n\n`python bench/lighthouse.py` on {time.strftime('%Y-%m-%d')}, this machine "
             f"({cpu()}, load average {load:.1f} at the end), Lighthouse 12.2.3 with Debian's Chromium "
             "(`--headless --no-sandbox`), default mobile emulation (simulated slow 4G, 4x CPU slowdown). The demo is "
             "served from 127.0.0.1 as a CDN would serve it (gzip, a year's cache for fingerprinted files). "
             f"Scores of each of {args.runs} runs; metrics are medians. Target: 100 in every category.\n",
             "| page | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS | audits below 1 |",
             "|---|---|---|---|---|---:|---:|---:|---:|---|"]
    for name, path, runs in rows:
        scores = [" / ".join(str(r[c]) for r in runs) for c in CATEGORIES]
        median = {m: statistics.median(r[m] for r in runs) for m in ("fcp", "lcp", "tbt", "cls")}
        failed = sorted({a for r in runs for a in r["failed"]})
        lines.append(f"| {name} (`/{path}`) | {' | '.join(scores)} | {median['fcp']:.0f} ms | {median['lcp']:.0f} ms "
                     f"| {median['tbt']:.0f} ms | {median['cls']:.3f} | {', '.join(failed) or 'none'} |")
    write_section("lighthouse", "\n".join(lines))


if __name__ == "__main__":
    main()

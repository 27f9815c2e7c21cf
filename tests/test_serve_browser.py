"""`sitegen serve` end to end: the real command, a real headless Chromium, edits made on disk.

Each test starts `python -m sitegen serve -s <site> --port 0` as a subprocess,
reads the URL it prints, opens pages with Playwright and then only edits files
(as an author's editor does) and waits for the browser to show the result: new
text, the error overlay, swapped styles, a renamed article's new address. The
server is always stopped with SIGINT (Ctrl-C) and must exit with code 0.
Needs the `playwright` package (test extras) and the system Chromium at
/usr/bin/chromium; Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import REPO, article, make_site

try:
    from playwright.sync_api import expect
except ImportError:  # reported by the `browser` fixture (conftest.py)
    expect = None

pytestmark = pytest.mark.browser

SEEN = 5_000  # ms: how long a change may take to show in the browser (a rebuild here takes ~20 ms)
STARTED = 30  # s: how long the server may take to print its URL
STOPPED = 5  # s: how long it may take to exit after Ctrl-C

STORY = "content/world/harbour.md"
ARTICLES = {
    STORY: article("Harbour museum reopens", "2024-06-10", summary="The old museum opens again.",
                   body="The museum by the docks opened its doors on Monday."),
    "content/economy/shipping.md": article("Shipping costs climb", "2024-06-05", summary="Fees rose again."),
}

GOOD_LAYOUT = """\
{% extends "base.html" %}
{% block main %}
<h1 class="mine">{{ page.title }}</h1>
{% if page.subtitle %}
<p class="standfirst">{{ page.subtitle }}</p>
{% endif %}
<div class="article-body">{{ page.content }}</div>
{% endblock %}
"""
BROKEN_LAYOUT = GOOD_LAYOUT.replace("{% endif %}\n", "")  # the {% if %} of line 4 is never closed
BROKEN_LINE = 7  # where Jinja notices: the {% endblock %} that arrives while the if is still open
FIXED_LAYOUT = GOOD_LAYOUT.replace('<h1 class="mine">', '<p class="fixed">Layout fixed</p>\n<h1 class="mine">')



@dataclass
class Server:
    """One running `sitegen serve`: its site folder, URL and what it printed so far."""

    site: Path
    url: str
    process: subprocess.Popen
    stderr: Path
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue = field(default_factory=queue.Queue)

    def edit(self, relative: str, text: str) -> None:
        path = self.site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def wait_for_line(self, starts: str, after: int = 0, timeout: float = SEEN / 1000) -> str:
        """The first line starting with `starts` printed after the first `after` lines."""
        deadline = time.monotonic() + timeout
        while True:
            self.drain()
            for line in self.lines[after:]:
                if line.startswith(starts):
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"no line starting with {starts!r} in {timeout} s; printed: {self.lines}")
            time.sleep(0.02)

    def drain(self) -> list[str]:
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                return self.lines
            if line is not None:
                self.lines.append(line)


def _start(site: Path, log_dir: Path) -> Server:
    stderr = log_dir / "serve-stderr.txt"
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "sitegen", "serve", "-s", str(site), "--port", "0"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=stderr.open("wb"), stdin=subprocess.DEVNULL, text=True,
        encoding="utf-8", start_new_session=True)  # our SIGINT only, not a terminal's Ctrl-C meant for pytest
    server = Server(site, "", process, stderr)

    def read() -> None:
        for line in process.stdout:
            server._queue.put(line.rstrip("\n"))
        server._queue.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        line = server.wait_for_line("Serving ", timeout=STARTED)
    except AssertionError:
        _stop(server)
        raise
    found = re.fullmatch(r"Serving (.+) at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)", line)
    assert found, f"unexpected first line: {line!r}"
    assert int(found.group(3)) != 0, "--port 0 must print the port the OS chose"
    server.url = found.group(2)
    return server


def _stop(server: Server) -> tuple[int, str]:
    """Ctrl-C; the exit code (None if it had to be killed) and what it wrote on stderr."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
    try:
        code = server.process.wait(timeout=STOPPED)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        code = None
    return code, server.stderr.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def serve(tmp_path):
    """serve(files, prepare=None) → a running `sitegen serve` of a site made of `files` (then given to
    `prepare`); stopped with Ctrl-C afterwards."""
    started: list[Server] = []

    def start(files: dict[str, str], prepare=None) -> Server:
        site = make_site(tmp_path, files)
        if prepare:
            prepare(site)
        server = _start(site, tmp_path)
        started.append(server)
        return server

    yield start
    for server in started:
        code, stderr = _stop(server)
        assert code == 0, (f"`sitegen serve` should exit with 0 within {STOPPED} s of Ctrl-C; got {code}; "
                           f"stderr:\n{stderr}")
        assert "Traceback" not in stderr, stderr


@pytest.fixture
def page(browser):
    """A fresh tab; the test fails on a script error or a request that leaves the test server."""
    context = browser.new_context()
    tab = context.new_page()
    errors, foreign = [], []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("request", lambda request: None if request.url.startswith("http://127.0.0.1:")
           else foreign.append(request.url))
    yield tab
    context.close()
    assert not errors, f"script errors: {errors}"
    assert not foreign, f"requests outside the site: {foreign}"


def _loads(page) -> list[int]:
    """A list that gets one item for each page load of `page` from now on."""
    loads: list[int] = []
    page.on("load", lambda _: loads.append(1))
    return loads


def test_an_edit_on_disk_shows_in_the_open_page(page, serve):
    server = serve(ARTICLES)
    page.goto(server.url + "world/harbour/")
    expect(page.locator("h1")).to_have_text("Harbour museum reopens")
    expect(page.locator("script[src='/__sitegen/live.js']")).to_have_count(1)
    page.evaluate("window.__marker = 1")
    loads = _loads(page)
    server.edit(STORY, article("Harbour museum reopens", "2024-06-10", summary="The old museum opens again.",
                               body="Queues stretched along the quay by nine."))
    expect(page.locator(".article-body")).to_contain_text("Queues stretched along the quay", timeout=SEEN)
    assert "opened its doors" not in page.locator(".article-body").inner_text()
    assert page.evaluate("window.__marker") == 1 and loads == [], "the new page is swapped in, not reloaded"
    assert any(re.fullmatch(r"rebuilt in \d+ ms \(harbour\.md.*changed\): \d+ pages?, \d+ files? changed", line)
               for line in server.drain()), server.lines


def test_a_page_with_scripts_of_its_own_is_reloaded_so_they_run_again(page, serve):
    server = serve(ARTICLES)
    page.goto(server.url + "search/?q=harbour")
    expect(page.get_by_role("link", name="Harbour museum reopens").first).to_be_visible()
    page.evaluate("window.__marker = 1")
    server.edit("content/world/lighthouse.md", article("Lighthouse keeper retires", "2024-06-20"))
    page.wait_for_function("window.__marker === undefined", timeout=SEEN)
    expect(page.get_by_role("link", name="Harbour museum reopens").first).to_be_visible()


def test_a_broken_layout_shows_the_error_over_the_page_until_it_is_fixed(page, serve):
    server = serve({**ARTICLES, "layouts/article.html": GOOD_LAYOUT})
    page.goto(server.url + "world/harbour/")
    expect(page.locator("h1.mine")).to_have_text("Harbour museum reopens")
    printed = len(server.drain())

    server.edit("layouts/article.html", BROKEN_LAYOUT)
    overlay = page.locator("#sitegen-error-overlay")
    expect(overlay).to_be_visible(timeout=SEEN)
    expect(overlay).to_contain_text(f"layouts/article.html:{BROKEN_LINE}: error: template syntax")
    expect(overlay).to_contain_text("'endif'")
    assert overlay.evaluate("e => getComputedStyle(e).position") == "fixed"
    expect(page.locator("h1.mine")).to_have_text("Harbour museum reopens")  # the last good page, underneath
    assert server.wait_for_line("build failed (article.html changed)", after=printed)
    assert any(f"layouts/article.html:{BROKEN_LINE}: error:" in line for line in server.drain()[printed:])

    reloading = page.goto(server.url + "world/harbour/")  # a page opened while the build is broken shows it too
    assert reloading.status == 200
    expect(overlay).to_contain_text(f"layouts/article.html:{BROKEN_LINE}: error:", timeout=SEEN)

    server.edit("layouts/article.html", FIXED_LAYOUT)
    expect(page.locator("p.fixed")).to_have_text("Layout fixed", timeout=SEEN)
    expect(overlay).to_have_count(0)
    expect(page.locator("h1.mine")).to_have_text("Harbour museum reopens")


def test_a_css_change_swaps_the_styles_without_a_reload(page, serve):
    server = serve({**ARTICLES, "assets/css/site.css": "h1 { color: rgb(1, 2, 3); }\n"})
    page.goto(server.url + "world/harbour/")
    heading = page.locator("h1")
    assert heading.evaluate("e => getComputedStyle(e).color") == "rgb(1, 2, 3)"
    page.evaluate("window.__marker = 1")
    loads = _loads(page)

    server.edit("assets/css/site.css", "h1 { color: rgb(200, 0, 0); }\n")
    page.wait_for_function("getComputedStyle(document.querySelector('h1')).color === 'rgb(200, 0, 0)'",
                           timeout=SEEN)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert loads == []
    hrefs = page.locator("link[rel=stylesheet]").evaluate_all("links => links.map(l => l.href)")
    assert hrefs and all("sitegen=" in href for href in hrefs), hrefs


def test_a_renamed_article_takes_the_reader_to_its_new_address(page, serve):
    server = serve(ARTICLES)
    page.goto(server.url + "world/harbour/")
    expect(page.locator("h1")).to_have_text("Harbour museum reopens")
    (server.site / STORY).rename(server.site / "content/world/harbour-museum.md")
    expect(page).to_have_url(server.url + "world/harbour-museum/", timeout=SEEN)
    expect(page.locator("h1")).to_have_text("Harbour museum reopens")
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(server.url + "world/harbour/", timeout=5)
    assert gone.value.code == 404


def test_a_new_article_appears_on_the_open_home_page(page, serve):
    server = serve(ARTICLES)
    page.goto(server.url)
    expect(page.get_by_role("link", name="Harbour museum reopens").first).to_be_visible()
    expect(page.get_by_role("link", name="Lighthouse keeper retires")).to_have_count(0)
    server.edit("content/world/lighthouse.md", article("Lighthouse keeper retires", "2024-06-20"))
    expect(page.get_by_role("link", name="Lighthouse keeper retires").first).to_be_visible(timeout=SEEN)
    page.get_by_role("link", name="Lighthouse keeper retires").first.click()
    expect(page).to_have_url(server.url + "world/lighthouse/")


def test_requests_during_a_burst_of_rebuilds_get_whole_pages(serve):
    """Pages fetched while the author saves again and again are complete, never half written, never older."""
    server = serve(ARTICLES)
    printed = len(server.drain())
    done = threading.Event()
    bad, versions, failures = [], [], []

    def fetch_loop() -> None:
        seen = -1
        for _ in range(2000):  # bounded; normally stopped by `done` after a few hundred
            if done.is_set():
                return
            try:
                with urllib.request.urlopen(server.url, timeout=10) as response:
                    body = response.read()
            except Exception as exc:  # noqa: BLE001 - any failure to answer is a finding
                failures.append(repr(exc))
                continue
            text = body.decode("utf-8", errors="replace")
            whole = (text.rstrip().endswith("</html>") and text.count("</html>") == 1
                     and re.search(r'<script src="/__sitegen/live\.js" [^>]*></script></body>', text))
            if not whole:
                bad.append(text[-300:] if text else "(empty body)")
                continue
            version = re.search(r"Harbour museum reopens, take (\d+)", text)
            if version:
                number = int(version.group(1))
                if number < seen:
                    bad.append(f"take {number} served after take {seen}")
                seen = max(seen, number)
                versions.append(number)

    fetchers = [threading.Thread(target=fetch_loop, daemon=True) for _ in range(3)]
    for fetcher in fetchers:
        fetcher.start()
    takes = 25
    try:
        for take in range(takes):  # a save every 30-90 ms: some land while a rebuild runs, some merge
            server.edit(STORY, article(f"Harbour museum reopens, take {take}", "2024-06-10",
                                       summary="The old museum opens again.", body="Words " * (50 + take * 40)))
            time.sleep(0.03 + 0.06 * (take % 2))
        server.wait_for_line("rebuilt", after=printed)
        deadline = time.monotonic() + SEEN / 1000
        while (not versions or versions[-1] != takes - 1) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        for fetcher in fetchers:
            fetcher.join(timeout=15)
    rebuilds = [line for line in server.drain()[printed:] if line.startswith("rebuilt")]
    assert not failures, failures[:3]
    assert not bad, f"{len(bad)} bad responses, e.g. {bad[:3]}"
    assert len(rebuilds) >= 3, f"the burst should cause several rebuilds: {rebuilds}"
    assert len(versions) >= 20, f"too few pages fetched to mean anything: {len(versions)}"
    assert versions[-1] == takes - 1, "the last save must be served in the end"


def test_an_edit_is_rebuilt_when_the_site_folder_holds_a_large_earlier_build(serve):
    def earlier_build(site: Path) -> None:  # what `sitegen build` of a large site leaves in public/
        for n in range(10_000):
            (site / "public" / f"{n // 100:03d}" / f"story-{n}").mkdir(parents=True)

    server = serve(ARTICLES, prepare=earlier_build)
    time.sleep(1)
    printed = len(server.drain())
    server.edit(STORY, article("Harbour museum reopens", "2024-06-10", body="Queues stretched along the quay."))
    server.wait_for_line("rebuilt", after=printed, timeout=6)
    with urllib.request.urlopen(server.url + "world/harbour/", timeout=5) as response:
        assert "Queues stretched along the quay" in response.read().decode()

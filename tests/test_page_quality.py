"""The demo site as readers and validators meet it: valid HTML, no accessibility violations,
a small page, no layout shift, and embeds that load nothing until clicked.

The checkers come from npm (tests/tools/package.json; .ci/run installs them): the Nu Html
Checker (`vnu-jar`, run with Java) and axe-core, injected into headless Chromium.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, missing, serve_folder

TOOLS = REPO / "tests" / "tools" / "node_modules"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = TOOLS / "axe-core" / "axe.min.js"
INSTALL = "cd tests/tools && npm ci"
ARTICLE = "world/putin-strengthens-ties/"
WITH_EMBED = "en/culture/noticies-del-festival/"  # the festival story is in English, under /en/
PAGES = {"home": "", "article": ARTICLE, "section": "world/", "tag": "tags/russia/", "search": "search/?q=putin",
         "404": "404.html"}
BUDGET = 30 * 1024  # an article's HTML, CSS and JS, gzipped; images aside


def test_every_demo_page_passes_the_nu_html_checker(demo, tmp_path):
    java = shutil.which("java")
    if not java:
        missing("java", "apt-get install default-jre-headless")
    if not VNU.is_file():
        missing(f"vnu.jar at {VNU}", INSTALL)
    broken = tmp_path / "broken.html"  # proves the checker runs: this one error must be the only one
    broken.write_text('<!DOCTYPE html><html lang="en"><title>x</title><img src="x.png">', encoding="utf-8")
    run = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", "--skip-non-html",
                          str(demo), str(broken)], capture_output=True, text=True, timeout=600)
    messages = json.loads(run.stderr)["messages"]
    errors = [f"{m['url'].split(str(demo))[-1]}:{m.get('lastLine', 0)}: {m['message']}" for m in messages]
    assert len(errors) == 1 and "broken.html" in errors[0] and "alt" in errors[0], "\n".join(errors)


def _page_weight(demo: Path, page: Path) -> dict[str, int]:
    """Gzipped bytes of a page and of every stylesheet and script it loads."""
    html = page.read_text(encoding="utf-8")
    weights = {page.relative_to(demo).as_posix(): len(gzip.compress(html.encode("utf-8"), 9))}
    for url in re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', html):
        path = demo / "".join(url).lstrip("/")
        weights[path.relative_to(demo).as_posix()] = len(gzip.compress(path.read_bytes(), 9))
    return weights


def test_article_pages_stay_within_the_budget_and_need_no_third_party(demo):
    pages = sorted(demo.glob("*/*/index.html"))
    assert len(pages) > 15
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'<(?:link rel="stylesheet"|script)[^>]*(?:href|src)="(?:https?:)?//', html), page
        assert "@import" not in html
        weights = _page_weight(demo, page)
        assert sum(weights.values()) < BUDGET, weights
    print("article page, gzipped:", _page_weight(demo, demo / ARTICLE / "index.html"))


@pytest.fixture(scope="module")
def demo_origin(demo):
    with serve_folder(demo) as origin:
        yield origin + "/"


def _axe_violations(page) -> list[str]:
    if not AXE.is_file():
        missing(f"axe-core at {AXE}", INSTALL)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations(browser, demo_origin, name, scheme):
    page = browser.new_page(color_scheme=scheme)
    try:
        page.goto(demo_origin + PAGES[name], wait_until="networkidle")
        if name == "search":
            page.wait_for_selector(".search-result")
        assert _axe_violations(page) == []
    finally:
        page.close()


@pytest.mark.browser
def test_nothing_shifts_while_an_article_loads(browser, demo_origin):
    page = browser.new_page(viewport={"width": 412, "height": 823}, device_scale_factor=1.75)
    try:
        page.add_init_script("""window.__shift = 0;
            new PerformanceObserver(list => { for (const e of list.getEntries()) window.__shift += e.value; })
              .observe({type: 'layout-shift', buffered: true});""")
        held = []  # images answer only once the page is laid out, as on a slow connection
        images = re.compile(r"\.(webp|jpg)$")
        page.route(images, lambda route: held.append(route))
        page.goto(demo_origin + ARTICLE, wait_until="domcontentloaded")
        hero = page.locator(".hero img")
        box = hero.bounding_box()
        assert held and abs(box["height"] - box["width"] * 675 / 1200) < 1  # its space is kept before it loads
        for route in held:
            route.continue_()
        page.unroute(images)
        page.wait_for_load_state("networkidle")
        page.mouse.wheel(0, 3000)
        page.wait_for_timeout(300)
        assert page.evaluate("window.__shift") == 0
        assert hero.evaluate("img => img.currentSrc").endswith("960w.webp")  # 412 px at 1.75x: not the largest
    finally:
        page.close()


@pytest.mark.browser
def test_an_embed_loads_nothing_from_the_video_site_until_clicked(browser, demo_origin):
    page = browser.new_page()
    outside: list[str] = []

    def only_local(route):
        if not route.request.url.startswith(demo_origin):
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", only_local)
    try:
        page.goto(demo_origin + WITH_EMBED, wait_until="networkidle")
        facade = page.locator("a.embed-facade")
        assert outside == [] and facade.get_attribute("href") == "https://vimeo.com/76979871"
        facade.scroll_into_view_if_needed()
        box = facade.bounding_box()
        facade.click()
        frame = page.locator("figure.embed iframe")
        frame.wait_for()
        assert frame.get_attribute("src") == "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1"
        assert frame.get_attribute("title") == "Closing night on the seafront (video)"
        assert frame.bounding_box() == box  # the player takes the facade's place exactly
        page.wait_for_timeout(200)
        assert any(url.startswith("https://player.vimeo.com/") for url in outside)
    finally:
        page.close()

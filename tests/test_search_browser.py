"""The search page in a real browser: headless Chromium driven by Playwright.

A site is built with the CLI, served over HTTP on 127.0.0.1, and searched the
way a reader does: typing, arrow keys, Enter, a shared ?q= link. Needs the
`playwright` package (test extras) and the system Chromium at /usr/bin/chromium;
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import article, build_site, make_site, serve_folder

try:
    from playwright.sync_api import expect
except ImportError:  # reported by the `browser` fixture (conftest.py)
    expect = None

pytestmark = pytest.mark.browser

EVIL_TITLE = "<img src=x onerror=alert(1)>"

ARTICLES = {
    "content/world/harbour-museum.md": article(
        "Harbour museum reopens", "2024-06-10", tags="[Culture, Ports]",
        summary="The old museum by the docks opens its doors again."),
    "content/world/harbour-strike.md": article(
        "Harbour strike ends", "2024-06-15", summary="Dockers return to work after a week."),
    "content/economy/shipping.md": article(
        "Shipping costs climb", "2024-06-20", summary="Fees at the harbour rose for the third month."),
    "content/culture/festival.md": article(
        '"Notícies del festival"', "2024-06-05", summary="Vilamar closes its tenth film festival."),
    "content/culture/evil.md": article(
        f'"{EVIL_TITLE}"', "2024-06-01", summary="A title that tries to be HTML."),
}



def _build(root: Path, files: dict[str, str], output: Path) -> Path:
    site = make_site(root, files)
    run = build_site(site, "-q", "-o", output)
    assert run.code == 0, run.err
    return output


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """The site at the root of its domain: yields the URL of its home page."""
    root = tmp_path_factory.mktemp("search")
    output = _build(root, ARTICLES, root / "public")
    with serve_folder(output) as origin:
        yield origin + "/"


@pytest.fixture(scope="module")
def news_under_path(tmp_path_factory):
    """The same site with base_url https://example.com/news/, served so that /news/ is its output folder."""
    root = tmp_path_factory.mktemp("search-subpath")
    config = "title: Test News\nbase_url: https://example.com/news/\ntimezone: UTC\n"
    _build(root, {"site.yaml": config, **ARTICLES}, root / "www" / "news")
    with serve_folder(root / "www") as origin:
        yield origin + "/news/"


@pytest.fixture
def page(browser):
    """A fresh tab; the test fails on a script error, a dialog or a request that leaves the test server."""
    context = browser.new_context()
    tab = context.new_page()
    errors, dialogs, foreign = [], [], []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("request", lambda request: None if request.url.startswith("http://127.0.0.1:")
           else foreign.append(request.url))
    yield tab
    context.close()
    assert not errors, f"script errors: {errors}"
    assert not dialogs, f"dialogs opened: {dialogs}"
    assert not foreign, f"requests outside the site: {foreign}"


def titles(page):
    return page.locator("#search-results .search-list li a")


def test_results_appear_as_you_type_ranked_title_first_then_newest(page, news):
    page.goto(news + "search/")
    search = page.get_by_role("searchbox", name="Search the articles")
    expect(search).to_be_focused()
    page.keyboard.type("h")  # from the first character, without Enter
    expect(titles(page).first).to_be_visible()
    page.keyboard.type("arbour", delay=30)
    # Title matches first (newest first among them), then the summary match, although it is the newest article.
    expect(titles(page)).to_have_text(["Harbour strike ends", "Harbour museum reopens", "Shipping costs climb"])
    expect(page.locator(".search-count")).to_have_text("3 results")
    expect(page).to_have_url(news + "search/?q=harbour")
    first = page.locator(".search-list li").first
    expect(first.locator(".search-result-section")).to_have_text("World")
    expect(first.locator("time")).to_have_text("June 15, 2024")
    expect(first.locator(".summary")).to_have_text("Dockers return to work after a week.")
    search.fill("harbour museum")  # every word must appear
    expect(titles(page)).to_have_text(["Harbour museum reopens"])
    expect(page.locator(".search-count")).to_have_text("1 result")
    search.fill("ports")  # tags are searched too
    expect(titles(page)).to_have_text(["Harbour museum reopens"])


def test_case_and_accents_are_ignored(page, news):
    page.goto(news + "search/")
    page.keyboard.type("noticies")
    expect(titles(page)).to_have_text(["Notícies del festival"])
    page.get_by_role("searchbox").fill("NOTÍCIES FÈSTIVAL")
    expect(titles(page)).to_have_text(["Notícies del festival"])


def test_no_match_says_so(page, news):
    page.goto(news + "search/")
    page.keyboard.type("zebra")
    expect(page.locator(".search-count")).to_have_text("No articles match “zebra”.")
    expect(page.locator(".search-list li")).to_have_count(0)


def test_keyboard_enter_stays_arrows_move_escape_clears_and_enter_follows_a_result(page, news):
    page.goto(news + "search/")
    search = page.get_by_role("searchbox")
    page.keyboard.type("harbour")
    expect(titles(page)).to_have_count(3)
    page.evaluate("window.stillHere = true")
    page.keyboard.press("Enter")  # no reload: the page keeps its state
    expect(titles(page)).to_have_count(3)
    assert page.evaluate("window.stillHere") is True
    page.keyboard.press("Escape")
    expect(search).to_have_value("")
    expect(titles(page)).to_have_count(0)
    expect(page).to_have_url(news + "search/")
    page.keyboard.type("harbour")
    expect(titles(page)).to_have_count(3)
    page.keyboard.press("ArrowDown")
    expect(titles(page).nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(titles(page).nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(titles(page).nth(0)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(search).to_be_focused()
    page.keyboard.press("ArrowDown")
    href = titles(page).nth(0).get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(news + href.lstrip("/"))
    expect(page.locator("h1")).to_have_text("Harbour strike ends")


def test_a_shared_link_with_q_shows_results_at_once(page, news):
    page.goto(news + "search/?q=museum")
    expect(page.get_by_role("searchbox")).to_have_value("museum")
    expect(titles(page)).to_have_text(["Harbour museum reopens"])


def test_works_under_a_base_url_path(page, news_under_path):
    index_requests = []
    page.on("request", lambda request: index_requests.append(request.url) if "search-index" in request.url else None)
    page.goto(news_under_path + "search/?q=harbour")
    expect(titles(page)).to_have_count(3)
    assert index_requests == [news_under_path + "search-index.json"]
    for href in titles(page).evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("/news/"), href
    titles(page).first.click()
    expect(page.locator("h1")).to_have_text("Harbour strike ends")


def test_titles_are_text_never_markup(page, news):
    page.goto(news + "search/?q=onerror")
    expect(titles(page)).to_have_text([EVIL_TITLE])
    expect(page.locator("#search-results img")).to_have_count(0)


def test_without_javascript_the_form_submits_q_and_says_search_needs_javascript(browser, news):
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(news + "search/")
        message = tab.locator(".search-noscript")  # get_by_text() never looks inside <noscript>
        expect(message).to_be_visible()
        expect(message).to_have_text("Search needs JavaScript; browse the sections instead.")
        tab.get_by_role("searchbox", name="Search the articles").fill("harbour")
        tab.keyboard.press("Enter")
        expect(tab).to_have_url(news + "search/?q=harbour")
    finally:
        context.close()

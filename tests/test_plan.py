"""The plan (plan.py): every file a build outputs is one job of it, with what the job reads."""

from __future__ import annotations

import shutil

from conftest import REPO, article, build_site, make_site
from sitegen.build import Builder
from sitegen.intact import MARKER
from sitegen.plan import ALIAS, ARTICLE, ATOM_FEED, CARD, LISTING, RELATED, SEARCH_ENTRY, SEARCH_INDEX_FILE

SITE_FILES = {
    "site.yaml": "title: Test News\nbase_url: https://news.example.com/\ntimezone: UTC\npage_size: 2\n"
                 "language: ca\nlanguages:\n  ca: {}\n  en: {}\n",
    "content/world/pact.md": article("Defense pact signed", "2024-06-21", tags="[Russia, Diplomacy]",
                                     author="Ann Lee", aliases="[/old-pact/]", related="[gas]",
                                     body="Putin and Kim signed a pact."),
    "content/world/visit.md": article("Visit to Vietnam", "2024-06-20", tags="[Russia]", body="Putin visited Vietnam."),
    "content/world/visit.en.md": article("Visit to Vietnam (en)", "2024-06-20", body="In English."),
    "content/economy/gas.md": article("Gas prices fall", "2024-06-19", body="Gas prices fell in June."),
    "content/pages/about.md": "---\ntitle: About us\n---\n\nWho we are.\n",
    "content/world/map.txt": "a file copied as it is\n",
    "assets/css/extra.css": "body { color: red; }\n",
}


def written(output) -> set[str]:
    return {path.relative_to(output).as_posix() for path in output.rglob("*") if path.is_file()} - {MARKER}


def test_the_plan_lists_every_file_a_build_writes_and_nothing_else(tmp_path):
    site = make_site(tmp_path, SITE_FILES)
    result = Builder(site, tmp_path / "kept", resident=True).build()  # the preview server's build
    assert written(tmp_path / "kept") == result.plan.paths
    run = build_site(site, "-o", tmp_path / "public")  # the command line's, with fingerprinted CSS and JS
    assert run.code == 0, run.err
    assert {p for p in written(tmp_path / "public") if not p.startswith("css/")} == {
        p for p in result.plan.paths if not p.startswith("css/")}
    kinds = {job.output_path: job.kind for job in result.plan.jobs}
    assert kinds["world/pact/index.html"] == ARTICLE and kinds["old-pact/index.html"] == ALIAS
    assert kinds["tags/russia/atom.xml"] == ATOM_FEED and kinds["en/search-index.json"] == SEARCH_INDEX_FILE
    assert kinds["world/map.txt"] == "copy" and kinds["page/2/index.html"] == LISTING


def test_the_demo_site_outputs_exactly_its_plan(tmp_path):
    site = tmp_path / "demo"
    shutil.copytree(REPO, site, ignore=shutil.ignore_patterns(".git", ".sitegen-cache", "public", "tests", "src",
                                                              "bench", "docs", "*.egg-info"))
    result = Builder(site, tmp_path / "out", resident=True).build()
    assert written(tmp_path / "out") == result.plan.paths
    assert len(result.plan.jobs) == len(result.plan.paths)  # one job per file: a clash would be an error


def test_what_reads_an_articles_card_its_search_entry_and_its_related_list(tmp_path):
    site = make_site(tmp_path, SITE_FILES)
    plan = Builder(site, tmp_path / "kept", resident=True).build().plan
    gas = "content/economy/gas.md"
    card_readers = {job.output_path for job in plan.reading({CARD: {gas}})}
    # every listing page that lists it; and the page (and redirects) of each article whose related list shows it
    listed = {"page/2/index.html", "economy/index.html", "2024/page/2/index.html", "2024/06/page/2/index.html"}
    assert listed <= card_readers
    showing = {"world/pact/index.html", "old-pact/index.html"}  # its related list (hand-picked) shows gas
    assert card_readers == listed | showing
    assert [job.output_path for job in plan.reading({SEARCH_ENTRY: {gas}})] == ["search-index.json"]
    assert {job.output_path for job in plan.reading({RELATED: {"content/world/pact.md"}})} == {
        "world/pact/index.html", "old-pact/index.html"}


def test_which_pages_are_one_page_in_several_languages(tmp_path):
    """An article's translations, and each language's home, search page and tag index (their first pages:
    a listing's later pages differ by language); a page in one language has no versions."""
    plan = Builder(make_site(tmp_path, SITE_FILES), tmp_path / "out", resident=True).build().plan
    visit = {"ca": "world/visit/", "en": "en/world/visit/"}
    assert plan.versions_of("world/visit/", "ca") == plan.versions_of("en/world/visit/", "en") == visit
    assert plan.versions_of("", "ca") == plan.versions_of("en/", "en") == {"ca": "", "en": "en/"}
    assert plan.versions_of("search/", "ca") == {"ca": "search/", "en": "en/search/"}
    assert plan.versions_of("world/pact/", "ca") == {"ca": "world/pact/"}
    assert "page/2/" not in plan.versions and "tags/" not in plan.versions  # no English tag index: no tags
    sitemap = (tmp_path / "out" / "sitemap.xml").read_text()
    assert '<xhtml:link rel="alternate" hreflang="en" href="https://news.example.com/en/world/visit/" />' in sitemap
    page = (tmp_path / "out" / "en" / "world" / "visit" / "index.html").read_text()
    assert 'hreflang="ca" href="https://news.example.com/world/visit/"' in page

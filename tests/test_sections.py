"""Section files (Hugo's content/<section>/_index.md): the section's name everywhere it is shown, and the
introduction of its page; per language; errors at their lines; edits build what a clean build builds."""

import pytest

from conftest import built_page, MINIMAL_CONFIG, article, build_site, clean_build, make_site, tree

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

INTRO = """\
---
title: World news
summary: Wars, treaties and elections, from our correspondents.
---

Our **correspondents** report from five continents.
"""

FILES = {
    "content/world/_index.md": INTRO,
    "content/world/pact.md": article("Pact signed", "2024-06-10"),
    "content/economy/rates.md": article("Rates rise", "2024-06-09"),
}


def test_a_section_file_names_its_section_and_introduces_its_page(tmp_path):
    site = make_site(tmp_path, FILES)
    run = build_site(site)
    assert run.code == 0 and "_index" not in run.err, run.err
    section = built_page(site, "world")
    assert "<h1>World news</h1>" in section
    assert '<div class="section-intro">\n<p>Our <strong>correspondents</strong> report from five continents.</p>' \
           in section
    assert '<meta name="description" content="Wars, treaties and elections, from our correspondents.">' in section
    assert '<a href="/world/">World news</a>' in built_page(site)  # the navigation
    assert '<p class="kicker"><a href="/world/">World news</a></p>' in built_page(site, "world/pact")
    assert not (site / "public/world/_index").exists()
    assert "section-intro" not in built_page(site, "economy")


def test_site_yaml_names_win_over_a_section_file(tmp_path):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG + "sections: {world: The World}\n"})
    assert build_site(site).code == 0
    assert "<h1>The World</h1>" in built_page(site, "world") and "section-intro" in built_page(site, "world")


def test_each_language_has_its_own_section_file(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": MINIMAL_CONFIG + "languages:\n  ca: {title: El Diari}\n  en: {title: The Daily}\n",
        "content/world/_index.md": "---\ntitle: Món\n---\n\nNotícies de tot arreu.\n",
        "content/world/_index.en.md": "---\ntitle: World\n---\n\nNews from everywhere.\n",
        "content/world/pact.md": article("Pacte signat", "2024-06-10"),
        "content/world/pact.en.md": article("Pact signed", "2024-06-10"),
    })
    run = build_site(site)
    assert run.code == 0, run.err
    assert "<h1>Món</h1>" in built_page(site, "world") and "Notícies de tot arreu." in built_page(site, "world")
    assert "<h1>World</h1>" in built_page(site, "en/world") and "News from everywhere." in built_page(site, "en/world")


def test_a_broken_section_file_is_an_error_at_its_line(tmp_path):
    site = make_site(tmp_path, {**FILES, "content/world/_index.md": "---\ntitle: World\n  bad: [\n---\nText.\n"})
    run = build_site(site)
    assert run.code == 1 and "content/world/_index.md:3: error: front matter:" in run.err, run.err
    assert not (site / "public").exists()


def test_a_section_file_elsewhere_is_not_read_and_says_so(tmp_path):
    site = make_site(tmp_path, {**FILES, "content/_index.md": INTRO, "content/world/europe/_index.md": INTRO})
    run = build_site(site)
    assert run.code == 0
    assert "content/_index.md: warning: only a section folder's _index.md is read" in run.err
    assert "content/world/europe/_index.md: warning: only a section folder's _index.md is read" in run.err


def test_editing_a_section_file_builds_what_a_clean_build_builds(tmp_path):
    site = make_site(tmp_path, FILES)
    assert build_site(site).code == 0
    (site / "content/world/_index.md").write_text(INTRO.replace("World news", "Abroad").replace("five", "six"))
    assert build_site(site).code == 0
    assert "<h1>Abroad</h1>" in built_page(site, "world") and "six continents" in built_page(site, "world")
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    (site / "content/world/_index.md").unlink()
    assert build_site(site).code == 0
    assert "<h1>World</h1>" in built_page(site, "world")
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_section_file_keeps_the_navigation_order_of_site_yaml(tmp_path):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG + "sections: {economy: Economy}\n"})
    assert build_site(site).code == 0
    home = built_page(site)
    assert home.index('href="/economy/">Economy') < home.index('href="/world/">World news')


def test_a_non_ascii_section_folder_finds_its_section_file_in_the_sites_language(tmp_path):
    site = make_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + "language: de\n",
                                "content/Länder/a.md": article("A", "2024-06-10"),
                                "content/Länder/_index.md": "---\ntitle: Countries\n---\n\nAbroad.\n"})
    assert build_site(site).code == 0
    assert "<h1>Countries</h1>" in built_page(site, "laender") and "Abroad." in built_page(site, "laender")


def test_a_section_file_may_be_text_alone_and_draft_does_nothing_in_it(tmp_path):
    site = make_site(tmp_path, {**FILES, "content/world/_index.md": "Our correspondents report.\n",
                                "content/economy/_index.md": "---\ntitle: Money\ndraft: true\n---\nMarkets.\n"})
    run = build_site(site)
    assert run.code == 0, run.err
    assert "Our correspondents report." in built_page(site, "world") and "<h1>World</h1>" in built_page(site, "world")
    assert "content/economy/_index.md:1: warning: 'draft' does nothing in a section file" in run.err

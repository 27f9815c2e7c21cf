"""Custom taxonomies (`taxonomies:` in site.yaml): each with its terms' pages and Atom feeds and its index, in
the sitemap; read from front matter like tags; errors in site.yaml at their lines; edits as clean builds."""

import pytest

from conftest import built_page, MINIMAL_CONFIG, article, build_site, clean_build, make_site, tree

CONFIG = MINIMAL_CONFIG + "taxonomies: {series: Series, places: Places}\n"
FILES = {
    "site.yaml": CONFIG,
    "content/world/a.md": article("Polls open", "2024-06-10", series="[Elections 2024]", places="Vilamar, Port Arden"),
    "content/world/b.md": article("Results in", "2024-06-11", series="Elections 2024"),
    "content/world/c.md": article("Harbour reopens", "2024-06-09"),
}


def test_each_term_has_its_page_feed_and_index(tmp_path):
    site = make_site(tmp_path, FILES)
    run = build_site(site)
    assert run.code == 0 and "warning" not in run.err, run.err
    listing = built_page(site, "series/elections-2024")
    assert "<h1>Series: Elections 2024</h1>" in listing
    assert 'href="/world/b/"' in listing and 'href="/world/a/"' in listing and "/world/c/" not in listing
    assert listing.index('href="/world/b/"') < listing.index('href="/world/a/"')  # newest first
    assert '<link rel="alternate" type="application/atom+xml"' in listing
    feed = (site / "public/series/elections-2024/atom.xml").read_text()
    assert "Results in" in feed and "Harbour reopens" not in feed
    index = built_page(site, "places")
    assert "<h1>Places</h1>" in index and 'href="/places/port-arden/"' in index and 'href="/places/vilamar/"' in index
    sitemap = (site / "public/sitemap.xml").read_text()
    assert "https://news.example.com/series/elections-2024/" in sitemap and "https://news.example.com/places/" in sitemap
    article_page = built_page(site, "world/a")
    assert '<h2 class="taxonomy-name">Places</h2>' in article_page and 'href="/places/vilamar/"' in article_page


def test_a_taxonomy_field_is_not_an_unknown_key_on_a_site_that_declares_it(tmp_path):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG})
    run = build_site(site)
    assert run.code == 0 and not (site / "public/series").exists()
    assert "series" not in run.err  # a field sitegen does not know, kept in page.extra without a warning


def test_a_list_names_taxonomies_as_their_keys_say(tmp_path):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG + "taxonomies: [series, places]\n"})
    assert build_site(site).code == 0
    assert "<h1>Series</h1>" in built_page(site, "series")


@pytest.mark.parametrize("setting, message", [
    ("taxonomies: [tags]", "site.yaml:4: error: 'tags' cannot be a taxonomy: sitegen uses the name already"),
    ("taxonomies: [series, series]", "site.yaml:4: error: 'series' is listed twice"),
    ("taxonomies: series", "site.yaml:4: error: 'taxonomies' lists front matter fields, not 'series'"),
    ("taxonomies: ['!!!']", "site.yaml:4: error: 'taxonomies' names front matter fields, like 'series', not '!!!'"),
])
def test_bad_taxonomies_are_errors_at_their_lines(tmp_path, setting, message):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG + setting + "\n"})
    run = build_site(site)
    assert run.code == 1 and message in run.err, run.err


def test_a_taxonomy_whose_pages_clash_with_a_section_is_reported(tmp_path):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG + "taxonomies: [world]\n",
                                "content/world/d.md": article("D", "2024-06-01", world="x")})
    run = build_site(site)
    assert run.code == 1 and "URL /world/ (the page of section 'World') is also claimed by the world index" in run.err


def test_retagging_builds_what_a_clean_build_builds(tmp_path):
    site = make_site(tmp_path, FILES)
    assert build_site(site).code == 0
    (site / "content/world/c.md").write_text(article("Harbour reopens", "2024-06-09", series="[Harbour]"))
    (site / "content/world/b.md").write_text(article("Results in", "2024-06-11"))
    assert build_site(site).code == 0
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    assert "/world/b/" not in built_page(site, "series/elections-2024") and built_page(site, "series/harbour")


def test_more_terms_than_the_limit_is_an_error(tmp_path):
    many = "[" + ", ".join(f"p{n}" for n in range(5)) + "]"
    site = make_site(tmp_path, {**FILES, "site.yaml": CONFIG + "limits: {tags: 3}\n",
                                "content/world/d.md": article("D", "2024-06-01", places=many)})
    run = build_site(site)
    assert run.code == 1 and "content/world/d.md:4: error: 5 places: an article may have 3 at most" in run.err


def test_keys_match_in_any_case_and_a_misspelt_one_gets_a_hint(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": MINIMAL_CONFIG + "taxonomies: {Series: Series}\n",
        "content/a.md": article("A", "2024-06-10", Series="[Budget]"),
        "content/b.md": article("B", "2024-06-11", seires="[Budget]"),
        "content/c.md": article("C", "2024-06-12", series="{a: b}"),
    })
    run = build_site(site)
    assert run.err.count("content/c.md:4: error: 'series' must be a list of names") == 1  # said once
    assert "content/b.md:4: warning: unknown front matter key 'seires' (kept in page.extra)\n" \
           "  hint: did you mean 'series'?" in run.err
    (site / "content/c.md").unlink()
    assert build_site(site).code == 0
    assert 'href="/a/"' in built_page(site, "series/budget")


@pytest.mark.parametrize("name", ["draft", "summary", "image", "page", "lastmod"])
def test_a_front_matter_field_or_url_folder_of_sitegens_cannot_be_a_taxonomy(tmp_path, name):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG + f"taxonomies: [{name}]\n"})
    run = build_site(site)
    assert run.code == 1 and f"site.yaml:4: error: '{name}' cannot be a taxonomy" in run.err

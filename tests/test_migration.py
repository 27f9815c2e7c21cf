"""Blogs moved in from Hugo, Jekyll and Pelican: their front matter fields read as they mean them (without a
warning the author cannot act on), the rest kept with a warning that says what to write instead."""

import pytest

from conftest import built_page, article, build_site, make_site, png


@pytest.mark.parametrize("field", ["lastmod", "lastMod", "last_modified_at", "modified"])
def test_another_generators_modification_date_is_the_update(tmp_path, field):
    site = make_site(tmp_path, {"content/world/a.md": article("A", "2024-06-10", **{field: "2024-06-12"})})
    run = build_site(site)
    assert run.code == 0 and "warning" not in run.err, run.err
    assert '<meta property="article:modified_time" content="2024-06-12T00:00:00+00:00">' in built_page(site, "world/a")


def test_sitegens_own_field_wins_over_another_generators(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A", "2024-06-10", updated="2024-06-15",
                                                              lastmod="2024-06-12", excerpt="Theirs.",
                                                              summary="Ours.")})
    assert build_site(site).code == 0
    html = built_page(site, "world/a")
    assert 'content="2024-06-15T00:00:00+00:00"' in html and '<meta name="description" content="Ours.">' in html


def test_jekylls_excerpt_is_the_summary_and_redirect_from_the_aliases(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A", "2024-06-10", excerpt="As Jekyll put it.",
                                                              redirect_from="[/2019/old-a/]")})
    run = build_site(site)
    assert run.code == 0 and "warning" not in run.err, run.err
    assert '<meta name="description" content="As Jekyll put it.">' in built_page(site, "world/a")
    assert 'http-equiv="refresh" content="0; url=/world/a/"' in built_page(site, "2019/old-a")


def test_a_bad_date_in_another_generators_field_is_reported_at_its_line(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A", "2024-06-10", lastmod="yesterday")})
    run = build_site(site)
    assert run.code == 1 and "content/world/a.md:4: error: 'updated': " in run.err


def test_hugos_expiry_and_publish_dates_hold_an_article_back(tmp_path):
    site = make_site(tmp_path, {
        "content/world/gone.md": article("Gone", "2024-06-10", expiryDate="2024-06-11"),
        "content/world/later.md": article("Later", "2024-06-10", publishDate="2999-01-01"),
        "content/world/now.md": article("Now", "2024-06-10", publishdate="2024-06-11"),
        "content/world/empty.md": article("Empty", "2024-06-10", publishDate=""),
    })
    run = build_site(site)
    assert run.code == 0 and "warning" not in run.err, run.err
    assert "(left out: 1 future article, 1 expired)" in run.out
    assert not (site / "public/world/gone").exists() and not (site / "public/world/later").exists()
    assert '<time datetime="2024-06-11T00:00:00+00:00"' in built_page(site, "world/now")
    assert '<time datetime="2024-06-10T00:00:00+00:00"' in built_page(site, "world/empty")


def test_pelicans_category_is_the_section_when_none_is_given(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article("A", "2024-06-10", category="Science"),
                                "content/b.md": article("B", "2024-06-10", category="Science", section="World")})
    run = build_site(site)
    assert run.code == 0 and "warning" not in run.err, run.err
    assert (site / "public/science/a/index.html").is_file() and (site / "public/world/b/index.html").is_file()


def test_categories_still_get_a_warning_that_says_what_to_write(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article("A", "2024-06-10", categories="[news, world]")})
    run = build_site(site)
    assert "warning: 'categories' is not a sitegen field (kept in page.extra)\n" \
           "  hint: use 'section:' for the main one and 'tags:' for the rest" in run.err


TEXTS = {
    "a": ("Plant opens in the north", "The new factory employs four hundred workers from nearby towns."),
    "b": ("Council approves budget", "Councillors voted for more spending on roads and schools."),
    "c": ("Festival draws crowds", "Musicians from twelve countries played over three days in the park."),
}


def test_hugos_keywords_relate_articles_as_tags_do(tmp_path):
    def site_with(keywords: dict[str, str]):
        files = {f"content/news/{key}.md": article(title, f"2024-06-1{i}", body=text,
                                                   **({"keywords": keywords[key]} if key in keywords else {}))
                 for i, (key, (title, text)) in enumerate(TEXTS.items())}
        return make_site(tmp_path / str(len(keywords)), files)

    plain = site_with({})
    assert build_site(plain).code == 0
    assert "You may also like" not in built_page(plain, "news/a")  # nothing in common: the section's latest instead
    linked = site_with({"a": "[Lithium, Mining]", "c": "[lithium]"})
    run = build_site(linked)
    assert run.code == 0 and "keywords" not in run.err, run.err
    html = built_page(linked, "news/a")
    related = html[html.index('id="related-title"'):]
    assert "You may also like" in related and "Festival draws crowds" in related
    assert "Council approves budget" not in related
    assert not (linked / "public/tags/lithium").exists()  # keywords have no pages of their own


def test_hugos_images_make_the_social_card_when_there_is_no_lead_image(tmp_path):
    site = make_site(tmp_path, {
        "content/posts/trip/index.md": article("Trip", "2024-06-10", images="[cover.png, other.png]"),
        "content/posts/trip/cover.png": png(1200, 630),
        "content/posts/own/index.md": article("Own", "2024-06-10", image="/own.png", image_alt="Ours",
                                              images="[/theirs.png]"),
        "assets/own.png": png(800, 400),
    })
    run = build_site(site)
    assert run.code == 0 and "warning" not in run.err, run.err
    html = built_page(site, "posts/trip")
    assert '<meta property="og:image" content="https://news.example.com/posts/trip/cover.png">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '"image":["https://news.example.com/posts/trip/cover.png"]' in html  # JSON-LD
    assert 'class="lead-image"' not in html and "<figure" not in html  # not shown on the page
    assert "https://news.example.com/posts/trip/cover.png" in (site / "public/atom.xml").read_text()
    own = built_page(site, "posts/own")
    assert 'content="https://news.example.com/own.png"' in own and "theirs.png" not in own

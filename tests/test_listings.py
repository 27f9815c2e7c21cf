"""Issue 3: every listing page, pagination, permalinks, aliases and what search engines read."""

import json
import re

import pytest

from conftest import article, build_site, make_site

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)


def read(site, path):
    return (site / "public" / path).read_text(encoding="utf-8")


@pytest.fixture
def paper(tmp_path):
    files = {"site.yaml": "title: The Paper\nbase_url: https://news.example.com/\npage_size: 2\n"
                          "timezone: Europe/Madrid\n"}
    for day in range(1, 6):
        files[f"content/world/story-{day}.md"] = article(
            f"World story {day}", f"2024-06-{day:02d} 10:00", tags="[Diplomacy]", author="Ana Puig",
            body=f"Body of story {day}.")
    files["content/economy/gas.md"] = article("Gas prices", "2024-05-30", tags="[Energy, Diplomacy]",
                                              authors="[Joan Serra, Ana Puig]")
    return make_site(tmp_path, files)


def test_listings_are_paginated_with_prev_next_and_page_n_of_m(paper):
    assert build_site(paper).code == 0
    first, second, third = read(paper, "world/index.html"), read(paper, "world/page/2/index.html"), \
        read(paper, "world/page/3/index.html")
    assert "World story 5" in first and "World story 4" in first and "World story 3" not in first
    assert "World story 3" in second and "World story 1" in third
    assert '<link rel="next" href="https://news.example.com/world/page/2/">' in first
    assert 'rel="prev"' not in first.split("</head>")[0]
    assert '<link rel="prev" href="https://news.example.com/world/">' in second
    assert '<link rel="next" href="https://news.example.com/world/page/3/">' in second
    assert "Page 2 of 3" in second and "<title>World · Page 2 of 3 · The Paper</title>" in second
    assert '<a href="/world/page/2/" rel="next">' in first
    assert not (paper / "public/world/page/4").exists() and not (paper / "public/world/page/1").exists()


def test_home_page_is_paginated_too(paper):
    build_site(paper)
    assert 'class="lead-story"' in read(paper, "index.html")
    page2 = read(paper, "page/2/index.html")
    assert 'class="lead-story"' not in page2 and "World story 3" in page2
    assert (paper / "public/page/3/index.html").is_file() and not (paper / "public/page/4").exists()


def test_tag_author_and_archive_pages_and_indexes(paper):
    build_site(paper)
    assert "Gas prices" in read(paper, "tags/diplomacy/page/3/index.html")
    assert "Energy" in read(paper, "tags/index.html") and "(6)" in read(paper, "tags/index.html")
    ana = read(paper, "authors/ana-puig/index.html")
    assert "<h1>Articles by Ana Puig</h1>" in ana
    assert 'href="/authors/joan-serra/"' in read(paper, "authors/index.html")
    assert '<a href="/authors/ana-puig/" rel="author">Ana Puig</a>' in read(paper, "world/story-1/index.html")
    june = read(paper, "2024/06/index.html")
    assert "<h1>June 2024</h1>" in june and "6 articles" not in june and "5 articles" in june
    assert "Gas prices" in read(paper, "2024/05/index.html")
    assert "6 articles" in read(paper, "2024/index.html")


def test_empty_listings_are_not_generated(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article()})
    build_site(site)
    assert not (site / "public/tags").exists() and not (site / "public/authors").exists()
    assert "/tags/" not in read(site, "index.html")


def test_permalink_patterns_and_aliases(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": "base_url: https://example.com/news/\npermalinks:\n  article: /:year/:month/:slug/\n",
        "content/world/pact.md": article("Pact", "2024-06-21", aliases="[/2019/old-pact/, /old/pact.html]"),
    })
    assert build_site(site).code == 0
    assert "<h1>Pact</h1>" in read(site, "2024/06/pact/index.html")
    redirect = read(site, "2019/old-pact/index.html")
    assert '<meta http-equiv="refresh" content="0; url=/news/2024/06/pact/">' in redirect
    assert '<link rel="canonical" href="https://example.com/news/2024/06/pact/">' in redirect
    assert (site / "public/old/pact.html").is_file()


@pytest.mark.parametrize("pattern, message", [
    ("/:section/", "is not a URL pattern sitegen can use"),
    ("/:category/:slug/", "(not :category)"),
    (":slug", "start and end it with '/'"),
])
def test_bad_permalink_patterns(tmp_path, pattern, message):
    site = make_site(tmp_path, {"site.yaml": f"permalinks:\n  article: '{pattern}'\n", "content/a.md": article()})
    run = build_site(site)
    assert run.code == 1 and "site.yaml:2: error: permalinks.article" in run.err and message in run.err


def test_an_alias_claiming_an_existing_url_is_an_error(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A", aliases="/world/b/"),
                                "content/world/b.md": article("B")})
    run = build_site(site)
    assert run.code == 1 and "URL /world/b/ (an alias of content/world/a.md) is also claimed by content/world/b.md" in run.err


def test_every_page_has_title_description_canonical_lang_and_feed_links(paper):
    build_site(paper)
    for path in ["index.html", "world/index.html", "tags/diplomacy/index.html", "world/story-1/index.html",
                 "authors/index.html", "2024/index.html", "search/index.html"]:
        head = read(paper, path).split("</head>")[0]
        assert '<html lang="en">' in read(paper, path)
        assert re.search(r"<title>[^<]+</title>", head), path
        assert re.search(r'<meta name="description" content="[^"]+">', head), path
        assert re.search(r'<link rel="canonical" href="https://news\.example\.com/[^"]*">', head), path
        assert '<link rel="alternate" type="application/atom+xml" title="The Paper (Atom)" ' \
               'href="https://news.example.com/atom.xml">' in head, path
    section_head = read(paper, "world/index.html").split("</head>")[0]
    assert 'href="https://news.example.com/world/atom.xml"' in section_head
    assert "canonical" not in read(paper, "404.html")


def test_article_open_graph_twitter_and_json_ld(tmp_path):
    title = '</script><script>alert(1)</script> & "quotes"'
    site = make_site(tmp_path, {
        "site.yaml": "title: The Paper\nbase_url: https://news.example.com/\n",
        "content/world/a.md": article(json.dumps(title), "2024-06-21 09:30:00+02:00", tags="[Russia, NATO]",
                                      image="https://cdn.example.com/a.jpg", image_alt="Alt", author="Ana Puig",
                                      breadcrumb="[Inici, World]"),
    })
    assert build_site(site).code == 0
    page = read(site, "world/a/index.html")
    head = page.split("</head>")[0]
    assert '<meta property="og:type" content="article">' in head
    assert '<meta property="og:image" content="https://cdn.example.com/a.jpg">' in head
    assert '<meta property="article:published_time" content="2024-06-21T09:30:00+02:00">' in head
    assert '<meta property="article:section" content="World">' in head
    assert '<meta property="article:tag" content="NATO">' in head
    assert '<meta name="twitter:card" content="summary_large_image">' in head
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(scripts) == 1 and "</script" not in scripts[0] and "<" not in scripts[0]
    news, crumbs = json.loads(scripts[0])
    assert news["@type"] == "NewsArticle" and news["headline"] == title
    assert news["datePublished"] == "2024-06-21T09:30:00+02:00" and news["articleSection"] == "World"
    assert news["author"] == [{"@type": "Person", "name": "Ana Puig", "url": "https://news.example.com/authors/ana-puig/"}]
    assert news["image"] == ["https://cdn.example.com/a.jpg"] and news["keywords"] == ["Russia", "NATO"]
    visible = re.findall(r"<li>(?:<a href=\"[^\"]*\">|<span aria-current=\"page\">)?([^<]+)", page.split('class="breadcrumb"')[1].split("</nav>")[0])
    assert [item["name"] for item in crumbs["itemListElement"]] == [html_unescape(v) for v in visible]
    assert crumbs["itemListElement"][0]["item"] == "https://news.example.com/"
    assert crumbs["itemListElement"][-1]["item"] == "https://news.example.com/world/a/"


def html_unescape(text):
    import html

    return html.unescape(text).strip()

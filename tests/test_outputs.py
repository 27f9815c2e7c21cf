"""Feeds, sitemap, robots.txt and the search index (outputs.py), checked on the site model.

The sites are built only up to the model (config → content → model), so
these tests do not depend on templates or rendering.
"""

from __future__ import annotations

import json
from dataclasses import replace
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import feedparser
import pytest
from lxml import etree

from conftest import MINIMAL_CONFIG, article, make_site
from feedcheck import (ATOM_SCHEMA, RFC3339, W3C_DATETIME, atom_problems, json_feed_problems, rfc822_problems,
                       rss_problems)
from sitegen.config import BuildOptions, load_config
from sitegen.content import load_content
from sitegen.model import build_model, with_articles
from sitegen.outputs import image_type, machine_files
from sitegen.plan import (ATOM_FEED, JSON_FEED_FILE, ROBOTS_FILE, RSS_FEED, SITEMAP_FILE, SITEMAP_INDEX, plan_site,
                          sitemap_entries)

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
HOSTILE = '</script><script>alert(1)</script> & "quotes"'
NS = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/",
      "content": "http://purl.org/rss/1.0/modules/content/", "s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ORIGIN = "https://news.example.com/"

NEWS = {
    "content/world/pact.md": article("Defense pact signed", "2024-06-21T09:30:00+02:00", tags="[Russia, Diplomacy]",
                                     author="Ann Lee", image="/images/pact.png", image_alt="Signing",
                                     body="Putin and *Kim* signed a pact.\n\n## Reactions\n\nConcern."),
    "content/world/vietnam.md": article("Visit to Vietnam", "2024-06-20", tags="[Russia, Vietnam]", author="Bo Chen",
                                        aliases="[/2024/old-vietnam/]", body="Putin visited Vietnam."),
    "content/economy/gas.md": article("Gas prices fall", "2024-06-19", updated="2024-06-25 12:00", author="Ann Lee",
                                      body="Gas prices fell in June."),
    "content/pages/about.md": "---\ntitle: About us\n---\n\nWho we are.\n",
}


def load_site(tmp_path, files, config=MINIMAL_CONFIG):
    site_dir = make_site(tmp_path, {"site.yaml": config, **files})
    config = load_config(site_dir)
    content = load_content(config)
    assert not [d for d in content.diagnostics if d.is_error], content.diagnostics
    site, problems = build_model(config, content, BuildOptions(now=NOW), frozenset())
    assert not [p for p in problems if p.is_error], problems
    return site


def made_files(site, jobs):
    """The bytes of the feeds, sitemaps, robots.txt and search indexes among `jobs`, each made afresh."""
    return {path: data for path, (data, _) in made_now(site, plan_site(site).only(jobs)).items()}


def made_now(site, plan, recorded=None):
    """Each machine file of the plan, made: output path → (bytes or None when `recorded` stands, inputs)."""
    return {file.output_path: file.make() for group in machine_files(site, plan, recorded) for file in group}


def feeds(site):
    return made_files(site, plan_site(site).jobs)


@pytest.fixture
def news(tmp_path):
    return load_site(tmp_path, NEWS)


def parsed(data: bytes):
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def xml(data: bytes) -> ET.Element:
    """The parsed document; an Atom feed must also pass the RELAX NG schema of RFC 4287."""
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(data)
    if root.tag == f"{{{NS['a']}}}feed":
        schema_root = etree.fromstring(data)
        assert ATOM_SCHEMA.validate(schema_root), [e.message for e in ATOM_SCHEMA.error_log]
    return root


def test_atom_has_every_required_element(news):
    data = made_files(news, plan_site(news).jobs)["atom.xml"]
    feed = parsed(data)
    assert feed.version == "atom10"
    root = xml(data)
    assert root.findtext("a:id", namespaces=NS) == ORIGIN + "atom.xml"
    assert root.findtext("a:title", namespaces=NS) == "Test News"
    assert root.findtext("a:updated", namespaces=NS) == "2024-06-25T12:00:00+00:00"  # gas was updated last
    assert root.find("a:link[@rel='self']", NS).get("href") == ORIGIN + "atom.xml"
    assert root.find("a:link[@rel='alternate']", NS).get("href") == ORIGIN
    assert root.findtext("a:generator", namespaces=NS) == "sitegen"
    entries = root.findall("a:entry", NS)
    assert [e.findtext("a:title", namespaces=NS) for e in entries] == [
        "Defense pact signed", "Visit to Vietnam", "Gas prices fall"]
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated", "a:published", "a:link[@rel='alternate']", "a:author/a:name"):
            assert entry.find(required, NS) is not None, required
    first = feed.entries[0]
    assert first.id == first.link == ORIGIN + "world/pact/"
    assert [a.name for a in first.authors] == ["Ann Lee"]
    assert [t.term for t in first.tags] == ["Russia", "Diplomacy"]
    assert first.summary == "Putin and Kim signed a pact."
    assert feed.entries[2].updated == "2024-06-25T12:00:00+00:00"


def test_rss_has_every_required_element(news):
    data = made_files(news, plan_site(news).jobs)["rss.xml"]
    feed = parsed(data)
    assert feed.version == "rss20"
    channel = xml(data).find("channel")
    assert channel.findtext("title") == "Test News"
    assert channel.findtext("link") == ORIGIN
    assert channel.findtext("description")
    assert channel.find("a:link[@rel='self']", NS).get("href") == ORIGIN + "rss.xml"
    items = channel.findall("item")
    assert len(items) == 3
    for item in items:
        for required in ("title", "link", "guid", "pubDate", "dc:creator"):
            assert item.find(required, NS) is not None, required
        assert item.find("guid").get("isPermaLink") == "true" and item.findtext("guid") == item.findtext("link")
        assert item.find("author") is None  # RSS's <author> is an email address, which we do not have
    assert feed.entries[0].author == "Ann Lee" and feed.entries[0].link == ORIGIN + "world/pact/"


def test_json_feed_has_every_required_key(news):
    feed = json.loads(made_files(news, plan_site(news).jobs)["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Test News"
    assert feed["home_page_url"] == ORIGIN and feed["feed_url"] == ORIGIN + "feed.json"
    assert [item["title"] for item in feed["items"]] == ["Defense pact signed", "Visit to Vietnam", "Gas prices fall"]
    for item in feed["items"]:
        assert item["id"] == item["url"] and item["url"].startswith(ORIGIN)
        assert "content_html" in item or "content_text" in item
        datetime.fromisoformat(item["date_published"])
    assert feed["items"][0]["authors"] == [{"name": "Ann Lee", "url": ORIGIN + "authors/ann-lee/"}]
    assert feed["items"][0]["tags"] == ["Russia", "Diplomacy"]


def test_every_url_in_every_feed_is_absolute_under_the_base_url(tmp_path):
    site = load_site(tmp_path, NEWS, MINIMAL_CONFIG.replace("https://news.example.com/", "https://example.com/news/"))
    files = made_files(site, plan_site(site).jobs)
    for name in ("atom.xml", "rss.xml", "world/atom.xml", "tags/russia/atom.xml"):
        root = xml(files[name])
        urls = [el.get(attr) for el in root.iter() for attr in ("href", "url", "scheme") if el.get(attr)]
        urls += [el.text for el in root.iter() if el.tag.split("}")[-1] in ("id", "link", "guid", "uri") and el.text]
        assert urls and all(url.startswith("https://example.com/news/") for url in urls), (name, urls)
    feed = json.loads(files["feed.json"])
    assert feed["items"][0]["url"] == "https://example.com/news/world/pact/"
    assert feed["items"][0]["image"] == "https://example.com/news/images/pact.png"


@pytest.mark.parametrize("date, zone", [("2024-06-21T09:30:00+02:00", "UTC"), ("2024-06-21 09:30", "Europe/Madrid")])
def test_dates_keep_their_timezone(tmp_path, date, zone):
    site = load_site(tmp_path, {"content/world/pact.md": article("Pact", date)},
                     MINIMAL_CONFIG.replace("timezone: UTC", f"timezone: {zone}"))
    files = made_files(site, plan_site(site).jobs)
    atom = xml(files["atom.xml"])
    assert atom.findtext("a:entry/a:published", namespaces=NS) == "2024-06-21T09:30:00+02:00"
    assert atom.findtext("a:entry/a:updated", namespaces=NS) == "2024-06-21T09:30:00+02:00"
    assert atom.findtext("a:updated", namespaces=NS) == "2024-06-21T09:30:00+02:00"
    rss = xml(files["rss.xml"])
    assert rss.findtext("channel/item/pubDate") == "Fri, 21 Jun 2024 09:30:00 +0200"
    assert json.loads(files["feed.json"])["items"][0]["date_published"] == "2024-06-21T09:30:00+02:00"
    assert parsed(files["rss.xml"]).entries[0].published_parsed[:5] == (2024, 6, 21, 7, 30)  # the same instant in UTC


def test_hostile_front_matter_stays_text_in_every_output(tmp_path):
    quoted = "'" + HOSTILE.replace("'", "''") + "'"
    site = load_site(tmp_path, {"content/world/x.md": article(quoted, "2024-06-21", summary=quoted, tags=f"[{quoted}]",
                                                             author=quoted, body="Body & <b>bold</b>")},
                     MINIMAL_CONFIG.replace("title: Test News", f"title: {quoted}"))
    files = made_files(site, plan_site(site).jobs)
    atom, rss = xml(files["atom.xml"]), xml(files["rss.xml"])
    assert atom.findtext("a:title", namespaces=NS) == HOSTILE
    assert atom.findtext("a:entry/a:title", namespaces=NS) == HOSTILE
    assert atom.findtext("a:entry/a:summary", namespaces=NS) == HOSTILE
    assert atom.findtext("a:entry/a:author/a:name", namespaces=NS) == HOSTILE
    assert atom.find("a:entry/a:category", NS).get("term") == HOSTILE
    assert rss.findtext("channel/title") == HOSTILE and rss.findtext("channel/item/title") == HOSTILE
    assert rss.findtext("channel/item/dc:creator", namespaces=NS) == HOSTILE
    assert rss.findtext("channel/item/category") == HOSTILE
    for name in ("atom.xml", "rss.xml"):
        assert b"<script>" not in files[name]
        assert parsed(files[name]).entries[0].title == HOSTILE
    item = json.loads(files["feed.json"])["items"][0]
    assert item["title"] == item["summary"] == HOSTILE and item["tags"] == [HOSTILE]
    assert json.loads(made_files(site, plan_site(site).jobs)["search-index.json"])[0]["title"] == HOSTILE


def test_full_content_is_the_article_html_only_when_asked(tmp_path):
    files = {"content/world/pact.md": article("Pact", "2024-06-21", summary="Short.", body="Long *body* & more.")}
    summary_only = feeds(load_site(tmp_path / "a", files))
    atom = xml(summary_only["atom.xml"])
    assert atom.find("a:entry/a:content", NS) is None and atom.findtext("a:entry/a:summary", namespaces=NS) == "Short."
    assert xml(summary_only["rss.xml"]).find("channel/item/content:encoded", NS) is None
    assert json.loads(summary_only["feed.json"])["items"][0]["content_text"] == "Short."

    full = feeds(load_site(tmp_path / "b", files, MINIMAL_CONFIG + "feeds:\n  full_content: true\n"))
    html = "<p>Long <em>body</em> &amp; more.</p>"
    content = xml(full["atom.xml"]).find("a:entry/a:content", NS)
    assert content.get("type") == "html" and content.text == html
    assert parsed(full["atom.xml"]).entries[0].content[0].value == html
    assert xml(full["rss.xml"]).findtext("channel/item/content:encoded", namespaces=NS) == html
    assert json.loads(full["feed.json"])["items"][0]["content_html"] == html


def test_feeds_hold_the_newest_items_and_never_pages(tmp_path):
    files = {f"content/world/story-{day}.md": article(f"Story {day}", f"2024-06-{day:02d}") for day in range(1, 6)}
    site = load_site(tmp_path, {**files, "content/pages/about.md": "---\ntitle: About\n---\n\nAbout.\n"},
                     MINIMAL_CONFIG + "feeds:\n  items: 2\n")
    out = made_files(site, plan_site(site).jobs)
    for name in ("atom.xml", "rss.xml", "world/atom.xml"):
        assert [e.title for e in parsed(out[name]).entries] == ["Story 5", "Story 4"], name
    assert [i["title"] for i in json.loads(out["feed.json"])["items"]] == ["Story 5", "Story 4"]


def test_section_and_tag_feeds_hold_only_their_articles(news):
    files = made_files(news, plan_site(news).of(ATOM_FEED, RSS_FEED, JSON_FEED_FILE))
    assert sorted(files) == ["atom.xml", "economy/atom.xml", "feed.json", "rss.xml", "tags/diplomacy/atom.xml",
                             "tags/russia/atom.xml", "tags/vietnam/atom.xml", "world/atom.xml"]
    expected = {"world/atom.xml": ("Test News — World", ["world/pact/", "world/vietnam/"]),
                "economy/atom.xml": ("Test News — Economy", ["economy/gas/"]),
                "tags/russia/atom.xml": ("Test News — Russia", ["world/pact/", "world/vietnam/"]),
                "tags/diplomacy/atom.xml": ("Test News — Diplomacy", ["world/pact/"])}
    for name, (title, paths) in expected.items():
        feed = parsed(files[name])
        assert feed.feed.title == title
        assert [e.link for e in feed.entries] == [ORIGIN + path for path in paths]
        root = xml(files[name])
        assert root.findtext("a:id", namespaces=NS) == ORIGIN + name
        assert root.find("a:link[@rel='alternate']", NS).get("href") == ORIGIN + name.removesuffix("atom.xml")


def test_hero_image_is_an_enclosure_with_its_type(news):
    files = made_files(news, plan_site(news).jobs)
    url = ORIGIN + "images/pact.png"
    enclosure = xml(files["atom.xml"]).find("a:entry/a:link[@rel='enclosure']", NS)
    assert (enclosure.get("href"), enclosure.get("type")) == (url, "image/png")
    rss = xml(files["rss.xml"]).find("channel/item/enclosure")
    assert (rss.get("url"), rss.get("length"), rss.get("type")) == (url, "0", "image/png")
    assert json.loads(files["feed.json"])["items"][0]["image"] == url
    assert parsed(files["rss.xml"]).entries[0].enclosures[0].href == url
    assert image_type("https://cdn.example.com/a/b.JPEG?w=800") == "image/jpeg" and image_type("/x/photo") == ""


def test_a_feed_without_entry_authors_names_the_site_as_author(tmp_path):
    site = load_site(tmp_path, {"content/world/pact.md": article("Pact", "2024-06-21")})
    atom = xml(made_files(site, plan_site(site).jobs)["atom.xml"])
    assert atom.find("a:entry/a:author", NS) is None
    assert atom.findtext("a:author/a:name", namespaces=NS) == "Test News"  # RFC 4287 needs an author somewhere


def test_an_atom_feed_is_laid_out_as_elementtree_indents_it(tmp_path):
    """Entries are made once and joined to the feed's head as text: the bytes are those of one indented tree."""
    site = load_site(tmp_path, {"content/world/a.md": article(HOSTILE, "2024-06-21", tags="[Russia]",
                                                              author="Ann Lee", body="Hi.")})
    assert made_files(site, plan_site(site).jobs)["atom.xml"].decode() == """<?xml version='1.0' encoding='utf-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en">
  <id>https://news.example.com/atom.xml</id>
  <title>Test News</title>
  <updated>2024-06-21T00:00:00+00:00</updated>
  <link rel="self" type="application/atom+xml" href="https://news.example.com/atom.xml" />
  <link rel="alternate" type="text/html" href="https://news.example.com/" />
  <generator>sitegen</generator>
  <entry>
    <id>https://news.example.com/world/a/</id>
    <title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"</title>
    <link rel="alternate" type="text/html" href="https://news.example.com/world/a/" />
    <published>2024-06-21T00:00:00+00:00</published>
    <updated>2024-06-21T00:00:00+00:00</updated>
    <author>
      <name>Ann Lee</name>
      <uri>https://news.example.com/authors/ann-lee/</uri>
    </author>
    <category term="Russia" scheme="https://news.example.com/tags/russia/" />
    <summary>Hi.</summary>
  </entry>
</feed>
"""


def test_a_path_only_base_url_still_gets_feeds_with_path_links(tmp_path):
    site = load_site(tmp_path, NEWS, MINIMAL_CONFIG.replace("https://news.example.com/", "/news/"))
    files = made_files(site, plan_site(site).jobs)
    assert parsed(files["atom.xml"]).entries[0].id == "/news/world/pact/"
    assert xml(files["rss.xml"]).findtext("channel/item/link") == "/news/world/pact/"
    assert json.loads(files["feed.json"])["feed_url"] == "/news/feed.json"
    outputs = made_files(site, plan_site(site).jobs)
    assert outputs["robots.txt"] == b"User-agent: *\nAllow: /\n"  # a Sitemap: line must be a full URL


def test_an_empty_site_still_has_valid_feeds(tmp_path):
    site = load_site(tmp_path, {"content/pages/about.md": "---\ntitle: About\n---\n\nAbout.\n"})
    files = made_files(site, plan_site(site).of(ATOM_FEED, RSS_FEED, JSON_FEED_FILE))
    assert sorted(files) == ["atom.xml", "feed.json", "rss.xml"]
    assert parsed(files["atom.xml"]).entries == [] and parsed(files["rss.xml"]).entries == []
    assert xml(files["atom.xml"]).findtext("a:updated", namespaces=NS) == "1970-01-01T00:00:00+00:00"
    assert json.loads(files["feed.json"])["items"] == []


def test_sitemap_entries_list_every_indexable_page_with_its_lastmod(news):
    entries = sitemap_entries(plan_site(news).jobs)
    utc = timezone.utc
    assert sorted(entries) == sorted([
        "", "world/pact/", "world/vietnam/", "economy/gas/", "about/", "world/", "economy/", "tags/russia/",
        "tags/diplomacy/", "tags/vietnam/", "authors/ann-lee/", "authors/bo-chen/", "2024/", "2024/06/",
        "tags/", "authors/", "search/"])
    assert entries["world/pact/"] == datetime(2024, 6, 21, 7, 30, tzinfo=utc)
    assert entries["economy/gas/"] == datetime(2024, 6, 25, 12, 0, tzinfo=utc)  # updated wins over date
    assert entries["about/"] is None and entries["search/"] is None
    assert entries["world/"] == datetime(2024, 6, 21, 7, 30, tzinfo=utc)
    assert entries[""] == entries["authors/ann-lee/"] == entries["authors/"] == datetime(2024, 6, 25, 12, tzinfo=utc)
    assert entries["tags/"] == datetime(2024, 6, 21, 7, 30, tzinfo=utc)
    assert "2024/old-vietnam/" not in entries and "404.html" not in entries


def test_listing_pages_after_the_first_are_in_the_sitemap(tmp_path):
    files = {f"content/world/story-{day}.md": article(f"Story {day}", f"2024-06-{day:02d}") for day in range(1, 4)}
    entries = sitemap_entries(plan_site(load_site(tmp_path, files, MINIMAL_CONFIG + "page_size: 2\n")).jobs)
    assert entries["world/page/2/"] == datetime(2024, 6, 1, tzinfo=timezone.utc)
    assert entries["page/2/"] == entries["2024/06/page/2/"] == datetime(2024, 6, 1, tzinfo=timezone.utc)


def test_sitemap_has_absolute_locs_and_lastmod_when_known(news):
    files = made_files(news, plan_site(news).of(ROBOTS_FILE, SITEMAP_FILE, SITEMAP_INDEX))
    assert sorted(files) == ["robots.txt", "sitemap.xml"]
    urls = xml(files["sitemap.xml"]).findall("s:url", NS)
    locs = {u.findtext("s:loc", namespaces=NS): u.findtext("s:lastmod", namespaces=NS) for u in urls}
    assert [u.findtext("s:loc", namespaces=NS) for u in urls][0] == ORIGIN
    assert locs[ORIGIN + "world/pact/"] == "2024-06-21T09:30:00+02:00"
    assert locs[ORIGIN + "about/"] is None
    assert len(locs) == len(urls) == 17 and all(loc.startswith(ORIGIN) for loc in locs)


def test_more_urls_than_a_sitemap_holds_become_a_sitemap_index(news):
    """The protocol's limit is 50,000 URLs a file; the 17 URLs of `news` against a limit of 5."""
    jobs = plan_site(news, sitemap_limit=5).jobs
    files = made_files(news, [job for job in jobs if job.kind in (ROBOTS_FILE, SITEMAP_FILE, SITEMAP_INDEX)])
    assert sorted(files) == ["robots.txt", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap-4.xml",
                             "sitemap.xml"]
    index = xml(files["sitemap.xml"])
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    assert [s.findtext("s:loc", namespaces=NS) for s in index.findall("s:sitemap", NS)] == [
        ORIGIN + f"sitemap-{n}.xml" for n in range(1, 5)]
    chunks = [[u.findtext("s:loc", namespaces=NS) for u in xml(files[f"sitemap-{n}.xml"]).findall("s:url", NS)]
              for n in range(1, 5)]
    assert [len(chunk) for chunk in chunks] == [5, 5, 5, 2]
    one = [u.findtext("s:loc", namespaces=NS) for u in xml(made_files(news, plan_site(news).jobs)["sitemap.xml"])
           .findall("s:url", NS)]
    assert sum(chunks, []) == one  # the same URLs, in the same order
    lastmods = [s.findtext("s:lastmod", namespaces=NS) for s in index.findall("s:sitemap", NS)]
    for number, lastmod in enumerate(lastmods, 1):  # each file's newest
        dates = [datetime.fromisoformat(u.findtext("s:lastmod", namespaces=NS))
                 for u in xml(files[f"sitemap-{number}.xml"]).findall("s:url", NS) if u.findtext("s:lastmod", namespaces=NS)]
        assert lastmod == (max(dates).isoformat() if dates else None)
    exactly = made_files(news, plan_site(news, sitemap_limit=17).of(ROBOTS_FILE, SITEMAP_FILE, SITEMAP_INDEX))
    assert sorted(exactly) == ["robots.txt", "sitemap.xml"]


def test_robots_txt_points_at_the_sitemap(news):
    robots = made_files(news, plan_site(news).jobs)["robots.txt"]
    assert robots == b"User-agent: *\nAllow: /\nSitemap: https://news.example.com/sitemap.xml\n"


def test_search_index_lists_articles_newest_first_then_pages(tmp_path):
    site = load_site(tmp_path, NEWS, MINIMAL_CONFIG.replace("https://news.example.com/", "https://example.com/news/"))
    data = made_files(site, plan_site(site).jobs)["search-index.json"]
    records = json.loads(data)
    assert records == [
        {"title": "Defense pact signed", "url": "/news/world/pact/", "date": "2024-06-21T09:30:00+02:00",
         "section": "World", "tags": ["Russia", "Diplomacy"], "summary": "Putin and Kim signed a pact."},
        {"title": "Visit to Vietnam", "url": "/news/world/vietnam/", "date": "2024-06-20T00:00:00+00:00",
         "section": "World", "tags": ["Russia", "Vietnam"], "summary": "Putin visited Vietnam."},
        {"title": "Gas prices fall", "url": "/news/economy/gas/", "date": "2024-06-19T00:00:00+00:00",
         "section": "Economy", "tags": [], "summary": "Gas prices fell in June."},
        {"title": "About us", "url": "/news/about/", "date": None, "section": None, "tags": [],
         "summary": "Who we are."},
    ]
    assert data == json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def test_two_runs_give_byte_identical_outputs(tmp_path):
    def everything(root):
        site = load_site(root, NEWS)
        return made_files(site, plan_site(site).jobs)

    assert everything(tmp_path / "one") == everything(tmp_path / "two")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "America/St_Johns",
                                  "Pacific/Chatham", "Pacific/Kiritimati"])
def test_every_date_in_every_output_follows_its_format_in_any_timezone(tmp_path, zone):
    """RFC 3339 in Atom, JSON Feed and the sitemap, RFC 822 in RSS, for half-hour, 45-minute and +14 offsets."""
    files = {f"content/world/s{n}.md": article(f"S{n}", date, updated=updated) for n, (date, updated) in enumerate([
        ("2024-03-31 02:30", "2024-10-27 02:30"),  # the hours that do not exist / exist twice in Europe
        ("2024-03-10 02:30", "2024-11-03 01:30"),  # the same in North America
        ("2024-12-31 23:59:59", "2025-01-01T00:00:00Z"),
    ])}
    site = load_site(tmp_path, files, MINIMAL_CONFIG.replace("timezone: UTC", f"timezone: {zone}"))
    out = made_files(site, plan_site(site).jobs)
    origin = "https://news.example.com/"
    assert atom_problems(out["atom.xml"], origin + "atom.xml") == []
    assert rss_problems(out["rss.xml"], origin + "rss.xml") == []
    assert json_feed_problems(out["feed.json"], origin + "feed.json") == []
    rss = xml(out["rss.xml"])
    for value in [rss.findtext("channel/lastBuildDate")] + [i.findtext("pubDate") for i in rss.iter("item")]:
        assert rfc822_problems(value, "RSS date") == []
    sitemap = xml(made_files(site, plan_site(site).jobs)["sitemap.xml"])
    lastmods = [u.findtext("s:lastmod", namespaces=NS) for u in sitemap.findall("s:url", NS)]
    assert [m for m in lastmods if m is not None and not (W3C_DATETIME.match(m) and RFC3339.match(m))] == []


def test_feeds_of_the_model_pass_the_validators(news):
    files = made_files(news, plan_site(news).jobs)
    for name, data in files.items():
        if name.endswith("atom.xml"):
            assert atom_problems(data, ORIGIN + name) == [], name
    assert rss_problems(files["rss.xml"], ORIGIN + "rss.xml") == []
    assert json_feed_problems(files["feed.json"], ORIGIN + "feed.json") == []


def test_a_file_is_made_again_only_when_what_it_is_made_from_changed(news):
    """Each file's inputs are the values it is made from: the same values, the file the output holds is kept
    (None); a new title remakes what shows it (every feed listing the article, the search index), and no
    other file."""
    recorded = {path: inputs for path, (_, inputs) in made_now(news, plan_site(news)).items()}
    assert all(data is None for data, _ in made_now(news, plan_site(news), recorded).values())
    pact = next(a for a in news.articles if a.url_path == "world/pact/")
    retitled = with_articles(news, {pact.source: replace(pact, title="Defence pact signed")})
    again = made_now(retitled, plan_site(retitled), recorded)
    made = sorted(path for path, (data, _) in again.items() if data is not None)
    assert made == ["atom.xml", "feed.json", "rss.xml", "search-index.json", "tags/diplomacy/atom.xml",
                    "tags/russia/atom.xml", "world/atom.xml"]
    assert b"Defence pact signed" in again["tags/russia/atom.xml"][0]
    assert {path: inputs for path, (_, inputs) in again.items() if path not in made} == {
        path: inputs for path, inputs in recorded.items() if path not in made}


def test_another_sitegen_or_python_makes_every_file_again(news, monkeypatch):
    """Their makers may write other bytes from the same values: the digest covers the code that makes them."""
    from sitegen import cache

    recorded = {path: inputs for path, (_, inputs) in made_now(news, plan_site(news)).items()}
    monkeypatch.setattr(cache, "GENERATION", cache.GENERATION + b"|next")
    assert all(data is not None for data, _ in made_now(news, plan_site(news), recorded).values())

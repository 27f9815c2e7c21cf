"""Every machine-read output of a built site, checked against its specification.

Sites are built through the real command line (conftest.build_site), once per
module, and then every file is validated as a consumer would read it:

- Atom: RELAX NG (lxml) translated from RFC 4287 Appendix B, plus the rules the
  RFC states in prose or as Schematron (ids are absolute IRIs, no white space in
  IRIs or dates, RFC 3339 dates with an offset, author at feed level or in every
  entry, one self link, alternate-link uniqueness).
- RSS 2.0 (RSS Advisory Board spec): channel title/link/description, item title
  or description, guid isPermaLink, RFC 822 dates, enclosure url/length/type,
  namespaces of the extension elements.
- JSON Feed 1.1: a JSON Schema written from jsonfeed.org/version/1.1.
- feedparser reads Atom and RSS without complaint (bozo 0) and gets the titles back.
- sitemaps.org 0.9, robots.txt, the search index.
- HTML head of article pages: canonical, Open Graph, JSON-LD (schema.org
  NewsArticle and BreadcrumbList as Google reads them).

Each checker (tests/feedcheck.py) returns a list of problems, so a failure names
every violation at once; the checkers themselves are tested on known-good and
known-bad documents first, so that an empty list means something. Violations the code still has are
the xfail(strict=True) tests at the end of the file, each naming the bug.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from lxml import etree
from PIL import Image

from conftest import REPO, build_site, make_site, site_engine
from feedcheck import (A, RSS_NAMESPACES, SCHEME, SITEMAP_NS, PageReader, article_head_problems, atom_problems,
                       http_url_problems, json_feed_problems, language_problems, parse_xml, rfc3339_problems,
                       rss_problems, sitemap_problems, uri_problems)
from sitegen.config import load_config

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)


# ============================================================================ the sites

def yq(text: str) -> str:
    """A YAML double-quoted scalar for any text (JSON, with what YAML will not take raw escaped)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return re.sub("[\x7f-\x9f\u2028\u2029\ufeff]", lambda m: f"\\u{ord(m.group()):04x}", quoted)


def front_matter(body: str = "Some text.", **fields: str) -> str:
    return "---\n" + "".join(f"{key}: {value}\n" for key, value in fields.items()) + "---\n\n" + body + "\n"


def image_bytes(fmt: str = "PNG", size=(64, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


SITE_TITLE = 'Tom & Jerry\'s <News> ]]> "Daily" \x01 😀'
SITE_DESCRIPTION = "Desc & <b>not bold</b> ]]> </script>"
AUTHOR = 'O\'Brien & <Co> "Ltd"'
TAG = 'C++ & <T> "x"'
TITLE_MARKUP = 'A < B & C "double" \'single\' ]]> </script><script>alert(1)</script> &amp; done'
TITLE_CONTROL = "Control\x01\x08\x0b\x0c\x1f chars\x7f and a\ttab"
TITLE_EMOJI = "Emoji 😀 👍🏽 👨‍👩‍👧 🇪🇸 and RTL שלום עליכם مرحبا \u202eevil\u202c mixed"
TITLE_LOOSE = "No section </title></head><body>"
TITLE_LONG = ("A headline that keeps going and going " * 5).strip()
SUMMARY_MARKUP = "Summary </script><script>alert(1)</script> & ]]> <b>not bold</b> done"
SUMMARY_LONG = "A very long summary, far past what any meta description shows. " * 80
HOSTILE_TITLES = [TITLE_MARKUP, TITLE_CONTROL, TITLE_EMOJI, TITLE_LOOSE, TITLE_LONG]  # newest first


def as_read(title: str) -> str:
    """A title as sitegen reads it: control characters (tabs too) are spaces, runs of them one."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", title).split()) if re.search(r"[\x00-\x1f\x7f]", title) \
        else title.strip()


def hostile_files(config: str) -> dict[str, str | bytes]:
    """Articles with and without images, authors, tags and sections, plus a page, all with hostile text."""
    return {
        "site.yaml": config,
        "assets/images/hero.jpg": image_bytes("JPEG", (120, 60)),
        "content/science/photo.png": image_bytes(),
        "content/world/markup.md": front_matter(
            "Body & <b>bold</b> ]]> with a [link](https://example.org/x?a=1&b=2).",
            title=yq(TITLE_MARKUP), date="2024-06-21T09:30:00+02:00", author=yq(AUTHOR),
            tags=f"[{yq(TAG)}, Plain]", image="/images/hero.jpg", image_alt=yq('Alt "x" & <y>')),
        "content/world/control.md": front_matter(
            "Text.", title=yq(TITLE_CONTROL), date="2024-06-20 10:00", summary=yq(SUMMARY_MARKUP)),
        "content/science/emoji.md": front_matter(
            "Ciència 😀.", title=yq(TITLE_EMOJI), date="2024-06-19", image="photo.png", image_alt="A photo",
            summary=yq(SUMMARY_LONG), tags="[Ciència]"),
        "content/loose.md": front_matter(
            "Loose.", title=yq(TITLE_LOOSE), date="2024-06-18", authors=f"[{yq(AUTHOR)}, Second Author]"),
        "content/world/long.md": front_matter(
            "## Only a heading\n\n- and a list", title=yq(TITLE_LONG), date="2024-06-17",
            updated="2024-06-25 12:00", breadcrumb=f"[Start, {{title: {yq('Mid & <x>')}, url: /world/}}]"),
        "content/pages/about.md": front_matter("About text.", title=yq('About <us> & "them"')),
    }


def plain_files(config: str) -> dict[str, str | bytes]:
    return {
        "site.yaml": config,
        "assets/images/hero.jpg": image_bytes("JPEG"),
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02", author="Ann",
                                             image="/images/hero.jpg", image_alt="x", tags="[Alpha]"),
        "content/two.md": front_matter("Two.", title="Two", date="2024-01-01"),
        "content/pages/about.md": front_matter("About.", title="About"),
    }


SITES = {
    "hostile": lambda: hostile_files(
        f"title: {yq(SITE_TITLE)}\ndescription: {yq(SITE_DESCRIPTION)}\nbase_url: https://example.com/news/\n"
        "timezone: Europe/Madrid\nfeeds: {full_content: true}\n"),
    "hostile-summaries": lambda: hostile_files(
        f"title: {yq(SITE_TITLE)}\nbase_url: https://news.example.com\ntimezone: America/New_York\n"
        f"author: {yq(AUTHOR)}\nlanguage: ca\nfeeds: {{full_content: false, items: 3}}\n"),
    "path-root": lambda: plain_files("title: Plain\nbase_url: /\n"),
    "path-sub": lambda: plain_files("title: Plain\nbase_url: /news/\n"),
}
HOSTED = ["demo", "hostile", "hostile-summaries"]  # base_url with a host: every URL must be absolute
ALL = HOSTED + ["path-root", "path-sub"]


@dataclass(frozen=True)
class Built:
    name: str
    out: Path
    origin: str  # 'https://host', or '' when base_url is a path
    base_path: str
    full_content: bool
    items: int
    language: str

    def url(self, path: str) -> str:
        """A site-relative path ('atom.xml', 'world/') as feeds must write it."""
        return self.origin + self.base_path + path

    def read(self, path: str) -> bytes:
        return (self.out / path).read_bytes()

    def file_for(self, url: str) -> Path | None:
        """The output file a URL of this site is served from, or None when the URL is not on the site."""
        parts = urlsplit(url)
        if self.origin and f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        if not parts.path.startswith(self.base_path):
            return None
        path = unquote(parts.path[len(self.base_path):])
        return self.out / (path + "index.html" if path == "" or path.endswith("/") else path)

    def html_files(self) -> list[Path]:
        return sorted(self.out.rglob("*.html"))

    def article_pages(self) -> list[tuple[Path, PageReader]]:
        pages = [(path, PageReader(path.read_text(encoding="utf-8"))) for path in self.html_files()]
        return [(path, page) for path, page in pages if "article-page" in page.body_class.split()]

    def feed_names(self) -> list[str]:
        return sorted(str(p.relative_to(self.out)) for p in self.out.rglob("atom.xml"))

    def articles_in_search_index(self) -> list[dict]:
        """The articles of the default language (those of its feeds)."""
        return [r for r in json.loads(self.read("search-index.json")) if r["date"] is not None]

    def articles_in_every_language(self) -> list[dict]:
        return [r for path in self.out.rglob("search-index.json")
                for r in json.loads(path.read_text(encoding="utf-8")) if r["date"] is not None]


def _build(name: str, root: Path) -> Built:
    if name == "demo":
        site_dir, out = REPO, root / "public"
        run = build_site(REPO, "-o", out)
    else:
        site_dir = make_site(root, SITES[name]())
        out = site_dir / "public"
        run = build_site(site_dir)
    assert run.code == 0, run.err
    config = load_config(site_dir)
    return Built(name, out, config.origin, config.base_path, config.feeds.full_content, config.feeds.items,
                 config.language)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    cache: dict[str, Built] = {}

    def get(name: str) -> Built:  # (built again for each Markdown engine: see conftest.markdown_engine)
        key = f"{name}-{site_engine()}"
        if key not in cache:
            cache[key] = _build(name, tmp_path_factory.mktemp(name))
        return cache[key]

    return get


# ============================================================================ the checkers catch what they should

RFC4287_EXAMPLE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:m="http://search.yahoo.com/mrss/" xml:lang="en">
  <title type="text">dive into mark</title>
  <subtitle type="html">A &lt;em&gt;lot&lt;/em&gt; of effort</subtitle>
  <updated>2005-07-31T12:29:29Z</updated>
  <id>tag:example.org,2003:3</id>
  <link rel="alternate" type="text/html" hreflang="en" href="http://example.org/"/>
  <link rel="self" type="application/atom+xml" href="http://example.org/feed.atom"/>
  <rights>Copyright (c) 2003, Mark Pilgrim</rights>
  <generator uri="http://www.example.com/" version="1.0">Example Toolkit</generator>
  <entry>
    <title>Atom draft-07 snapshot</title>
    <link rel="alternate" type="text/html" href="http://example.org/2005/04/02/atom"/>
    <link rel="enclosure" type="audio/mpeg" length="1337" href="http://example.org/audio/ph34r_my_podcast.mp3"/>
    <id>tag:example.org,2003:3.2397</id>
    <updated>2005-07-31T12:29:29Z</updated>
    <published>2003-12-13T08:29:29-04:00</published>
    <author><name>Mark Pilgrim</name><uri>http://example.org/</uri><email>f8dy@example.com</email></author>
    <contributor><name>Sam Ruby</name></contributor>
    <m:content url="http://example.org/a.jpg" medium="image"/>
    <content type="xhtml" xml:lang="en" xml:base="http://diveintomark.org/">
      <div xmlns="http://www.w3.org/1999/xhtml"><p><i>[Update: The Atom draft is finished.]</i></p></div>
    </content>
  </entry>
</feed>
"""
ATOM_SELF = "http://example.org/feed.atom"


def test_the_atom_checker_accepts_the_rfc_4287_example():
    assert atom_problems(RFC4287_EXAMPLE, ATOM_SELF) == []


@pytest.mark.parametrize("old, new, expected", [
    (b"<id>tag:example.org,2003:3</id>", b"", "id"),
    (b'<title type="text">dive into mark</title>', b"<title>a</title><title>b</title>", "title"),
    (b"<updated>2005-07-31T12:29:29Z</updated>\n  <id>", b"<updated>Sun, 31 Jul 2005</updated><id>", "dateTime"),
    (b"2003-12-13T08:29:29-04:00", b"2003-12-13 08:29:29", "RFC 3339"),
    (b"2003-12-13T08:29:29-04:00", b"2003-12-13T08:29:29", "RFC 3339"),
    (b"<id>tag:example.org,2003:3.2397</id>", b"<id>/2005/04/02/atom</id>", "not absolute"),
    (b'<author><name>Mark Pilgrim</name><uri>http://example.org/</uri><email>f8dy@example.com</email></author>',
     b"", "author"),
    (b'href="http://example.org/audio/ph34r_my_podcast.mp3"', b'href="http://example.org/my podcast.mp3"',
     "not allowed in a URI"),
    (b'xml:lang="en">', b'xml:lang="en_US">', "lang"),
    (b'<link rel="self" type="application/atom+xml" href="http://example.org/feed.atom"/>', b"", "rel=self"),
    (b'<link rel="alternate" type="text/html" href="http://example.org/2005/04/02/atom"/>',
     b'<link href="http://example.org/a"/><link rel="alternate" href="http://example.org/b"/>', "same type"),
    (b"<contributor>", b"<foo/><contributor>", "extra content"),
    (b'<content type="xhtml" xml:lang="en" xml:base="http://diveintomark.org/">\n      '
     b'<div xmlns="http://www.w3.org/1999/xhtml"><p><i>[Update: The Atom draft is finished.]</i></p></div>\n'
     b'    </content>', b'<content type="html"><p>raw</p></content>', "child elements"),
])
def test_the_atom_checker_rejects_each_rfc_4287_violation(old, new, expected):
    assert old in RFC4287_EXAMPLE
    problems = atom_problems(RFC4287_EXAMPLE.replace(old, new), ATOM_SELF)
    assert any(expected in problem for problem in problems), problems


def test_the_atom_checker_rejects_two_entries_with_one_id():
    entry = RFC4287_EXAMPLE[RFC4287_EXAMPLE.index(b"<entry>"):RFC4287_EXAMPLE.index(b"</feed>")]
    problems = atom_problems(RFC4287_EXAMPLE.replace(b"</feed>", entry + b"</feed>"), ATOM_SELF)
    assert any("share an atom:id" in problem for problem in problems), problems


RSS_EXAMPLE = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Liftoff News</title>
    <link>http://liftoff.msfc.nasa.gov/</link>
    <description>Liftoff to Space Exploration.</description>
    <language>en-us</language>
    <lastBuildDate>Tue, 10 Jun 2003 09:41:01 +0000</lastBuildDate>
    <atom:link rel="self" type="application/rss+xml" href="http://liftoff.msfc.nasa.gov/rss.xml"/>
    <item>
      <title>Star City</title>
      <link>http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp</link>
      <pubDate>Tue, 03 Jun 2003 09:39:21 +0000</pubDate>
      <guid>http://liftoff.msfc.nasa.gov/2003/06/03.html#item573</guid>
      <dc:creator>Jim</dc:creator>
      <enclosure url="http://www.example.com/a.mp3" length="12216320" type="audio/mpeg"/>
    </item>
  </channel>
</rss>
"""
RSS_SELF = "http://liftoff.msfc.nasa.gov/rss.xml"


def test_the_rss_checker_accepts_the_spec_example():
    assert rss_problems(RSS_EXAMPLE, RSS_SELF) == []


@pytest.mark.parametrize("old, new, expected", [
    (b"<description>Liftoff to Space Exploration.</description>", b"", "description"),
    (b"<link>http://liftoff.msfc.nasa.gov/</link>", b"<link>/</link>", "not absolute"),
    (b"Tue, 03 Jun 2003 09:39:21 +0000", b"2003-06-03T09:39:21Z", "RFC 822"),
    (b"Tue, 03 Jun 2003 09:39:21 +0000", b"Wed, 03 Jun 2003 09:39:21 +0000", "weekday"),
    (b"<guid>http://liftoff.msfc.nasa.gov/2003/06/03.html#item573</guid>", b"<guid>/2003/06/03.html</guid>",
     "isPermaLink true"),
    (b'length="12216320" ', b"", "enclosure attributes"),
    (b'length="12216320"', b'length="unknown"', "byte count"),
    (b'type="audio/mpeg"', b'type="mpeg"', "MIME"),
    (b"<title>Star City</title>", b"", "title or a description"),
    (b' xmlns:dc="http://purl.org/dc/elements/1.1/"', b' xmlns:dc="http://purl.org/dc/elements/1.0/"', "xmlns:dc"),
    (b"<language>en-us</language>", b"<language>en_US</language>", "language"),
    (b'href="http://liftoff.msfc.nasa.gov/rss.xml"', b'href="http://liftoff.msfc.nasa.gov/other.xml"', "rel=self"),
])
def test_the_rss_checker_rejects_each_rss_2_violation(old, new, expected):
    assert old in RSS_EXAMPLE
    problems = rss_problems(RSS_EXAMPLE.replace(old, new), RSS_SELF)
    assert any(expected in problem for problem in problems), problems


JSON_FEED_EXAMPLE = {
    "version": "https://jsonfeed.org/version/1.1", "title": "My Example Feed",
    "home_page_url": "https://example.org/", "feed_url": "https://example.org/feed.json",
    "authors": [{"name": "Optional Author", "url": "https://example.org/authors/optional-author"}],
    "language": "en-US", "_blue_shed": {"about": "https://blueshed-podcasts.com/json-feed-extension-docs"},
    "items": [
        {"id": "2", "content_text": "This is a second item.", "url": "https://example.org/second-item",
         "language": "es-mx", "date_published": "2010-02-07T14:04:00-05:00",
         "attachments": [{"url": "https://example.org/second-item/audio.ogg", "mime_type": "audio/ogg",
                          "title": "Optional Title", "size_in_bytes": 31415927, "duration_in_seconds": 1800}]},
        {"id": "1", "content_html": "<p>Hello, world!</p>", "url": "https://example.org/initial-post"},
    ],
}


def _json_feed(**changes) -> bytes:
    feed = json.loads(json.dumps(JSON_FEED_EXAMPLE))
    for path, value in changes.items():
        *keys, last = path.split("__")
        target = feed
        for key in keys:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return json.dumps(feed).encode()


def test_the_json_feed_checker_accepts_the_spec_example():
    assert json_feed_problems(_json_feed(), "https://example.org/feed.json") == []


@pytest.mark.parametrize("changes, expected", [
    ({"version": "https://jsonfeed.org/version/1"}, "was expected"),
    ({"title": None}, "'title' is a required property"),
    ({"items__1__id": None}, "'id' is a required property"),
    ({"items__1__content_html": None}, "is not valid under any of the given schemas"),
    ({"items__0__date_published": "2010-02-07 14:04"}, "does not match"),
    ({"items__0__date_published": "2010-02-07T14:04:00"}, "does not match"),
    ({"authors": [{}]}, "is not valid under any of the given schemas"),
    ({"authors": "Me"}, "is not of type 'array'"),
    ({"items__0__attachments__0__mime_type": None}, "'mime_type' is a required property"),
    ({"items__0__tags": "a, b"}, "is not of type 'array'"),
    ({"items__0__summary_html": "<p>x</p>"}, "'summary_html' does not match any of the regexes"),
    ({"items__1__url": "/initial-post"}, "not absolute"),
    ({"language": "en_US"}, "does not match"),
])
def test_the_json_feed_checker_rejects_each_json_feed_violation(changes, expected):
    problems = json_feed_problems(_json_feed(**changes), "https://example.org/feed.json")
    assert any(expected in problem for problem in problems), problems


def test_the_sitemap_checker_knows_the_protocol():
    good = (b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>http://www.example.com/news/?a=1&amp;b=2</loc><lastmod>2005-01-01</lastmod>"
            b"<changefreq>monthly</changefreq><priority>0.8</priority></url></urlset>")
    url = "http://www.example.com/news/sitemap.xml"
    assert sitemap_problems(good, url) == []
    for old, new, expected in [
        (b"0.9", b"0.84", "urlset"),
        (b"http://www.example.com/news/?a", b"/news/?a", "not absolute"),
        (b"http://www.example.com/news/", b"http://www.example.com/", "outside the sitemap's folder"),
        (b"http://www.example.com/news/?a", b"http://www.example.com/news/\xc3\xa9 x?a", "not allowed in a URI"),
        (b"2005-01-01", b"01/01/2005", "W3C Datetime"),
        (b"2005-01-01", b"2005-01-01T10:00", "W3C Datetime"),
        (b"monthly", b"sometimes", "changefreq"),
        (b"0.8", b"1.5", "priority"),
        (b"<lastmod>", b"<loc>http://www.example.com/news/x</loc><lastmod>", "exactly one loc"),
    ]:
        assert old in good
        problems = sitemap_problems(good.replace(old, new), url)
        assert any(expected in problem for problem in problems), (new, problems)


def test_the_head_checker_catches_a_json_ld_break_out_and_wrong_breadcrumbs():
    head = ('<html><head><link rel="canonical" href="https://e.com/a/"><meta property="og:url" content="https://e.com/a/">'
            '<meta property="og:title" content="T"><meta property="article:published_time" '
            'content="2024-01-01T00:00:00+00:00"><script type="application/ld+json">{ld}</script></head>'
            '<body class="article-page"><nav class="breadcrumb"><ol><li><a href="/">Home</a></li>'
            '<li><span>T</span></li></ol></nav><h1>T</h1></body></html>')
    ld = [{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "T", "url": "https://e.com/a/",
           "mainEntityOfPage": "https://e.com/a/", "datePublished": "2024-01-01T00:00:00+00:00"},
          {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
              {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://e.com/"},
              {"@type": "ListItem", "position": 2, "name": "T", "item": "https://e.com/a/"}]}]
    assert article_head_problems(PageReader(head.replace("{ld}", json.dumps(ld)))) == []
    broken = json.dumps(ld).replace('"headline": "T"', '"headline": "</script><b>x"')
    assert any("JSON-LD" in p for p in article_head_problems(PageReader(head.replace("{ld}", broken))))
    renamed = json.dumps(ld).replace('"name": "Home"', '"name": "Start"')
    assert any("names" in p for p in article_head_problems(PageReader(head.replace("{ld}", renamed))))
    gap = json.dumps(ld).replace('"position": 2', '"position": 3')
    assert any("positions" in p for p in article_head_problems(PageReader(head.replace("{ld}", gap))))
    long_headline = json.dumps(ld).replace('"headline": "T"', '"headline": "' + "T" * 111 + '"')
    assert any("110" in p for p in article_head_problems(PageReader(head.replace("{ld}", long_headline))))
    two = head.replace("<link rel", '<link rel="canonical" href="https://e.com/b/"><link rel')
    assert article_head_problems(PageReader(two.replace("{ld}", json.dumps(ld)))) == ["2 rel=canonical links"]


# ============================================================================ Atom

@pytest.mark.parametrize("name", HOSTED)
def test_every_atom_feed_is_valid_rfc_4287(sites, name):
    site = sites(name)
    assert site.feed_names()
    for feed in site.feed_names():
        assert atom_problems(site.read(feed), site.url(feed)) == [], feed


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_atom_feeds_of_a_site_without_a_host_pass_the_schema(sites, name):
    """Relative references are allowed except in atom:id (see the xfail test for the ids)."""
    site = sites(name)
    for feed in site.feed_names():
        problems = atom_problems(site.read(feed), site.url(feed), absolute=False)
        assert [p for p in problems if not p.startswith("atom:id: not absolute")] == [], feed


@pytest.mark.parametrize("name", ALL)
def test_atom_entries_are_the_newest_articles_and_carry_their_content(sites, name):
    site = sites(name)
    root = parse_xml(site.read("atom.xml"))
    expected = [r["title"] for r in site.articles_in_search_index()][:site.items]
    entries = root.findall("a:entry", A)
    assert [as_read(t) for t in expected] == [e.findtext("a:title", namespaces=A) for e in entries]
    records = site.articles_in_search_index()[:site.items]
    for entry, record in zip(entries, records):
        alternates = [link.attrib for link in entry.findall("a:link", A) if link.get("rel", "alternate") == "alternate"]
        assert alternates == [{"rel": "alternate", "type": "text/html", "href": site.origin + record["url"]}]
        assert entry.findtext("a:id", namespaces=A) == site.origin + record["url"]
        assert entry.findtext("a:published", namespaces=A) == record["date"]
    for entry in entries:
        content = entry.find("a:content", A)
        assert (content is not None) == site.full_content
        if content is not None:
            assert content.get("type") == "html" and content.text
        summary = entry.find("a:summary", A)
        assert summary is None or (summary.get("type") in (None, "text") and summary.text)
        if content is None:  # RFC 4287 §4.1.1.1: advisable to have a non-empty summary
            assert entry.find("a:link[@rel='alternate']", A) is not None


def test_feed_level_author_appears_only_when_an_entry_lacks_one(sites):
    hostile = parse_xml(sites("hostile").read("atom.xml"))  # no site author; some articles have none
    assert hostile.findtext("a:author/a:name", namespaces=A) == as_read(SITE_TITLE)
    with_author = parse_xml(sites("hostile-summaries").read("atom.xml"))  # site author fills every entry
    assert with_author.find("a:author", A) is None
    assert all(e.find("a:author", A) is not None for e in with_author.findall("a:entry", A))


# ============================================================================ RSS

@pytest.mark.parametrize("name", HOSTED)
def test_rss_is_valid_rss_2(sites, name):
    site = sites(name)
    assert rss_problems(site.read("rss.xml"), site.url("rss.xml")) == []


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_rss_of_a_site_without_a_host_is_otherwise_valid(sites, name):
    site = sites(name)
    problems = rss_problems(site.read("rss.xml"), site.url("rss.xml"), absolute=False)
    assert [p for p in problems if "isPermaLink true" not in p] == []


def test_rss_declares_exactly_the_namespaces_it_uses(sites):
    site = sites("hostile")
    root = parse_xml(site.read("rss.xml"))
    used = {element.prefix for element in root.iter(etree.Element) if element.prefix}
    assert used <= set(RSS_NAMESPACES)
    assert {prefix: root.nsmap[prefix] for prefix in used} == {p: RSS_NAMESPACES[p] for p in used}
    assert {"atom", "dc", "content", "media"} <= used  # the hostile site has authors, images and full content


@pytest.mark.parametrize("name", HOSTED)
def test_rss_enclosures_point_at_built_images_with_their_type(sites, name):
    site = sites(name)
    enclosures = parse_xml(site.read("rss.xml")).findall("channel/item/enclosure")
    if name != "demo":
        assert enclosures
    for enclosure in enclosures:
        path = site.file_for(enclosure.get("url"))
        assert path is not None and path.is_file(), enclosure.get("url")
        assert enclosure.get("type") == {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                                         ".webp": "image/webp", ".gif": "image/gif"}[path.suffix.lower()]


# ============================================================================ JSON Feed

@pytest.mark.parametrize("name", HOSTED)
def test_json_feed_is_valid_json_feed_1_1(sites, name):
    site = sites(name)
    assert json_feed_problems(site.read("feed.json"), site.url("feed.json")) == []


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_json_feed_of_a_site_without_a_host_passes_the_schema(sites, name):
    site = sites(name)
    assert json_feed_problems(site.read("feed.json"), site.url("feed.json"), absolute=False) == []


@pytest.mark.parametrize("name", ALL)
def test_json_feed_items_match_the_articles_exactly(sites, name):
    site = sites(name)
    feed = json.loads(site.read("feed.json"))
    records = site.articles_in_search_index()[:site.items]
    assert [item["title"] for item in feed["items"]] == [r["title"] for r in records]  # JSON keeps every character
    assert [item["url"] for item in feed["items"]] == [site.origin + r["url"] for r in records]
    assert feed["language"] == site.language
    for item, record in zip(feed["items"], records):
        assert ("content_html" in item) == site.full_content and ("content_text" in item) != site.full_content
        if "content_text" in item:
            assert item["content_text"] == record["summary"]
        assert item["date_published"] == record["date"]
        for url in [item.get("image")] + [a["url"] for a in item.get("authors", ())]:
            if url:
                assert site.file_for(url) is not None and site.file_for(url).is_file(), url


# ============================================================================ feedparser, as readers see the feeds

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_feedparser_reads_every_title_back_exactly(sites, name, feed):
    site = sites(name)
    parsed = feedparser.parse(site.read(feed))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == {"atom.xml": "atom10", "rss.xml": "rss20"}[feed]
    records = site.articles_in_search_index()[:site.items]
    assert len(parsed.entries) == len(records)
    # Characters XML 1.0 cannot hold at all are dropped (by design); everything else survives.
    assert [e.title for e in parsed.entries] == [as_read(r["title"]) for r in records]
    assert [e.link for e in parsed.entries] == [site.origin + r["url"] for r in records]
    if name.startswith("hostile"):
        assert parsed.feed.title == as_read(SITE_TITLE)
        assert [e.title for e in parsed.entries] == [as_read(t) for t in HOSTILE_TITLES][:site.items]


@pytest.mark.parametrize("name", ["hostile", "hostile-summaries"])
def test_feedparser_reads_hostile_names_tags_and_atom_summaries_back(sites, name):
    site = sites(name)
    atom, rss = (feedparser.parse(site.read(f)) for f in ("atom.xml", "rss.xml"))
    assert [a.name for a in atom.entries[0].authors] == [AUTHOR] == [rss.entries[0].author]
    assert [t.term for t in atom.entries[0].tags] == [TAG, "Plain"] == [t.term for t in rss.entries[0].tags]
    assert atom.entries[1].summary == SUMMARY_MARKUP  # Atom summaries are type="text": markup stays text
    assert atom.entries[2].summary.strip() == SUMMARY_LONG.strip()
    for feed in (atom, rss):
        enclosure = feed.entries[0].enclosures[0]
        assert enclosure.href == site.url("images/hero.jpg") and enclosure.type == "image/jpeg"
    if site.full_content:
        assert atom.entries[0].content[0].value == rss.entries[0].content[0].value
        assert atom.entries[0].content[0].value.startswith("<p>Body &amp; <b>bold</b> ]]&gt; with a")


# ============================================================================ sitemap and robots.txt

@pytest.mark.parametrize("name", HOSTED)
def test_sitemap_follows_the_sitemaps_org_protocol(sites, name):
    site = sites(name)
    assert sitemap_problems(site.read("sitemap.xml"), site.url("sitemap.xml")) == []


@pytest.mark.parametrize("name", HOSTED)
def test_sitemap_lists_every_canonical_page_and_nothing_else(sites, name):
    site = sites(name)
    root = parse_xml(site.read("sitemap.xml"))
    locs = [url.findtext("s:loc", namespaces={"s": SITEMAP_NS}) for url in root]
    for loc in locs:
        path = site.file_for(loc)
        assert path is not None and path.is_file(), loc
        page = PageReader(path.read_text(encoding="utf-8"))
        assert page.rel("canonical") == [loc], loc  # only canonical URLs belong in a sitemap
        assert "noindex" not in " ".join(page.meta("robots")), loc
    canonical = set()
    for path in site.html_files():
        page = PageReader(path.read_text(encoding="utf-8"))
        if "noindex" not in " ".join(page.meta("robots")) and page.rel("canonical"):
            canonical.update(page.rel("canonical"))
    assert canonical == set(locs)


@pytest.mark.parametrize("name", ALL)
def test_robots_txt_names_the_sitemap_by_its_full_url_only(sites, name):
    site = sites(name)
    lines = site.read("robots.txt").decode("utf-8").splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    sitemap_lines = [line for line in lines if line.lower().startswith("sitemap:")]
    if site.origin:
        assert sitemap_lines == [f"Sitemap: {site.url('sitemap.xml')}"]
        assert http_url_problems(sitemap_lines[0].split(":", 1)[1].strip(), "Sitemap") == []
    else:
        assert sitemap_lines == []  # RFC 9309 / sitemaps.org: a relative Sitemap line is ignored


# ============================================================================ HTML head of article pages

@pytest.mark.parametrize("name", HOSTED)
def test_article_heads_have_canonical_open_graph_and_json_ld(sites, name):
    site = sites(name)
    pages = site.article_pages()
    assert len(pages) == len(site.articles_in_every_language())
    problems = {str(path.relative_to(site.out)): article_head_problems(page) for path, page in pages}
    assert {path: p for path, p in problems.items() if p} == {}


@pytest.mark.parametrize("name", ALL)
def test_every_page_but_the_404_has_exactly_one_canonical(sites, name):
    site = sites(name)
    for path in site.html_files():
        page = PageReader(path.read_text(encoding="utf-8"))
        expected = 0 if path.name == "404.html" else 1  # /404.html, and /en/404.html on a multilingual site
        assert len(page.rel("canonical")) == expected, path
        assert len(page.json_ld) <= 1, path


def test_hostile_titles_stay_inside_json_ld_and_head_attributes(sites):
    site = sites("hostile")
    pages = {page.h1.strip(): (path, page) for path, page in site.article_pages()}
    assert {as_read(t) for t in HOSTILE_TITLES} == set(pages)
    for title, (path, page) in pages.items():
        html = path.read_text(encoding="utf-8")
        assert html.count("<script") == len(page.raw_script_types)
        assert "<script>alert(1)" not in html
        article = next(n for n in json.loads(page.json_ld[0]) if n["@type"] == "NewsArticle")
        assert article["headline"] == title[:110]
        assert page.meta("og:title") == [title] == page.meta("twitter:title")
    long_article = next(n for n in json.loads(pages[TITLE_LONG][1].json_ld[0]) if n["@type"] == "NewsArticle")
    assert len(TITLE_LONG) > 110 and len(long_article["headline"]) == 110
    assert [crumb.strip() for crumb in pages[TITLE_LONG][1].crumbs] == ["Start", "Mid & <x>", TITLE_LONG]


# ============================================================================ search index and feed links

@pytest.mark.parametrize("name", ALL)
def test_search_index_urls_resolve_to_built_pages(sites, name):
    site = sites(name)
    records = json.loads(site.read("search-index.json"))
    assert records and all(set(r) == {"title", "url", "date", "section", "tags", "summary"} for r in records)
    for record in records:
        assert record["url"].startswith(site.base_path), record
        path = site.out / (unquote(record["url"][len(site.base_path):]) + "index.html")
        assert path.is_file(), record["url"]
        assert PageReader(path.read_text(encoding="utf-8")).h1.strip() == record["title"]
        if record["date"] is not None:
            assert rfc3339_problems(record["date"], "date") == []


@pytest.mark.parametrize("name", ALL)
def test_feed_links_in_page_heads_resolve_to_the_feeds(sites, name):
    site = sites(name)
    page = PageReader((site.out / "index.html").read_text(encoding="utf-8"))
    alternates = {link["type"]: link["href"] for link in page.links
                  if link.get("rel") == "alternate" and "hreflang" not in link}
    assert alternates == {"application/atom+xml": site.url("atom.xml"), "application/rss+xml": site.url("rss.xml"),
                          "application/feed+json": site.url("feed.json")}
    for href in alternates.values():
        assert site.file_for(href).is_file()


# ============================================================================ known violations (bugs to fix in src/)

def _build_small(tmp_path, files: dict[str, str | bytes]) -> Path:
    site_dir = make_site(tmp_path, files)
    run = build_site(site_dir)
    assert run.code == 0, run.err
    return site_dir / "public"


@pytest.mark.xfail(strict=True, reason="outputs.py _atom: with a path-only base_url atom:id is '/news/world/one/', "
                   "a relative reference; RFC 4287 §4.2.6 requires an IRI, which excludes relative references")
@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_atom_ids_are_absolute_iris_without_a_host(sites, name):
    site = sites(name)
    root = parse_xml(site.read("atom.xml"))
    ids = [root.findtext("a:id", namespaces=A)] + [e.findtext("a:id", namespaces=A) for e in root.iterfind("a:entry", A)]
    assert [p for value in ids for p in uri_problems(value, "atom:id", absolute=True, iri=True)] == []


@pytest.mark.xfail(strict=True, reason="outputs.py _rss: with a path-only base_url every item has "
                   "<guid isPermaLink=\"true\">/world/one/</guid>; a permalink guid must be a full URL (RSS 2.0)")
@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_rss_permalink_guids_are_full_urls_without_a_host(sites, name):
    site = sites(name)
    assert [p for p in rss_problems(site.read("rss.xml"), site.url("rss.xml"), absolute=False)
            if "isPermaLink" in p] == []


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_without_a_host_there_is_no_sitemap_and_robots_names_none(sites, name):
    """sitemaps.org wants full URLs: with a path-only base_url no sitemap can be valid, so none is written."""
    site = sites(name)
    assert not (site.out / "sitemap.xml").exists()
    assert b"Sitemap:" not in site.read("robots.txt")


def test_rss_descriptions_keep_plain_text_summaries_as_text(sites):
    site = sites("hostile")
    rss = feedparser.parse(site.read("rss.xml"))
    assert rss.entries[1].summary == html_escape_text(SUMMARY_MARKUP)


def html_escape_text(text: str) -> str:
    """How feedparser shows plain text that was correctly escaped as HTML: entities kept."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_image_urls_are_percent_encoded(tmp_path):
    out = _build_small(tmp_path, {
        "assets/images/my photo é.png": image_bytes(),
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02",
                                             image=yq("/images/my photo é.png"), image_alt="x"),
    })
    problems = atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += article_head_problems(PageReader((out / "world/one/index.html").read_text(encoding="utf-8")))
    assert problems == []


def test_scheme_relative_images_become_absolute(tmp_path):
    out = _build_small(tmp_path, {
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02",
                                             image="//cdn.example.org/x.jpg", image_alt="x"),
    })
    problems = rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += article_head_problems(PageReader((out / "world/one/index.html").read_text(encoding="utf-8")))
    assert problems == []


def test_full_content_feeds_have_no_relative_links(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://example.com/news/\nfeeds: {full_content: true}\n",
        "assets/images/x.jpg": image_bytes("JPEG"),
        "content/world/photo.png": image_bytes(),
        "content/world/one.md": front_matter(
            "![a](/images/x.jpg) ![b](photo.png) [c](../two/) [d](/world/)", title="One", date="2024-01-02"),
    })
    htmls = [parse_xml((out / "atom.xml").read_bytes()).findtext("a:entry/a:content", namespaces=A),
             parse_xml((out / "rss.xml").read_bytes()).findtext("channel/item/content:encoded",
                                                                 namespaces=RSS_NAMESPACES),
             json.loads((out / "feed.json").read_bytes())["items"][0]["content_html"]]
    relative = [url for html in htmls for url in re.findall(r'(?:src|href)="([^"]*)"', html)
                if not SCHEME.match(url)]
    assert relative == []


def test_language_with_an_underscore_becomes_a_bcp_47_tag(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://news.example.com/\nlanguage: pt_BR\n",
        "content/world/one.md": front_matter("Um.", title="Um", date="2024-01-02"),
    })
    problems = atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += json_feed_problems((out / "feed.json").read_bytes(), "https://news.example.com/feed.json")
    html_lang = re.search(r'<html lang="([^"]*)"', (out / "index.html").read_text(encoding="utf-8")).group(1)
    problems += language_problems(html_lang, "<html lang>")
    assert problems == []


@pytest.mark.xfail(strict=True, reason="outputs.py _rfc3339/format_datetime: dates before a zone's standard time "
                   "(1890 in Europe/Madrid) have a seconds offset: '-00:14:44' in Atom/JSON Feed/sitemap and "
                   "'-001444' in RSS; RFC 3339 offsets are hh:mm and RFC 822 zones are four digits")
def test_historic_dates_get_offsets_feeds_can_carry(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://news.example.com/\ntimezone: Europe/Madrid\n",
        "content/world/old.md": front_matter("Old.", title="Old", date="1890-01-01"),
    })
    problems = atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += json_feed_problems((out / "feed.json").read_bytes(), "https://news.example.com/feed.json")
    problems += sitemap_problems((out / "sitemap.xml").read_bytes(), "https://news.example.com/sitemap.xml")
    assert problems == []


@pytest.mark.xfail(strict=True, reason="seo.py article_json_ld: a breadcrumb entry with no URL (front matter "
                   "'breadcrumb: [Home, Unknown]') becomes a ListItem without 'item'; Google's BreadcrumbList rules "
                   "require 'item' on every ListItem but the last")
def test_every_breadcrumb_but_the_last_has_an_item(tmp_path):
    out = _build_small(tmp_path, {
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02", breadcrumb="[Home, Unknown]"),
    })
    page = PageReader((out / "world/one/index.html").read_text(encoding="utf-8"))
    crumbs = next(n for n in json.loads(page.json_ld[0]) if n["@type"] == "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "Unknown", "One"]
    assert all("item" in crumb for crumb in crumbs)


def test_news_article_always_has_an_author(tmp_path):
    out = _build_small(tmp_path, {"content/world/one.md": front_matter("One.", title="One", date="2024-01-02")})
    page = PageReader((out / "world/one/index.html").read_text(encoding="utf-8"))
    article = next(n for n in json.loads(page.json_ld[0]) if n["@type"] == "NewsArticle")
    assert article.get("author")


@pytest.mark.xfail(strict=True, reason="layouts/page.html: standalone pages publish a JSON-LD BreadcrumbList "
                   "('Home > About') but show no breadcrumb; structured data must describe visible content")
def test_page_breadcrumb_json_ld_matches_a_visible_breadcrumb(tmp_path):
    out = _build_small(tmp_path, {"content/pages/about.md": front_matter("About.", title="About"),
                                  "content/world/one.md": front_matter("One.", title="One", date="2024-01-02")})
    page = PageReader((out / "about/index.html").read_text(encoding="utf-8"))
    nodes = json.loads(page.json_ld[0])
    crumbs = [n for n in nodes if n["@type"] == "BreadcrumbList"]
    assert not crumbs or [c["name"] for c in crumbs[0]["itemListElement"]] == page.crumbs


def test_html_pages_have_no_control_characters(sites):
    site = sites("hostile")
    bad = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
    offenders = [str(p.relative_to(site.out)) for p in site.html_files() if bad.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_a_carriage_return_in_a_title_reads_as_a_space_everywhere(tmp_path):
    """sitegen reads control characters in titles (CR too) as spaces, so feeds and pages agree."""
    out = _build_small(tmp_path, {
        "content/world/one.md": front_matter("One.", title=yq("Line\rbreak"), date="2024-01-02"),
    })
    assert feedparser.parse((out / "atom.xml").read_bytes()).entries[0].title == "Line break"
    assert "<h1>Line break</h1>" in (out / "world/one/index.html").read_text(encoding="utf-8")


@pytest.mark.xfail(strict=True, reason="config.py origin: an internationalized host ('exämple.com') is kept as "
                   "Unicode in sitemap <loc> and RSS links; sitemaps.org and RSS need URLs (RFC 3986): the host "
                   "must be IDNA-encoded ('xn--exmple-cua.com')")
def test_an_internationalized_host_is_idna_encoded_in_sitemap_and_rss(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://exämple.com/\n",
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02"),
    })
    problems = sitemap_problems((out / "sitemap.xml").read_bytes(), "https://xn--exmple-cua.com/sitemap.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://xn--exmple-cua.com/rss.xml")
    assert problems == []


@pytest.mark.xfail(strict=True, reason="outputs.py _image: the RSS enclosure says length=\"0\" and the Atom "
                   "enclosure link has no length, although the image is a local file of known size; RSS 2.0 defines "
                   "length as the size in bytes and RFC 4287 §4.2.7.2 says enclosures SHOULD carry a length")
def test_enclosures_of_local_images_give_their_size(sites):
    site = sites("hostile")
    size = (site.out / "images/hero.jpg").stat().st_size
    rss = parse_xml(site.read("rss.xml")).find("channel/item/enclosure")
    atom = parse_xml(site.read("atom.xml")).find("a:entry/a:link[@rel='enclosure']", A)
    assert (rss.get("length"), atom.get("length")) == (str(size), str(size))


# At d04a178 render.py's listing-title dict evaluated listing.articles[0] for every listing, so a site without
# articles crashed with IndexError before writing the empty feeds outputs.py is written to produce.
@pytest.mark.parametrize("files", [{"content/pages/about.md": front_matter("About.", title="About")},
                                   {"content/.keep": ""}], ids=["only-a-page", "no-content"])
def test_a_site_without_articles_builds_valid_empty_feeds(tmp_path, files):
    out = _build_small(tmp_path, files)
    assert atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml") == []
    assert rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml") == []
    assert json_feed_problems((out / "feed.json").read_bytes(), "https://news.example.com/feed.json") == []
    assert feedparser.parse((out / "atom.xml").read_bytes()).entries == []

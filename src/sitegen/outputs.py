"""Machine-read outputs: Atom, RSS and JSON feeds, the sitemap, robots.txt and the search index.

`machine_files` makes the files of these jobs of the plan (plan.py lists them, with
what each reads), a pure function of the site model: for each job, first the values
it is made from (a feed's `FeedEntry`s, a sitemap's URLs…), whose digest is its
record, then its bytes unless the output already holds them (the record matches).
The render workers make them beside the pages and hand them to the writer, which stays
the only code that touches the disk. Output is
deterministic (sorted iteration, no build timestamps: a feed's date is its
newest entry's) so that an unchanged site rebuilds byte for byte and
deploys that compare files upload nothing.

XML is built with ElementTree, never by pasting strings, so a headline like
'</script> & "quotes"' can only ever be text. Namespaced names are written
literally ('dc:creator' with an xmlns:dc attribute) rather than through
ElementTree.register_namespace, which would change process-wide state.
"""

from __future__ import annotations

import json
import html
import re
from urllib.parse import urljoin
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import format_datetime
from functools import partial
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable, NamedTuple
from urllib.parse import urlsplit

from .article import Article
from .languages import Language
from .model import Site
from . import cache
from .cache import digest
from .plan import (ATOM_FEED, FEEDS, JSON_FEED_FILE, NO_DATE, ROBOTS_FILE, RSS_FEED, SEARCH_INDEX_FILE, SITEMAP_FILE,
                   SITEMAP_INDEX, Job, Plan, sitemap_entries)
from .urls import RSS, JSON_FEED, SITEMAP, absolute

GENERATOR = "sitegen"
FEED_CATEGORIES = 20  # tags an entry lists: every tag feed repeats the entry, so not all of a long list
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"  # xhtml:link, the sitemap's hreflang alternates
# Fixed here, not from `mimetypes`, whose answers depend on the machine's /etc/mime.types.
_IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
                ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml"}
# Characters XML 1.0 forbids even when escaped; a stray one in front matter would make the feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ----------------------------------------------------------------------------- every file, made or kept

class MachineFile(NamedTuple):
    """One feed, sitemap, robots.txt or search index of the plan, made when `make` is called."""

    output_path: str
    make: Callable[[], tuple[bytes | None, bytes]]  # its bytes (None: the recorded file stands), its inputs


def machine_files(site: Site, plan: Plan, recorded: dict[str, bytes] | None = None) -> list[list[MachineFile]]:
    """The feeds, sitemaps, robots.txt and search indexes among the `plan`'s jobs. Each `make` gives the
    file's bytes and the digest of what it is made from (its inputs: the settings, the values below, which
    are all its makers read, and the sitegen and Python that make them: cache.GENERATION). A file whose inputs
    are those `recorded` for it in the output is not made again: its bytes are None, and the file there
    stays, as render.py keeps a page. They are made where `make` is called (build.py has the render workers
    make them beside the pages), in groups to be made together: every feed in one (an article's feed entry is
    made once for all the feeds that show it), each other file in a group of its own."""
    settings = digest(cache.GENERATION, repr(site.config))
    shown = _Shown(site, plan)

    def make(job: Job, maker: _Maker) -> tuple[bytes | None, bytes]:
        values, make_bytes = maker(site, job, shown)
        inputs = digest(settings, job.kind, job.output_path, repr(values))
        unchanged = recorded is not None and recorded.get(job.output_path) == inputs
        return None if unchanged else make_bytes(values), inputs

    feeds: list[MachineFile] = []
    groups = [feeds]
    for job in plan.jobs:
        if job.kind in _MAKERS:
            file = MachineFile(job.output_path, partial(make, job, _MAKERS[job.kind]))
            if job.kind in FEEDS:
                feeds.append(file)
            else:
                groups.append([file])
    return [group for group in groups if group]


class FeedEntry(NamedTuple):
    """What the feeds show of an article, and all they read of it (Atom, RSS and JSON Feed alike)."""

    url: str  # absolute
    title: str
    date: datetime
    updated: datetime
    authors: tuple[tuple[str, str], ...]  # (name, absolute URL of the author's page)
    tags: tuple[tuple[str, str], ...]  # (name, absolute URL of the tag's page): the first FEED_CATEGORIES
    summary: str
    html: str | None  # the body, with full_content (None without)
    image: tuple[str, str, int | None, int | None] | None  # absolute URL, MIME type ('' unknown), width, height


def feed_entry(article: Article, site: Site) -> FeedEntry:
    origin = site.config.origin
    image = article.image or article.social_image
    return FeedEntry(
        _absolute(site, article.url_path), article.title, article.date, article.updated or article.date,  # type: ignore[arg-type]
        tuple((author.name, absolute(origin, author.url)) for author in article.authors),
        tuple((tag.name, absolute(origin, tag.url)) for tag in article.tags[:FEED_CATEGORIES]), article.summary,
        article.body.html if site.config.feeds.full_content else None,
        image and (absolute(origin, image.url), image_type(image.url), image.width, image.height))


class _Shown:
    """What the makers share: the site, the plan, and each article's feed entry and Atom <entry> text, made
    once for every feed it is in (home, section, tags)."""

    def __init__(self, site: Site, plan: Plan):
        self.site, self.plan = site, plan
        self.entries: dict[str, FeedEntry] = {}
        self.atom: dict[str, str] = {}

    def entries_of(self, articles: Iterable[Article]) -> tuple[FeedEntry, ...]:
        found = self.entries
        return tuple(found.get(a.url_path) or found.setdefault(a.url_path, feed_entry(a, self.site)) for a in articles)

    def atom_entry(self, entry: FeedEntry) -> str:
        made = self.atom.get(entry.url)
        if made is None:
            made = self.atom[entry.url] = _atom_entry(entry)
        return made


_Maker = Callable[[Site, Job, "_Shown"], tuple[object, Callable[[object], bytes]]]


def _atom_job(site: Site, job: Job, shown: _Shown) -> tuple[object, Callable[[object], bytes]]:
    title, page_url, articles = job.subject
    values = (site.editions[job.edition].language, title, page_url, shown.entries_of(articles))
    return values, lambda values: _atom(site, job.output_path, *values, shown.atom_entry)


def _language_feed_job(make: Callable[[Site, Language, tuple[FeedEntry, ...]], bytes], site: Site, job: Job,
                       shown: _Shown) -> tuple[object, Callable[[object], bytes]]:
    """A language's RSS or JSON feed (`make`): its language and entries."""
    values = (site.editions[job.edition].language, shown.entries_of(job.subject))
    return values, lambda values: make(site, *values)


# ----------------------------------------------------------------------------- feeds

def _atom(site: Site, path: str, language: Language, title: str, page_url: str, entries: tuple[FeedEntry, ...],
          entry_text: Callable[[FeedEntry], str]) -> bytes:
    """RFC 4287: a feed needs id, title, updated and (unless every entry has one) an author. The entries
    come as text from `entry_text` (each is made once, for every feed it is in)."""
    config, origin = site.config, site.config.origin
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xmlns:media": MEDIA_NS, "xml:lang": language.code})
    _sub(feed, "id", _absolute(site, path))
    _sub(feed, "title", title)
    if language.description:
        _sub(feed, "subtitle", language.description)
    _sub(feed, "updated", _rfc3339(_newest(entries)))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_absolute(site, path))
    _sub(feed, "link", rel="alternate", type="text/html", href=absolute(origin, page_url))
    if not all(entry.authors for entry in entries):
        _sub(_sub(feed, "author"), "name", config.author or language.title)
    _sub(feed, "generator", GENERATOR)
    ET.indent(feed)
    head = ET.tostring(feed, encoding="unicode").removesuffix("</feed>")  # ends with the newline before it
    return (_XML_DECLARATION + head + "".join(f"  {entry_text(entry)}\n" for entry in entries)
            + "</feed>\n").encode("utf-8")


def _newest(entries: tuple[FeedEntry, ...]) -> datetime:
    """When a feed last changed: its newest entry's update (1970 for a feed with none)."""
    return max((entry.updated for entry in entries), default=NO_DATE)


def _atom_entry(shown: FeedEntry) -> str:
    """One Atom <entry>, indented as a child of <feed>."""
    entry = ET.Element("entry")
    _sub(entry, "id", shown.url)
    _sub(entry, "title", shown.title)
    _sub(entry, "link", rel="alternate", type="text/html", href=shown.url)
    _sub(entry, "published", _rfc3339(shown.date))
    _sub(entry, "updated", _rfc3339(shown.updated))
    for name, url in shown.authors:
        person = _sub(entry, "author")
        _sub(person, "name", name)
        _sub(person, "uri", url)
    for name, url in shown.tags:
        _sub(entry, "category", term=name, scheme=url)
    if shown.summary:
        _sub(entry, "summary", shown.summary)
    if shown.html is not None:
        _sub(entry, "content", _absolute_links(shown.html, shown.url), type="html")
    _image(entry, shown, lambda url, mime: _sub(entry, "link", rel="enclosure", type=mime, href=url))
    ET.indent(entry, level=1)
    return ET.tostring(entry, encoding="unicode")


def _rss(site: Site, language: Language, entries: tuple[FeedEntry, ...]) -> bytes:
    """RSS 2.0: authors as dc:creator (RSS's own <author> must be an email address)."""
    rss = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS, "xmlns:dc": "http://purl.org/dc/elements/1.1/",
                             "xmlns:content": "http://purl.org/rss/1.0/modules/content/", "xmlns:media": MEDIA_NS})
    channel = _sub(rss, "channel")
    _sub(channel, "title", language.title)
    _sub(channel, "link", _absolute(site, language.path))
    _sub(channel, "description", language.description or language.title)  # required, and must say something
    _sub(channel, "language", language.code)
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "lastBuildDate", format_datetime(_newest(entries)))
    _sub(channel, "atom:link", rel="self", type="application/rss+xml", href=_absolute(site, language.path + RSS))
    for entry in entries:
        item = _sub(channel, "item")
        _sub(item, "title", entry.title)
        _sub(item, "link", entry.url)
        _sub(item, "guid", entry.url, isPermaLink="true")
        _sub(item, "pubDate", format_datetime(entry.date))
        for name, _ in entry.authors:
            _sub(item, "dc:creator", name)
        for name, _ in entry.tags:
            _sub(item, "category", name)
        if entry.summary:
            _sub(item, "description", html.escape(entry.summary, quote=False))  # readers take it as HTML
        if entry.html is not None:
            _sub(item, "content:encoded", _absolute_links(entry.html, entry.url))
        _image(item, entry, lambda url, mime: _sub(item, "enclosure", url=url, length="0", type=mime))
    return _xml_bytes(rss)


def _json_feed(site: Site, language: Language, entries: tuple[FeedEntry, ...]) -> bytes:
    """JSON Feed 1.1: content_html with full_content, else the summary as content_text."""
    items = []
    for entry in entries:
        item: dict[str, Any] = {"id": entry.url, "url": entry.url, "title": entry.title,
                                "date_published": _rfc3339(entry.date), "date_modified": _rfc3339(entry.updated)}
        if entry.html is not None:
            item["content_html"] = _absolute_links(entry.html, entry.url)
        else:
            item["content_text"] = entry.summary
        if entry.summary:
            item["summary"] = entry.summary
        if entry.authors:
            item["authors"] = [{"name": name, "url": url} for name, url in entry.authors]
        if entry.tags:
            item["tags"] = [name for name, _ in entry.tags]
        if entry.image:
            item["image"] = entry.image[0]
        items.append(item)
    feed: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1", "title": language.title,
                            "home_page_url": _absolute(site, language.path),
                            "feed_url": _absolute(site, language.path + JSON_FEED), "language": language.code,
                            "items": items}
    if language.description:
        feed["description"] = language.description
    return _json_bytes(feed)


def _image(parent: ET.Element, entry: FeedEntry, enclosure) -> None:
    """The hero image as media:content, plus an enclosure when its MIME type is known (RSS requires one)."""
    if not entry.image:
        return
    url, mime, width, height = entry.image
    if mime:
        enclosure(url, mime)
    media = _sub(parent, "media:content", url=url, medium="image", **({"type": mime} if mime else {}))
    for name, value in (("width", width), ("height", height)):
        if value:
            media.set(name, str(value))


def image_type(url: str) -> str:
    """'image/jpeg' for '/images/x.JPG' or 'https://cdn/x.jpg?w=800'; '' when the extension says nothing."""
    try:
        path = urlsplit(url).path
    except ValueError:  # 'http://[x/a.jpg': not a URL at all
        return ""
    return _IMAGE_TYPES.get(PurePosixPath(path).suffix.lower(), "")


# ----------------------------------------------------------------------------- sitemap and robots.txt

def _robots_job(site: Site, job: Job, shown: _Shown) -> tuple[object, Callable[[object], bytes]]:
    """robots.txt: everything allowed, and where the sitemap is (crawlers ignore a bare path there, so only
    with a host in base_url)."""
    robots = "User-agent: *\nAllow: /\n" + (f"Sitemap: {_absolute(site, SITEMAP)}\n" if site.config.origin else "")
    return robots, lambda robots: robots.encode("utf-8")


def _sitemap_job(site: Site, job: Job, shown: _Shown) -> tuple[object, Callable[[object], bytes]]:
    """A sitemap: its pages' URLs in order, with their lastmod. A page in several languages lists each
    version as an xhtml:link alternate (with hreflang, and x-default for the default language's)."""
    return tuple(_url(site, shown.plan, path, lastmod)
                 for path, lastmod in sitemap_entries(job.subject).items()), _urlset


def _sitemap_index_job(site: Site, job: Job, shown: _Shown) -> tuple[object, Callable[[object], bytes]]:
    """Past the protocol's 50,000 URLs the plan splits them into sitemap-1.xml, sitemap-2.xml, … and
    sitemap.xml becomes their sitemap index, so robots.txt and search consoles keep a single address."""
    return tuple((_absolute(site, name), max((date for date in sitemap_entries(pages).values() if date), default=None))
                 for name, pages in job.subject), _sitemap_index


def _sitemap_index(sitemaps: tuple[tuple[str, datetime | None], ...]) -> bytes:
    index = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for url, lastmod in sitemaps:
        sitemap = _sub(index, "sitemap")
        _sub(sitemap, "loc", url)
        if lastmod:
            _sub(sitemap, "lastmod", _rfc3339(lastmod))
    return _xml_bytes(index)


def _url(site: Site, plan: Plan, path: str, lastmod: datetime | None) -> tuple[
        str, datetime | None, list[tuple[str, str]]]:
    """A sitemap's <url>: the address, its lastmod, and the versions of the page in other languages."""
    default = site.editions[0].language.code
    versions = plan.versions.get(path, {})
    alternates = [(code, _absolute(site, version)) for code, version in versions.items()]
    if default in versions:
        alternates.append(("x-default", _absolute(site, versions[default])))
    return _absolute(site, path), lastmod, alternates


def _urlset(urls: tuple[tuple[str, datetime | None, list[tuple[str, str]]], ...]) -> bytes:
    multilingual = any(alternates for _, _, alternates in urls)
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS, **({"xmlns:xhtml": XHTML_NS} if multilingual else {})})
    for loc, lastmod, alternates in urls:
        url = _sub(urlset, "url")
        _sub(url, "loc", loc)
        if lastmod:
            _sub(url, "lastmod", _rfc3339(lastmod))  # W3C Datetime is a profile of RFC 3339
        for hreflang, href in alternates:
            _sub(url, "xhtml:link", rel="alternate", hreflang=hreflang, href=href)
    return _xml_bytes(urlset)


# ----------------------------------------------------------------------------- search index

def _search_index_job(site: Site, job: Job, shown: _Shown) -> tuple[object, Callable[[object], bytes]]:
    """What a language's search page fetches ('search-index.json', 'en/search-index.json'): its articles
    newest first, then its pages; compact, with sorted keys, because every visitor who searches downloads it."""
    return (tuple(search_entry(a, site.config.base_path) for a in job.subject),
            lambda entries: ("[" + ",".join(entries) + "]").encode())


def search_entry(article: Article, base_path: str) -> str:
    """An article's entry in its language's search index; links carry the base path."""
    return _json_text({
        "title": article.title, "url": base_path + article.url_path,
        "date": _rfc3339(article.date) if article.date and not article.is_page else None,
        "section": article.section.name if article.section and not article.is_page else None,
        "tags": [tag.name for tag in article.tags], "summary": article.summary,
    }, compact=True)


_MAKERS: dict[str, _Maker] = {ATOM_FEED: _atom_job, RSS_FEED: partial(_language_feed_job, _rss),
                              JSON_FEED_FILE: partial(_language_feed_job, _json_feed),
                              ROBOTS_FILE: _robots_job, SITEMAP_FILE: _sitemap_job,
                              SITEMAP_INDEX: _sitemap_index_job, SEARCH_INDEX_FILE: _search_index_job}


# ----------------------------------------------------------------------------- helpers

def _absolute(site: Site, path: str) -> str:
    """A site-relative path as a full URL (only a path when base_url has no host)."""
    return absolute(site.config.origin, site.config.base_path + path)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _NOT_XML.sub("", value) for key, value in attrs.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


_XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"  # as ElementTree writes it


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _json_bytes(data: Any, compact: bool = False) -> bytes:
    return (_json_text(data, compact) + ("" if compact else "\n")).encode("utf-8")


def _json_text(data: Any, compact: bool = False) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":") if compact else None, indent=None if compact else 1)


_LINK = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def _absolute_links(html: str, page_url: str) -> str:
    """Feed readers show an article away from its page: every link and image is resolved against
    the article's own URL ('photo.png', '../x/', '/css/', '#note' alike)."""
    return _LINK.sub(lambda m: m.group(1) + _joined(page_url, m.group(2)) + m.group(3), html)


def _joined(page_url: str, link: str) -> str:
    try:
        return urljoin(page_url, link)
    except ValueError:  # a malformed link ('http://[oops/') stays as the author wrote it
        return link

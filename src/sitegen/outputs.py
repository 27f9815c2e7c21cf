"""Machine-read outputs: Atom, RSS and JSON feeds, the sitemap, robots.txt and the search index.

Every function here makes the files of some of the plan's jobs (plan.py lists
them, with what each reads), a pure function of the site model that returns
{site-relative output path: bytes}; build.py hands them to the writer with the
rendered pages, so the writer stays the only code that touches the disk. Output is
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
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from .article import Article
from .languages import Language
from .model import Site
from .plan import (ATOM_FEED, FEEDS, ROBOTS_FILE, RSS_FEED, SEARCH_INDEX_FILE, SITEMAP_FILE, SITEMAP_INDEX, Job, newest,
                   sitemap_entries)
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


# ----------------------------------------------------------------------------- feeds

def feed_files(site: Site, jobs: Iterable[Job]) -> dict[str, bytes]:
    """The feeds among the plan's `jobs` (plan.py lists them): Atom for each language and for every
    section and tag, RSS 2.0 and JSON Feed 1.1 for each language, each listing the newest `feeds.items`
    articles of its listing."""
    entries_made: dict[str, str] = {}  # an article is an entry of many feeds (home, section, tags): made once

    def entry(article: Article) -> str:
        made = entries_made.get(article.url_path)
        if made is None:
            made = entries_made[article.url_path] = _atom_entry(site, article)
        return made

    files = {}
    for job in jobs:
        if job.kind not in FEEDS:
            continue
        language = site.editions[job.edition].language
        if job.kind == ATOM_FEED:
            title, page_url, entries = job.subject
            files[job.output_path] = _atom(site, language, job.output_path, title, page_url, entries, entry)
        elif job.kind == RSS_FEED:
            files[job.output_path] = _rss(site, language, job.subject)
        else:
            files[job.output_path] = _json_feed(site, language, job.subject)
    return files


def _atom(site: Site, language: Language, path: str, title: str, page_url: str, entries: tuple[Article, ...],
          entry_text: Callable[[Article], str]) -> bytes:
    """RFC 4287: a feed needs id, title, updated and (unless every entry has one) an author. The entries
    come as text from `entry_text` (each is made once, for every feed it is in)."""
    config, origin = site.config, site.config.origin
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xmlns:media": MEDIA_NS, "xml:lang": language.code})
    _sub(feed, "id", _absolute(site, path))
    _sub(feed, "title", title)
    if language.description:
        _sub(feed, "subtitle", language.description)
    _sub(feed, "updated", _rfc3339(newest(entries)))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_absolute(site, path))
    _sub(feed, "link", rel="alternate", type="text/html", href=absolute(origin, page_url))
    if not all(article.authors for article in entries):
        _sub(_sub(feed, "author"), "name", config.author or language.title)
    _sub(feed, "generator", GENERATOR)
    ET.indent(feed)
    head = ET.tostring(feed, encoding="unicode").removesuffix("</feed>")  # ends with the newline before it
    return (_XML_DECLARATION + head + "".join(f"  {entry_text(article)}\n" for article in entries)
            + "</feed>\n").encode("utf-8")


def _atom_entry(site: Site, article: Article) -> str:
    """One Atom <entry>, indented as a child of <feed>."""
    config, origin = site.config, site.config.origin
    entry = ET.Element("entry")
    url = _absolute(site, article.url_path)
    _sub(entry, "id", url)
    _sub(entry, "title", article.title)
    _sub(entry, "link", rel="alternate", type="text/html", href=url)
    _sub(entry, "published", _rfc3339(article.date))
    _sub(entry, "updated", _rfc3339(article.updated or article.date))
    for author in article.authors:
        person = _sub(entry, "author")
        _sub(person, "name", author.name)
        _sub(person, "uri", absolute(origin, author.url))
    for tag in article.tags[:FEED_CATEGORIES]:
        _sub(entry, "category", term=tag.name, scheme=absolute(origin, tag.url))
    if article.summary:
        _sub(entry, "summary", article.summary)
    if config.feeds.full_content:
        _sub(entry, "content", _absolute_links(article.body.html, url), type="html")
    _image(entry, article, origin, lambda url, mime: _sub(entry, "link", rel="enclosure", type=mime, href=url))
    ET.indent(entry, level=1)
    return ET.tostring(entry, encoding="unicode")


def _rss(site: Site, language: Language, entries: tuple[Article, ...]) -> bytes:
    """RSS 2.0: authors as dc:creator (RSS's own <author> must be an email address)."""
    config, origin = site.config, site.config.origin
    rss = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS, "xmlns:dc": "http://purl.org/dc/elements/1.1/",
                             "xmlns:content": "http://purl.org/rss/1.0/modules/content/", "xmlns:media": MEDIA_NS})
    channel = _sub(rss, "channel")
    _sub(channel, "title", language.title)
    _sub(channel, "link", _absolute(site, language.path))
    _sub(channel, "description", language.description or language.title)  # required, and must say something
    _sub(channel, "language", language.code)
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "lastBuildDate", format_datetime(newest(entries)))
    _sub(channel, "atom:link", rel="self", type="application/rss+xml", href=_absolute(site, language.path + RSS))
    for article in entries:
        item = _sub(channel, "item")
        url = _absolute(site, article.url_path)
        _sub(item, "title", article.title)
        _sub(item, "link", url)
        _sub(item, "guid", url, isPermaLink="true")
        _sub(item, "pubDate", format_datetime(article.date))
        for author in article.authors:
            _sub(item, "dc:creator", author.name)
        for tag in article.tags[:FEED_CATEGORIES]:
            _sub(item, "category", tag.name)
        if article.summary:
            _sub(item, "description", html.escape(article.summary, quote=False))  # readers take it as HTML
        if config.feeds.full_content:
            _sub(item, "content:encoded", _absolute_links(article.body.html, _absolute(site, article.url_path)))
        _image(item, article, origin, lambda url, mime: _sub(item, "enclosure", url=url, length="0", type=mime))
    return _xml_bytes(rss)


def _json_feed(site: Site, language: Language, entries: tuple[Article, ...]) -> bytes:
    """JSON Feed 1.1: content_html with full_content, else the summary as content_text."""
    config, origin = site.config, site.config.origin
    items = []
    for article in entries:
        url = _absolute(site, article.url_path)
        item: dict[str, Any] = {"id": url, "url": url, "title": article.title,
                                "date_published": _rfc3339(article.date),
                                "date_modified": _rfc3339(article.updated or article.date)}
        if config.feeds.full_content:
            item["content_html"] = _absolute_links(article.body.html, _absolute(site, article.url_path))
        else:
            item["content_text"] = article.summary
        if article.summary:
            item["summary"] = article.summary
        if article.authors:
            item["authors"] = [{"name": a.name, "url": absolute(origin, a.url)} for a in article.authors]
        if article.tags:
            item["tags"] = [tag.name for tag in article.tags[:FEED_CATEGORIES]]
        if article.image:
            item["image"] = absolute(origin, article.image.url)
        items.append(item)
    feed: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1", "title": language.title,
                            "home_page_url": _absolute(site, language.path),
                            "feed_url": _absolute(site, language.path + JSON_FEED), "language": language.code,
                            "items": items}
    if language.description:
        feed["description"] = language.description
    return _json_bytes(feed)


def _image(parent: ET.Element, article: Article, origin: str, enclosure) -> None:
    """The hero image as media:content, plus an enclosure when its MIME type is known (RSS requires one)."""
    if not article.image:
        return
    url = absolute(origin, article.image.url)
    mime = image_type(article.image.url)
    if mime:
        enclosure(url, mime)
    media = _sub(parent, "media:content", url=url, medium="image", **({"type": mime} if mime else {}))
    for name in ("width", "height"):
        if getattr(article.image, name):
            media.set(name, str(getattr(article.image, name)))


def image_type(url: str) -> str:
    """'image/jpeg' for '/images/x.JPG' or 'https://cdn/x.jpg?w=800'; '' when the extension says nothing."""
    try:
        path = urlsplit(url).path
    except ValueError:  # 'http://[x/a.jpg': not a URL at all
        return ""
    return _IMAGE_TYPES.get(PurePosixPath(path).suffix.lower(), "")


# ----------------------------------------------------------------------------- sitemap and robots.txt

def sitemap_files(site: Site, jobs: Iterable[Job]) -> dict[str, bytes]:
    """The sitemaps and robots.txt among the plan's `jobs`, each sitemap listing its URLs in order.

    A page in several languages lists each version as an xhtml:link alternate (with hreflang, and
    x-default for the default language's). Past the protocol's 50,000 URLs the plan splits them into
    sitemap-1.xml, sitemap-2.xml, … and sitemap.xml becomes their sitemap index, so robots.txt and search
    consoles keep a single address.
    """
    files = {}
    for job in jobs:
        if job.kind == ROBOTS_FILE:
            robots = "User-agent: *\nAllow: /\n"
            if site.config.origin:  # the Sitemap line must be a full URL; crawlers ignore a bare path
                robots += f"Sitemap: {_absolute(site, SITEMAP)}\n"
            files[job.output_path] = robots.encode("utf-8")
        elif job.kind == SITEMAP_FILE:
            files[job.output_path] = _urlset([_url(site, path, lastmod)
                                              for path, lastmod in sitemap_entries(job.subject).items()])
        elif job.kind == SITEMAP_INDEX:
            index = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
            for name, pages in job.subject:
                sitemap = _sub(index, "sitemap")
                _sub(sitemap, "loc", _absolute(site, name))
                lastmod = max((date for date in sitemap_entries(pages).values() if date), default=None)
                if lastmod:
                    _sub(sitemap, "lastmod", _rfc3339(lastmod))
            files[job.output_path] = _xml_bytes(index)
    return files


def _url(site: Site, path: str, lastmod: datetime | None) -> tuple[str, datetime | None, list[tuple[str, str]]]:
    """A sitemap's <url>: the address, its lastmod, and the versions of the page in other languages."""
    default = site.editions[0].language.code
    versions = site.versions.get(path, {})
    alternates = [(code, _absolute(site, version)) for code, version in versions.items()]
    if default in versions:
        alternates.append(("x-default", _absolute(site, versions[default])))
    return _absolute(site, path), lastmod, alternates


def _urlset(urls: list[tuple[str, datetime | None, list[tuple[str, str]]]]) -> bytes:
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

def search_indexes(site: Site, jobs: Iterable[Job]) -> dict[str, bytes]:
    """The search indexes among the plan's `jobs`: what each language's search page fetches
    ('search-index.json', 'en/search-index.json'), its articles newest first, then its pages.

    Compact, with sorted keys, because every visitor who searches downloads it."""
    base_path = site.config.base_path
    return {job.output_path: ("[" + ",".join(search_entry(a, base_path) for a in job.subject) + "]").encode()
            for job in jobs if job.kind == SEARCH_INDEX_FILE}


def search_entry(article: Article, base_path: str) -> str:
    """An article's entry in its language's search index; links carry the base path."""
    return _json_text({
        "title": article.title, "url": base_path + article.url_path,
        "date": _rfc3339(article.date) if article.date and not article.is_page else None,
        "section": article.section.name if article.section and not article.is_page else None,
        "tags": [tag.name for tag in article.tags], "summary": article.summary,
    }, compact=True)


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

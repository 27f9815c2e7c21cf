"""Where every page lives: one place for the site's URL scheme.

Paths here are site-relative ('world/putin-visit/'); links add the base path
of base_url in front, feeds and sitemaps the whole base_url. A language with
a prefix has the same scheme under it: 'en/world/putin-visit/', 'en/atom.xml'.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

TAGS = "tags/"
AUTHORS = "authors/"
SEARCH = "search/"
HOME_PAGE, NOT_FOUND_PAGE, HIGHLIGHT_CSS = "index.html", "404.html", "css/highlight.css"
SEARCH_INDEX, SITEMAP, ROBOTS = "search-index.json", "sitemap.xml", "robots.txt"
ATOM, RSS, JSON_FEED = "atom.xml", "rss.xml", "feed.json"


_SCRIPT_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.I)


def runs_script(url: str) -> bool:
    """Whether a link to `url` would run code (javascript:, vbscript:, data:), however its scheme is spelt:
    with entities, or with spaces, tabs or control characters that browsers drop before a scheme."""
    return bool(_SCRIPT_SCHEME.match(re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url))))


def expand_permalink(pattern: str, slug: str, section: str, date: datetime | None) -> str:
    """'/:section/:slug/' → 'world/putin-visit/'; an empty token drops its segment."""
    values = {":section": section, ":slug": slug}
    if date:
        values.update({":year": f"{date.year:04d}", ":month": f"{date.month:02d}", ":day": f"{date.day:02d}"})
    segments = []
    for segment in pattern.strip("/").split("/"):
        for token in sorted(values, key=len, reverse=True):
            segment = segment.replace(token, values[token])
        if segment and ":" not in segment:
            segments.append(segment)
    return "/".join(segments) + "/"


def not_found_file(home: str, is_default: bool) -> str:
    """A language's 404 page: the default language's at the root, where static hosts look for it."""
    return NOT_FOUND_PAGE if is_default else home + NOT_FOUND_PAGE


def page_file(path: str) -> str:
    """The file behind a clean URL: 'world/x/' → 'world/x/index.html'."""
    return f"{path}index.html"


def alias_file(alias: str) -> str:
    """The redirect page of an alias: '/old.html' as it is, a clean URL 'old/' → 'old/index.html'."""
    return alias if alias.endswith((".html", ".htm")) else page_file(alias)


def paginated(path: str, number: int) -> str:
    """Page `number` of a listing at `path`: the first at the path itself, then 'path/page/2/'."""
    return path if number == 1 else f"{path}page/{number}/"


def year_path(year: int) -> str:
    return f"{year:04d}/"


def month_path(year: int, month: int) -> str:
    return f"{year:04d}/{month:02d}/"


def absolute(origin: str, url: str) -> str:
    """A link as feeds, sitemaps and social cards need it: '/world/x/' → 'https://host/world/x/'."""
    if url.startswith("//"):  # scheme-relative: the site's own scheme
        return f"{origin.split(':', 1)[0]}:{url}" if origin else url
    return origin + url if url.startswith("/") else url

"""`sitegen check`: what an editor runs before publishing, and CI after.

Everything a build validates (its errors and warnings), and what only the built pages tell: links of
an article's text to pages of the site that do not exist, or to an anchor its target page does not
have; images in the text without alt text; two articles of one language with one title. The build
goes to a temporary folder: the site's output is not touched. Findings are `path:line:` lines,
named at the article's line that holds the link or image.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from .article import Article
from .build import Builder
from .config import BuildOptions
from .errors import Diagnostic, error

_HINT_LINK = "fix the link, or write the page it points at"


class _Page(HTMLParser):
    """The links, images and element ids of some HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[tuple[str, str | None]] = []  # (src, alt or None when absent)
        self.ids: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"])
        if found.get("name") and tag == "a":
            self.ids.add(found["name"])
        if tag == "a" and found.get("href"):
            self.links.append(found["href"])
        elif tag == "img":
            self.images.append((found.get("src") or "", found.get("alt")))


def check_site(site_dir: Path, options: BuildOptions = BuildOptions()) -> list[Diagnostic]:
    """Every problem of the site (SiteError for errors a build stops at, as a build raises it)."""
    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as folder:
        output = Path(folder) / "site"
        result = Builder(site_dir, output, options, read_only=True).build()  # the cache read, never written
        site = result.site
        problems = list(result.warnings)
        if site is None:  # (a full build always has its model; a temporary folder means a full build)
            return problems
        base = site.config.base_path
        ids: dict[str, set[str] | None] = {}  # output file → its ids (None: no such file)

        def ids_of(path: str) -> set[str] | None:
            if path not in ids:
                file = output / path
                ids[path] = None if not file.is_file() else set() if not path.endswith(".html") else _Page(
                    file.read_text(encoding="utf-8", errors="replace")).ids
            return ids[path]

        for article in (*site.articles, *site.pages):
            problems += _article_problems(article, base, site.config.origin, ids_of, site_dir)
        problems += _same_titles(site.articles)
    return sorted(problems, key=lambda p: (p.path, p.line, p.message))


def _article_problems(article: Article, base: str, origin: str, ids_of, site_dir: Path) -> list[Diagnostic]:
    page = _Page(article.body.html)
    found: list[Diagnostic] = []
    lines: list[str] = []  # the article's file, read at its first problem

    def line_of(text: str) -> int:
        """The first line of the article's file that holds `text` (0 if none does)."""
        if not lines:
            try:
                lines.extend((site_dir / article.source).read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                return 0
        return next((number for number, line in enumerate(lines, 1) if text in line), 0)

    here = base + article.url_path
    for href in page.links:
        parts = urlsplit(urljoin(here, href))
        if parts.scheme or parts.netloc:
            if f"{parts.scheme}://{parts.netloc}" != origin or not origin:
                continue  # another site, or mail
        if not parts.path.startswith(base):  # a path of the host outside the site's: nothing of the site is there
            found.append(error(article.source, line_of(href),
                               f"the link to {href!r} leads outside the site, whose pages are under {base}",
                               f"write the link under {base}, or relative to the page"))
            continue
        path = unquote(parts.path[len(base):])
        target = path + "index.html" if path.endswith("/") or not path else path
        found_ids = ids_of(target)
        if found_ids is None and "." not in path.rpartition("/")[2]:
            target = path + "/index.html"
            found_ids = ids_of(target)
        if found_ids is None:
            found.append(error(article.source, line_of(href),
                               f"the link to {href!r} leads to no page of the site", _HINT_LINK))
        elif parts.fragment and target.endswith(".html") and unquote(parts.fragment) not in found_ids:
            found.append(error(article.source, line_of(href),
                               f"the link to {href!r} leads to an anchor its page does not have",
                               f"the page's anchors: {', '.join(sorted(found_ids)[:8]) or 'none'}"))
    for src, alt in page.images:
        if not (alt or "").strip():
            shown, line = _written(article, src)
            found.append(error(article.source, line or line_of(src),
                               f"the image {shown!r} has no alt text",
                               "describe it in the brackets: ![A crowd outside the court](crowd.jpg)"))
    return found


def _written(article: Article, src: str) -> tuple[str, int]:
    """An image of the page as its article has it (its src, its line): a resized variant, 'hands.1f2e3d4c.480w.png',
    is named after the image 'hands.png'; (src, 0) for one that is not a local image."""
    name = PurePosixPath(urlsplit(src).path).name
    for image in article.body_images:
        stem, _, suffix = PurePosixPath(urlsplit(image.image.url).path).name.rpartition(".")
        if name == f"{stem}.{suffix}" or (name.startswith(stem + ".") and name.endswith("." + suffix)):
            return image.src, image.line
    return src, 0


def _same_titles(articles: tuple[Article, ...]) -> list[Diagnostic]:
    """Articles of one language sharing a title: readers (and search engines) cannot tell them apart."""
    by_title: dict[tuple[str, str], list[Article]] = defaultdict(list)
    for article in sorted(articles, key=lambda a: (a.date, a.source)):
        by_title[(article.language, article.title.casefold())].append(article)
    return [error(later.source, later.field_lines.get("title", 1),
                  f"the title is also that of {same[0].source}", "give one of them another headline")
            for same in by_title.values() if len(same) > 1 for later in same[1:]]

"""One generated corpus written as a sitegen, a Hugo and a Pelican site, with equivalent themes.

Each site gets the same articles (the Markdown of bench/corpus.py, at the
same `/<section>/story-N/` URLs), the same images, and a theme that makes the
same kinds of pages: an article page with its lead image, tags and five
"You may also like" links, a home page, section, tag and year/month pages
paginated by 20, a tag index, feeds of the 20 newest entries and a sitemap.
sitegen uses its default theme; bench/themes/ holds the Hugo and Pelican
ones. Where the tools cannot do the same work, the difference is listed in
DIFFERENCES (printed with the results).

Every site holds the marker `edition 0` in its configuration (the site
description, shown on every page) and in one layout used by every article
page, so that the benchmark can edit both the same way.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from corpus import Article, published, source_path, write_images, write_markdown, write_site

THEMES = Path(__file__).resolve().parent / "themes"
SITEGEN_THEME = Path(__file__).resolve().parents[1] / "src" / "sitegen" / "themes" / "default"
BASE_URL = "https://bench.example.com/"
DESCRIPTION = "Independent generated news, edition 0"
EDITION = re.compile(r"edition \d+")
DIFFERENCES = (
    "Related posts: sitegen scores shared tags, title names, body text, section and recency "
    "(its default settings); Hugo uses its related index on tags (weight 100), title keywords (80) and "
    "date (10), threshold 80; Pelican's `pelican-related-posts` plugin counts shared tags only.",
    "What only sitegen writes: a search page with its `search-index.json`, Atom + RSS + JSON Feed for the "
    "site (Hugo: RSS; Pelican: Atom and RSS), Twitter and JSON-LD tags on articles, robots.txt, "
    "`css/highlight.css` (CSS and JS minified and fingerprinted), and images in the related-article cards. "
    "Hugo writes a JSON index of all articles (`index.json`) as its search-index equivalent; Pelican has none.",
    "Feeds: sitegen writes an Atom feed per section and per tag; Hugo an RSS feed per section, tag, year and "
    "month (its archives are the taxonomies `years` and `months`, at /years/2024/ and /months/2024-06/); "
    "Pelican an Atom feed per section and per tag.",
    "Images: sitegen and Hugo read each lead image's width and height (Hugo through `resources.Get`); "
    "Pelican's theme writes the `<img>` without them. sitegen also writes resized WebP and JPEG/PNG "
    "versions of each image (480/960/1600 px, cached in `.sitegen-cache/images/`) for `srcset`; the others "
    "publish the images as they are.",
    "Hugo also writes, as it always does, a redirect page at `page/1/` of every paginated listing, and its "
    "`years` and `months` index pages: more files than the others for the same articles.",
    "Hugo and sitegen work on all cores (their CPU time can exceed their wall time; sitegen's peak memory "
    "counts its worker processes too); Pelican uses one.",
    "Pelican writes no 404 page.",
)


@dataclass(frozen=True)
class Site:
    """One tool's copy of the corpus: how to build it and which files the edit scenarios change."""

    tool: str
    folder: Path
    command: tuple[str, ...]  # run in `folder`
    output: Path
    caches: tuple[Path, ...]  # removed, with the output, before a cold build
    config: Path  # holds "edition N"
    layout: Path  # holds "edition N", used by every article page
    article: Path  # the article the "one article edited" scenario changes


def write_sitegen(articles: list[Article], folder: Path, command: list[str], engine: str | None = None,
                  theme: Path = SITEGEN_THEME) -> Site:
    write_site(articles, folder, DESCRIPTION)
    if engine:
        with (folder / "site.yaml").open("a", encoding="utf-8") as config:
            config.write(f"markdown:\n  engine: {engine}\n")
    related = folder / "layouts" / "partials" / "related.html"  # the default theme's, marked: every article uses it
    related.parent.mkdir(parents=True, exist_ok=True)
    related.write_text("<!-- layout edition 0 -->\n" + (theme / "layouts/partials/related.html").read_text())
    output = folder / "public"
    return Site("sitegen", folder, (*command, "build", "-s", str(folder), "-o", str(output)), output,
                (folder / ".sitegen-cache",), folder / "site.yaml", related, folder / "content" / _edited(articles))


def write_hugo(articles: list[Article], folder: Path, binary: str) -> Site:
    shutil.copytree(THEMES / "hugo" / "layouts", folder / "layouts")
    write_images(folder / "assets" / "images")  # assets/, so that resources.Get reads their size
    cache = folder / ".hugo-cache"
    (folder / "hugo.toml").write_text(f'''baseURL = "{BASE_URL}"
title = "Bench News"
locale = "en"
cacheDir = "{cache}"
[params]
  description = "{DESCRIPTION}"
[pagination]
  pagerSize = 20
[taxonomies]
  tag = "tags"
  year = "years"
  month = "months"
[outputs]
  home = ["html", "rss", "json"]
[services.rss]
  limit = 20
[related]
  includeNewer = false
  threshold = 80
  toLower = true
  [[related.indices]]
    name = "tags"
    weight = 100
  [[related.indices]]
    name = "keywords"
    weight = 80
  [[related.indices]]
    name = "date"
    weight = 10
''', encoding="utf-8")
    for article in articles:
        date = published(article)
        fields = {"title": article.doc.title, "date": date.isoformat(), "tags": f"[{', '.join(article.doc.tags)}]",
                  "keywords": f"[{', '.join(_title_words(article))}]", "years": f"['{date:%Y}']",
                  "months": f"['{date:%Y-%m}']", "summary": article.summary}
        if article.image:
            fields |= {"image": f"/images/{article.image}", "image_alt": article.image_alt}
        write_markdown(folder / "content" / source_path(article), fields, article.body)
    output = folder / "public"
    return Site("hugo", folder, (binary, "--source", str(folder), "--destination", str(output)), output,
                (cache, folder / "resources"), folder / "hugo.toml", folder / "layouts" / "single.html",
                folder / "content" / _edited(articles))


def write_pelican(articles: list[Article], folder: Path, binary: str) -> Site:
    shutil.copytree(THEMES / "pelican", folder / "theme")
    write_images(folder / "content" / "images")
    (folder / "pelicanconf.py").write_text(f'''SITENAME = "Bench News"
SITESUBTITLE = "{DESCRIPTION}"
SITEURL = "{BASE_URL.rstrip('/')}"
FEED_DOMAIN = SITEURL
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {{"index": None, "tag": None, "category": None, "period_archives": None}}
PAGINATION_PATTERNS = ((1, "{{url}}", "{{save_as}}"),
                       (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"))
DIRECT_TEMPLATES = ["index", "tags"]
SLUGIFY_SOURCE = "basename"
ARTICLE_URL, ARTICLE_SAVE_AS = "{{category}}/{{slug}}/", "{{category}}/{{slug}}/index.html"
CATEGORY_URL, CATEGORY_SAVE_AS = "{{slug}}/", "{{slug}}/index.html"
TAG_URL, TAG_SAVE_AS = "tags/{{slug}}/", "tags/{{slug}}/index.html"
TAGS_SAVE_AS = "tags/index.html"
YEAR_ARCHIVE_URL, YEAR_ARCHIVE_SAVE_AS = "{{date:%Y}}/", "{{date:%Y}}/index.html"
MONTH_ARCHIVE_URL, MONTH_ARCHIVE_SAVE_AS = "{{date:%Y}}/{{date:%m}}/", "{{date:%Y}}/{{date:%m}}/index.html"
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = CATEGORIES_SAVE_AS = ARCHIVES_SAVE_AS = ""
FEED_ALL_ATOM, FEED_ALL_RSS = "atom.xml", "rss.xml"
CATEGORY_FEED_ATOM, TAG_FEED_ATOM = "{{slug}}/atom.xml", "tags/{{slug}}/atom.xml"
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = True
STATIC_PATHS = ["images"]
CACHE_CONTENT = LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
PLUGINS = ["pelican.plugins.related_posts", "pelican.plugins.sitemap"]
RELATED_POSTS_MAX = 5
SITEMAP = {{"format": "xml"}}
''', encoding="utf-8")
    for article in articles:
        lines = [f"Title: {article.doc.title}", f"Date: {published(article).isoformat()}", f"Summary: {article.summary}"]
        if article.doc.tags:
            lines.append(f"Tags: {', '.join(article.doc.tags)}")
        if article.image:
            lines += [f"Image: images/{article.image}", f"Image_alt: {article.image_alt}"]
        path = folder / "content" / source_path(article)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + f"\n\n{article.body}\n", encoding="utf-8")
    output = folder / "output"
    return Site("pelican", folder, (binary, "-s", "pelicanconf.py", "-o", str(output), "content"), output,
                (folder / "cache",), folder / "pelicanconf.py", folder / "theme" / "templates" / "article.html",
                folder / "content" / _edited(articles))


def _edited(articles: list[Article]) -> str:
    """The article the edit scenario changes: the middle one, as serve_bench.py edits."""
    return source_path(articles[len(articles) // 2])


def _title_words(article: Article) -> list[str]:
    """Hugo's `keywords` index: the title's words, as sitegen's related step reads titles too."""
    return [word.lower() for word in article.doc.title.split() if len(word) > 3]

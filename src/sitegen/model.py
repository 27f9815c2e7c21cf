"""The site model: published articles, sections, tags, related lists and every output path.

Built once from the loaded content, before anything is rendered, so that
listings and related posts see the whole site, and so that two sources
claiming one URL are caught before a single file is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import PurePosixPath

from .config import BuildOptions, SiteConfig
from .article import TAGS_PATH, Article, StaticFile, Term
from .content import Content
from .errors import Diagnostic, error, warning
from .slugs import slugify
from .migration import FOREIGN_LAYOUTS
from .related import RelatedDoc, RelatedLink, related_posts


HOME_PAGE, NOT_FOUND_PAGE, HIGHLIGHT_CSS = "index.html", "404.html", "css/highlight.css"


@dataclass(frozen=True)
class Listing:
    """A section or tag with its articles, newest first."""

    term: Term
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]  # newest first
    pages: tuple[Article, ...]
    sections: tuple[Listing, ...]
    tags: tuple[Listing, ...]
    related: dict[str, tuple[RelatedLink, ...]]  # by Article.url_path
    static_files: tuple[StaticFile, ...]
    skipped_drafts: int
    skipped_future: int


def build_model(config: SiteConfig, content: Content, options: BuildOptions,
                layouts: frozenset[str]) -> tuple[Site, list[Diagnostic]]:
    now = options.now or datetime.now(timezone.utc)
    visible, drafts, future = [], 0, 0
    for article in content.articles:
        if article.draft and not options.drafts:
            drafts += 1
        elif article.date and article.date > now and not options.future and not article.is_page:
            future += 1
        else:
            visible.append(article)
    visible, problems = _resolve_layouts(visible, layouts)
    articles, term_problems = _with_canonical_terms(
        sorted((a for a in visible if not a.is_page), key=lambda a: (-a.date.timestamp(), a.source)))
    problems += term_problems
    pages = sorted((a for a in visible if a.is_page), key=lambda a: a.source)
    sections = _listings(articles, lambda a: [a.section] if a.section else [])
    tags = _listings(articles, lambda a: list(a.tags))
    problems += _check_paths(config, articles, pages, sections, tags, content.static_files)
    picked, picked_problems = _resolve_picks(articles)
    problems += picked_problems
    docs = [RelatedDoc(
        key=a.url_path, title=a.title, text=f"{a.summary} {a.body.plain_text}",
        tags=tuple(t.slug for t in a.tags), section=a.section.slug if a.section else "",
        published=a.date.timestamp(), picked=picked.get(a.url_path, ()),
    ) for a in articles]
    site = Site(config, tuple(articles), tuple(pages), sections, tags,
                related_posts(docs, config.related), content.static_files, drafts, future)
    return site, problems


def _with_canonical_terms(articles: list[Article]) -> tuple[list[Article], list[Diagnostic]]:
    """One Term per slug ("AI" and "Ai" are one tag), named as its newest article wrote it."""
    sections: dict[str, Term] = {}
    tags: dict[str, Term] = {}
    for article in articles:
        if article.section:
            sections.setdefault(article.section.slug, article.section)
        for tag in article.tags:
            tags.setdefault(tag.slug, tag)
    problems = []
    for article in articles:
        for tag in article.tags:
            shown = tags[tag.slug].name
            if tag.name != shown:
                problems.append(warning(article.source, article.field_lines.get("tags", 1),
                                        f"tag '{tag.name}' shares the URL /{tag.path} with '{shown}', "
                                        f"so it is shown as '{shown}'", "write the tag the same way everywhere"))
    return [replace(article, section=sections[article.section.slug] if article.section else None,
                    tags=tuple({tags[t.slug]: None for t in article.tags}))
            for article in articles], problems


def _listings(articles: list[Article], terms_of) -> tuple[Listing, ...]:
    grouped: dict[str, list[Article]] = defaultdict(list)
    first_term: dict[str, Term] = {}
    for article in articles:
        for term in terms_of(article):
            first_term.setdefault(term.slug, term)
            grouped[term.slug].append(article)
    return tuple(Listing(first_term[slug], tuple(grouped[slug])) for slug in sorted(grouped))


def _resolve_layouts(articles: list[Article], layouts: frozenset[str]) -> tuple[list[Article], list[Diagnostic]]:
    """Check each `layout:`; Jekyll's and Hugo's names ('post', 'single') mean the default layout."""
    choices = ", ".join(sorted(name.removesuffix(".html") for name in layouts
                               if "/" not in name and name not in _NOT_FOR_ARTICLES))
    resolved, problems = [], []
    for article in articles:
        wanted = layout_file(article.layout) if article.layout else ""
        line = article.field_lines.get("layout", 1)
        if wanted and wanted not in layouts and article.layout in FOREIGN_LAYOUTS:
            problems.append(warning(article.source, line, f"layout '{article.layout}' is not a sitegen layout; "
                                    "using the default", "remove the 'layout:' line"))
            article = replace(article, layout=None)
        elif wanted and (wanted not in layouts or wanted in _NOT_FOR_ARTICLES):
            problem = "unknown layout" if wanted not in layouts else "not a layout for articles:"
            problems.append(error(article.source, line, f"{problem} '{article.layout}'",
                                  f"use one of: {choices}, or add layouts/{wanted}"))
        resolved.append(article)
    return resolved, problems


_NOT_FOR_ARTICLES = {"base.html", "listing.html", "home.html", "section.html", "tag.html", "tags.html", "404.html"}


def layout_file(name: str) -> str:
    """The template file of a `layout:` value: 'feature' → 'feature.html'."""
    return name if name.endswith(".html") else f"{name}.html"


def page_file(url_path: str) -> str:
    """The file behind a clean URL: 'world/x/' → 'world/x/index.html'."""
    return f"{url_path}index.html"


def _check_paths(config: SiteConfig, articles: list[Article], pages: list[Article], sections: tuple[Listing, ...],
                 tags: tuple[Listing, ...], static_files: tuple[StaticFile, ...]) -> list[Diagnostic]:
    """Every output file must have exactly one source; report each source file of a clash."""
    claims: dict[str, list[tuple[str, int, str]]] = defaultdict(list)  # file → (source, line, what)
    for name, what in ((HOME_PAGE, "the home page"), (NOT_FOUND_PAGE, "the 404 page"),
                       (HIGHLIGHT_CSS, "the code highlighting CSS")):
        claims[name].append(("", 0, what))
    for article in articles + pages:
        line = article.field_lines.get("slug", 1)
        claims[page_file(article.url_path)].append((article.source, line, article.source))
    for kind, listings in (("section", sections), ("tag", tags)):
        for listing in listings:  # a listing is reported at its newest article
            newest = listing.articles[0]
            line = newest.field_lines.get({"section": "section", "tag": "tags"}[kind], 1)
            claims[page_file(listing.term.path)].append(
                (newest.source, line, f"the page of {kind} '{listing.term.name}'"))
    if tags:
        claims[page_file(TAGS_PATH)].append(("", 0, "the tag index"))
    for static in static_files:
        source = f"{config.content_dir}/{static.output_path}"
        claims[static.output_path].append((source, 0, source))
    folders = {parent for path in claims for parent in PurePosixPath(path).parents}
    problems = [error(f"{config.content_dir}/{static.output_path}", 0,
                      f"this file is in the way of the folder /{static.output_path}/, which holds generated pages",
                      "rename or move it") for static in static_files if PurePosixPath(static.output_path) in folders]
    for path, owners in sorted(claims.items()):
        for source, line, what in owners if len(owners) > 1 else ():
            if source:
                others = ", ".join(other_what for _, _, other_what in owners if other_what != what)
                shown = "/" + path.removesuffix("index.html") + ("" if what == source else f" ({what})")
                problems.append(error(source, line, f"URL {shown} is also claimed by {others}",
                                      "give one of them a different 'slug:' (or section), or rename the file"))
    return problems


def _resolve_picks(articles: list[Article]) -> tuple[dict[str, tuple[str, ...]], list[Diagnostic]]:
    """Hand-picked `related:` names → article keys; a name may be 'slug' or 'section/slug'."""
    by_path = {article.url_path.rstrip("/"): {article.url_path} for article in articles}
    by_name: dict[str, set[str]] = defaultdict(set)
    for article in articles:
        by_name[article.slug].add(article.url_path)
    by_name.update(by_path)  # 'section/slug' (or a root article's slug) names one article exactly
    picked, problems = {}, []
    for article in articles:
        keys = []
        for name in article.related_slugs:
            matches = by_name.get("/".join(slugify(part) for part in name.strip("/").split("/")), set())
            if len(matches) == 1:
                keys.extend(matches)
                continue
            reason = "matches several articles" if matches else "matches no published article"
            problems.append(warning(article.source, article.field_lines.get("related", 1),
                                    f"related '{name}' {reason}",
                                    "name another article by its slug, or by 'section/slug'"))
        picked[article.url_path] = tuple(keys)
    return picked, problems

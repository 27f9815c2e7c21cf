"""The site model: published articles, sections, tags, related lists and every output path.

Built once from the loaded content, before anything is rendered, so that
listings and related posts see the whole site, and so that two sources
claiming one URL are caught before a single file is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from .config import BuildOptions, SiteConfig
from .content import Article, Content, StaticFile, Term
from .errors import Diagnostic, error, warning
from .slugs import slugify
from .related import RelatedDoc, RelatedLink, related_posts


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
    problems: list[Diagnostic] = []
    now = options.now or datetime.now(timezone.utc)
    visible, drafts, future = [], 0, 0
    for article in content.articles:
        if article.draft and not options.drafts:
            drafts += 1
        elif article.date and article.date > now and not options.future and not article.is_page:
            future += 1
        else:
            visible.append(article)
    articles = sorted((a for a in visible if not a.is_page), key=lambda a: (-a.date.timestamp(), a.source))
    pages = sorted((a for a in visible if a.is_page), key=lambda a: a.source)
    sections = _listings(articles, lambda a: [a.section] if a.section else [])
    tags = _listings(articles, lambda a: list(a.tags))
    problems += _check_layouts(visible, layouts)
    problems += _check_paths(articles, pages, sections, tags, content.static_files)
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


def _listings(articles: list[Article], terms_of) -> tuple[Listing, ...]:
    grouped: dict[str, list[Article]] = defaultdict(list)
    first_term: dict[str, Term] = {}
    for article in articles:
        for term in terms_of(article):
            first_term.setdefault(term.slug, term)
            grouped[term.slug].append(article)
    return tuple(Listing(first_term[slug], tuple(grouped[slug])) for slug in sorted(grouped))


def _check_layouts(articles: list[Article], layouts: frozenset[str]) -> list[Diagnostic]:
    problems = []
    for article in articles:
        if article.layout and _layout_file(article.layout) not in layouts:
            choices = ", ".join(sorted(name.removesuffix(".html") for name in layouts
                                       if "/" not in name and name != "base.html"))
            problems.append(error(article.source, article.field_lines.get("layout", 1),
                                  f"unknown layout '{article.layout}'",
                                  f"use one of: {choices}, or add layouts/{_layout_file(article.layout)}"))
    return problems


def _layout_file(name: str) -> str:
    return name if name.endswith(".html") else f"{name}.html"


def _check_paths(articles, pages, sections, tags, static_files) -> list[Diagnostic]:
    """Every output path must have exactly one source."""
    claims: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for article in articles + pages:
        line = article.field_lines.get("slug", article.field_lines.get("title", 1))
        claims[article.url_path].append((article.source, line, "article"))
    for listing in sections:
        claims[listing.term.slug + "/"].append(("", 0, f"the page of section '{listing.term.name}'"))
    if tags:
        claims["tags/"].append(("", 0, "the tag index"))
    for static in static_files:
        claims[static.output_path].append((f"content/{static.output_path}", 0, "file"))
    problems = []
    for path, owners in sorted(claims.items()):
        if len(owners) < 2:
            continue
        for source, line, _ in owners:
            if not source.endswith((".md", ".markdown")):
                continue
            others = [o[0] or o[2] for o in owners if o[0] != source]
            problems.append(error(source, line, f"URL /{path} is also claimed by {', '.join(others)}",
                                  "give one of them a different 'slug:' (or section)"))
    return problems


def _resolve_picks(articles: list[Article]) -> tuple[dict[str, tuple[str, ...]], list[Diagnostic]]:
    """Hand-picked `related:` names → article keys; a name may be 'slug' or 'section/slug'."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        by_name[article.slug].append(article.url_path)
        by_name[article.url_path.rstrip("/")].append(article.url_path)
    picked, problems = {}, []
    for article in articles:
        keys = []
        for name in article.related_slugs:
            matches = by_name.get("/".join(slugify(part) for part in name.strip("/").split("/")), [])
            if len(matches) == 1:
                keys.append(matches[0])
                continue
            reason = "matches several articles" if matches else "matches no published article"
            problems.append(warning(article.source, article.field_lines.get("related", 1),
                                    f"related '{name}' {reason}",
                                    "name another article by its slug, or by 'section/slug'"))
        picked[article.url_path] = tuple(keys)
    return picked, problems

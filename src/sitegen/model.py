"""The site model: published articles, every listing, related lists and every output path.

Built once from the loaded content, before anything is rendered, so that
listings and related posts see the whole site, and so that two sources
claiming one URL are caught before a single file is written.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import PurePosixPath

from .article import Article, StaticFile, Term
from .config import BuildOptions, SiteConfig
from .content import Content
from .errors import Diagnostic, error, warning
from .listings import (AUTHOR, SECTION, TAG, Listing, archive_listings, home_listing, term_listings)
from .migration import FOREIGN_LAYOUTS
from .related import BODY_CHARS, RelatedDoc, RelatedIndex, RelatedLink, related_posts
from .slugs import slugify
from .theme import display_path
from .urls import (ATOM, AUTHORS, HIGHLIGHT_CSS, JSON_FEED, NOT_FOUND_PAGE, ROBOTS, RSS, SEARCH, SEARCH_INDEX,
                   SITEMAP, TAGS, page_file)


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]  # newest first
    pages: tuple[Article, ...]
    home: Listing
    sections: tuple[Listing, ...]
    tags: tuple[Listing, ...]
    authors: tuple[Listing, ...]
    years: tuple[Listing, ...]
    months: tuple[Listing, ...]
    related: dict[str, tuple[RelatedLink, ...]]  # by Article.url_path
    static_files: tuple[StaticFile, ...]
    skipped_drafts: int
    skipped_future: int

    @property
    def listings(self) -> tuple[Listing, ...]:
        return (self.home, *self.sections, *self.tags, *self.authors, *self.years, *self.months)


def build_model(config: SiteConfig, content: Content, options: BuildOptions, layouts: frozenset[str],
                related: RelatedIndex | None = None) -> tuple[Site, list[Diagnostic]]:
    """The site model; `related` (kept between builds by a preview server) is updated, not rebuilt."""
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
    pages = tuple(sorted((a for a in visible if a.is_page), key=lambda a: a.source))
    size = config.page_size
    years, months = archive_listings(articles, config.base_path, size)
    site = Site(
        config=config, articles=tuple(articles), pages=pages,
        home=home_listing(tuple(articles), config.title, config.base_path, size),
        sections=term_listings(SECTION, articles, lambda a: [a.section] if a.section else [], size),
        tags=term_listings(TAG, articles, lambda a: a.tags, size),
        authors=term_listings(AUTHOR, articles, lambda a: a.authors, size),
        years=years, months=months, related={}, static_files=content.static_files,
        skipped_drafts=drafts, skipped_future=future,
    )
    problems += _check_paths(site)
    picked, picked_problems = _resolve_picks(articles)
    problems += picked_problems
    docs = [RelatedDoc(
        key=a.url_path, title=a.title, text=f"{a.summary} {a.body.plain_text}"[:BODY_CHARS],  # all it reads
        tags=tuple(t.slug for t in a.tags), section=a.section.slug if a.section else "",
        published=a.date.timestamp(), picked=picked.get(a.url_path, ()),
    ) for a in articles]
    return replace(site, related=_related_lists(docs, config, related)), problems


def _related_lists(docs: list[RelatedDoc], config: SiteConfig,
                   index: RelatedIndex | None) -> dict[str, tuple[RelatedLink, ...]]:
    if index is None:
        return related_posts(docs, config.related, config.language)
    current = {doc.key: doc for doc in docs}
    changed = [doc for key, doc in current.items() if key not in index.features or index.features[key].doc != doc]
    index.update(changed, [key for key in index.features if key not in current])
    return dict(index.lists)


def _with_canonical_terms(articles: list[Article]) -> tuple[list[Article], list[Diagnostic]]:
    """One Term per slug ("AI" and "Ai" are one tag), named as its newest article wrote it."""
    canonical: dict[tuple[str, str], Term] = {}  # (kind, slug) → term
    for article in articles:
        for kind, terms in _terms_of(article):
            for term in terms:
                canonical.setdefault((kind, term.slug), term)
    problems = []
    for article in articles:
        for tag in article.tags:
            shown = canonical[("tags", tag.slug)].name
            if tag.name != shown:
                problems.append(warning(article.source, article.field_lines.get("tags", 1),
                                        f"tag '{tag.name}' shares the URL /{tag.path} with '{shown}', "
                                        f"so it is shown as '{shown}'", "write the tag the same way everywhere"))
    return [_canonical(article, canonical) for article in articles], problems


def _canonical(article: Article, canonical: dict[tuple[str, str], Term]) -> Article:
    """The article with its terms as spelt site-wide; the same object when they already are
    (so a preview server's caches, which compare articles, see it unchanged cheaply)."""
    section = canonical[("section", article.section.slug)] if article.section else None
    tags = tuple(dict.fromkeys(canonical[("tags", t.slug)] for t in article.tags))
    authors = tuple(dict.fromkeys(canonical[("authors", t.slug)] for t in article.authors))
    if section == article.section and tags == article.tags and authors == article.authors:
        return article
    return replace(article, section=section, tags=tags, authors=authors)


def _terms_of(article: Article) -> list[tuple[str, tuple[Term, ...]]]:
    return [("section", (article.section,) if article.section else ()), ("tags", article.tags),
            ("authors", article.authors)]


def _resolve_layouts(articles: list[Article], layouts: frozenset[str]) -> tuple[list[Article], list[Diagnostic]]:
    """Check each `layout:`; Jekyll's and Hugo's names ('post', 'single') mean the default layout."""
    choices = ", ".join(sorted(name.removesuffix(".html") for name in layouts
                               if "/" not in name and name not in _NOT_FOR_ARTICLES))
    resolved, problems = [], []
    for article in articles:
        wanted = layout_file(article.layout) if article.layout else ""
        line = article.field_lines.get("layout", 1)
        if wanted and wanted not in layouts and article.layout.lower() in FOREIGN_LAYOUTS:
            problems.append(warning(article.source, line, f"layout '{article.layout}' is not a sitegen layout; "
                                    "using the default", "remove the 'layout:' line"))
            article = replace(article, layout=None)
        elif wanted and (wanted not in layouts or wanted in _NOT_FOR_ARTICLES):
            unknown = wanted not in layouts
            problems.append(error(article.source, line,
                                  f"{'unknown layout' if unknown else 'not a layout for articles:'} '{article.layout}'",
                                  f"use one of: {choices}" + (f", or add layouts/{wanted}" if unknown else "")))
        resolved.append(article)
    return resolved, problems


_NOT_FOR_ARTICLES = {"base.html", "listing.html", "home.html", "section.html", "tag.html", "author.html", "archive.html",
                     "terms.html", "search.html", "redirect.html", "404.html"}


def layout_file(name: str) -> str:
    """The template file of a `layout:` value: 'feature' → 'feature.html'."""
    return name if name.endswith(".html") else f"{name}.html"


def _check_paths(site: Site) -> list[Diagnostic]:
    """Every output file must have exactly one source; report each source file of a clash."""
    claims: dict[str, list[tuple[str, int, str]]] = defaultdict(list)  # file → (source, line, what)
    for name, what in ((NOT_FOUND_PAGE, "the 404 page"), (HIGHLIGHT_CSS, "the code highlighting CSS"),
                       (page_file(SEARCH), "the search page"), (SEARCH_INDEX, "the search index"),
                       (ATOM, "the Atom feed"), (RSS, "the RSS feed"), (JSON_FEED, "the JSON feed"),
                       (SITEMAP, "the sitemap"), (ROBOTS, "robots.txt")):
        claims[name].append(("", 0, what))
    for listing in (*site.sections, *site.tags):
        claims[listing.term.path + ATOM].append(("", 0, f"the Atom feed of {listing.kind} '{listing.term.name}'"))
    for article in site.articles + site.pages:
        claims[page_file(article.url_path)].append((article.source, article.field_lines.get("slug", 1), article.source))
        for alias in article.aliases:
            claims[alias if alias.endswith((".html", ".htm")) else page_file(alias)].append(
                (article.source, article.field_lines.get("aliases", 1), f"an alias of {article.source}"))
    for listing in site.listings:  # a listing is reported at its newest article
        newest = listing.articles[0] if listing.articles else None
        fields = {SECTION: ("section",), TAG: ("tags",), AUTHOR: ("author", "authors")}.get(listing.kind, ())
        line = next((newest.field_lines[f] for f in fields if f in newest.field_lines), 1) if newest else 0
        for page in listing.pages:
            what = f"the page of {listing.kind} '{listing.term.name}'" if listing.term.slug else "the home page"
            what += f" (page {page.number})" if page.number > 1 else ""
            claims[page_file(page.path)].append((newest.source if newest else "", line, what))
    for index, listings, what in ((TAGS, site.tags, "the tag index"), (AUTHORS, site.authors, "the author index")):
        if listings:
            claims[page_file(index)].append(("", 0, what))
    for static in site.static_files:  # theme and site assets, files under content/
        source = display_path(static.source, site.config)
        claims[static.output_path].append((source, 0, source))
    problems = []
    # Only copied files and aliases can put a file where another output needs a folder, or the reverse.
    special = {static.output_path for static in site.static_files}
    special |= {path for path, owners in claims.items() if any(what.startswith("an alias") for _, _, what in owners)}
    ordered = sorted(claims)
    blocked = {p.as_posix() for path in special for p in PurePosixPath(path).parents} & claims.keys()
    blocked |= {path for path in special if _has_inside(ordered, path)}
    for path in sorted(blocked):
        for source, line, what in claims[path]:
            if source:
                problems.append(error(source, line, f"this file is in the way of the folder /{path}/, which holds "
                                      "generated pages", "rename or move it"))
        for other in ordered[bisect.bisect_right(ordered, path + "/"):]:
            if not other.startswith(path + "/"):
                break
            for source, line, what in claims[other]:
                if what.startswith("an alias"):
                    problems.append(error(source, line, f"alias /{other.removesuffix('index.html')} cannot be "
                                          f"made: /{path} is {claims[path][0][2]}", "choose another alias"))
    for path, owners in sorted(claims.items()):
        for source, line, what in owners if len(owners) > 1 else ():
            if source:
                others = ", ".join(other_what for _, _, other_what in owners if other_what != what)
                shown = "/" + path.removesuffix("index.html") + ("" if what == source else f" ({what})")
                problems.append(error(source, line, f"URL {shown} is also claimed by {others}",
                                      "give one of them a different 'slug:' (or section), or rename the file"))
    return problems


def _has_inside(ordered: list[str], folder: str) -> bool:
    """Whether a sorted list of paths holds one inside `folder`."""
    at = bisect.bisect_right(ordered, folder + "/")
    return at < len(ordered) and ordered[at].startswith(folder + "/")


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

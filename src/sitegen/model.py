"""The site model: published articles, every listing and related lists.

Built once from the loaded content, before anything is rendered, so that
listings and related posts see the whole site (and the plan, plan.py, can
list every output and catch two sources claiming one URL before a single
file is written). Each language
of the site is an `Edition` with its own listings; translations of one
article share its `translation_key`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import NamedTuple

from .article import Article, StaticFile, Term
from .cache import BuildCache
from .config import BuildOptions, SiteConfig, Taxonomy
from .content import Content
from .data import DataFiles
from .errors import Diagnostic, error, warning
from .listings import (AUTHOR, SECTION, TAG, TERM, Listing, ListingPage, archive_listings, home_listing,
                       term_listings)
from .menus import MenuLink, menu_links, page_name
from .fields import PAGES_FOLDER
from .migration import FOREIGN_LAYOUTS
from .languages import Language
from .related import TEXT_CHARS, RelatedDoc, RelatedLink
from .relatedlists import RelatedLists, related_lists
from .sections import SectionIntro
from .slugs import slugify
from .urls import AUTHORS, TAGS


@dataclass(frozen=True)
class Edition:
    """One language of the site: its articles and pages, and every listing of them, under its prefix."""

    language: Language
    articles: tuple[Article, ...]  # newest first
    pages: tuple[Article, ...]
    home: Listing
    sections: tuple[Listing, ...]
    tags: tuple[Listing, ...]
    authors: tuple[Listing, ...]
    years: tuple[Listing, ...]
    months: tuple[Listing, ...]
    taxonomies: tuple[tuple[Taxonomy, tuple[Listing, ...]], ...] = ()  # site.yaml's, each with its terms' listings
    menus: dict[str, tuple[MenuLink, ...]] = field(default_factory=dict)  # site.yaml's, in this language
    intros: dict[str, SectionIntro] = field(default_factory=dict)  # of sections with a section file, by slug

    @property
    def listings(self) -> tuple[Listing, ...]:
        return (self.home, *self.sections, *self.tags, *self.authors, *self.years, *self.months,
                *(listing for _, listings in self.taxonomies for listing in listings))


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    editions: tuple[Edition, ...]  # one per language, the default first
    articles: tuple[Article, ...]  # of every language, newest first
    pages: tuple[Article, ...]
    related: dict[str, tuple[RelatedLink, ...]]  # by Article.url_path
    static_files: tuple[StaticFile, ...]
    skipped_drafts: int
    skipped_future: int
    skipped_expired: int
    related_docs: tuple[RelatedDoc, ...] = ()  # what `related` was made from (kept for patch.py)
    data: DataFiles = DataFiles()  # data/*.yaml and the like, for layouts (site.data)
    now: datetime | None = None  # the build's moment: articles after it are shown only with --future

    @property
    def listings(self) -> tuple[Listing, ...]:
        return tuple(listing for edition in self.editions for listing in edition.listings)


def build_model(config: SiteConfig, content: Content, options: BuildOptions, layouts: frozenset[str],
                now: datetime | None = None, store: BuildCache | None = None, data: DataFiles = DataFiles(),
                intros: dict[tuple[str, str], SectionIntro] | None = None,
                related: RelatedLists | None = None) -> tuple[Site, list[Diagnostic]]:
    """The site model; the related lists are `related`'s (being made since `related_docs` told what they are
    made from), or made now, or reused from `store` when every article reads the same to the related step."""
    now = now or options.now or datetime.now(timezone.utc)
    shown = _shown(content.articles, options, layouts, now)
    articles, pages, problems = shown.articles, shown.pages, shown.problems
    editions = tuple(replace(_edition(language, articles, pages, config), intros={
        slug: intro for (code, slug), intro in (intros or {}).items() if code == language.code})
        for language in config.all_languages)
    if config.menus:
        editions = _with_menus(editions, config, problems, shown.hidden)
    site = Site(config=config, editions=editions, articles=tuple(articles), pages=pages,
                related={}, static_files=content.static_files, skipped_drafts=shown.drafts,
                skipped_future=shown.future, skipped_expired=shown.expired, data=data, now=now)
    problems += _translation_clashes((*articles, *pages))
    docs, picked_problems = _related_docs(config, articles)
    problems += picked_problems
    lists = related.lists(docs) if related is not None else related_lists(config, docs, store, options.jobs)
    return replace(site, related_docs=docs, related=lists), problems


def related_docs(config: SiteConfig, content: Content, options: BuildOptions, layouts: frozenset[str],
                 now: datetime) -> tuple[RelatedDoc, ...]:
    """What build_model, given the same `now`, gives the related step, told without building the model:
    build.py starts making the related lists from them while it prepares the images (relatedlists.RelatedLists)."""
    return _related_docs(config, _shown(content.articles, options, layouts, now).articles)[0]


class _Shown(NamedTuple):
    """The articles a build shows, and what it leaves out."""

    articles: list[Article]  # newest first, each term spelt as site-wide
    pages: tuple[Article, ...]
    hidden: list[tuple[Article, str]]  # left out, and why (for a menu that links to one)
    drafts: int
    future: int
    expired: int
    problems: list[Diagnostic]


def _shown(found: tuple[Article, ...], options: BuildOptions, layouts: frozenset[str], now: datetime) -> _Shown:
    visible, drafts, future, expired = [], 0, 0, 0
    hidden: list[tuple[Article, str]] = []
    for article in found:
        if article.draft and not options.drafts:
            drafts += 1
            hidden.append((article, "a draft"))
        elif article.date and article.date > now and not options.future and not article.is_page:
            future += 1
            hidden.append((article, "an article dated in the future"))
        elif article.expires and article.expires <= now and not options.expired:
            expired += 1
            hidden.append((article, "an expired article"))
        else:
            visible.append(article)
    visible, problems = _resolve_layouts(visible, layouts)
    articles, term_problems = _with_canonical_terms(
        sorted((a for a in visible if not a.is_page), key=lambda a: (-a.date.timestamp(), a.source)))
    pages = tuple(sorted((a for a in visible if a.is_page), key=lambda a: a.source))
    return _Shown(articles, pages, hidden, drafts, future, expired, problems + term_problems)


def _related_docs(config: SiteConfig, articles: list[Article]) -> tuple[tuple[RelatedDoc, ...], list[Diagnostic]]:
    """What the related step reads of each article, its hand-picked names resolved (a name means an article
    in the same language)."""
    picked: dict[str, tuple[str, ...]] = {}
    problems: list[Diagnostic] = []
    for language in config.all_languages:
        own = [a for a in articles if a.language == language.code]  # (its edition's articles)
        language_picks, picked_problems = _resolve_picks(own, language.path)
        picked.update(language_picks)
        problems += picked_problems
    return tuple(related_doc(a, picked.get(a.url_path, ())) for a in articles), problems


def related_doc(a: Article, picks: tuple[str, ...] = ()) -> RelatedDoc:
    """What the related-posts step reads of an article: title, summary and text, tags (with Hugo's keywords),
    section, date, picks."""
    return RelatedDoc(
        key=a.url_path, title=a.title, text=f"{a.summary} {a.body.plain_text[:TEXT_CHARS]}"[:TEXT_CHARS],
        tags=tuple(dict.fromkeys((*(t.slug for t in a.tags), *filter(None, map(slugify, a.keywords))))),
        section=a.section.slug if a.section else "",
        published=a.date.timestamp(), picked=picks, language=a.language)


def with_articles(site: Site, new: dict[str, Article]) -> Site:
    """The site with the articles (and pages) of these sources replaced by `new` ones, wherever they are
    listed. Only for versions that change no listing or URL (patch.py checks that)."""
    by_id = {id(a): new[a.source] for a in (*site.articles, *site.pages) if a.source in new}

    def swapped(articles: tuple[Article, ...]) -> tuple[Article, ...]:
        if by_id.keys().isdisjoint(map(id, articles)):  # the usual case, told at C speed
            return articles
        return tuple(by_id.get(id(a), a) for a in articles)

    def page(found: ListingPage) -> ListingPage:
        articles = swapped(found.articles)
        return found if articles is found.articles else replace(found, articles=articles)

    def listing(found: Listing) -> Listing:  # its pages hold some of its articles
        articles = swapped(found.articles)
        return found if articles is found.articles else replace(found, articles=articles,
                                                                 pages=tuple(map(page, found.pages)))

    def listings(found: tuple[Listing, ...]) -> tuple[Listing, ...]:
        return tuple(map(listing, found))

    editions = tuple(replace(e, articles=swapped(e.articles), pages=swapped(e.pages), home=listing(e.home),
                             sections=listings(e.sections), tags=listings(e.tags), authors=listings(e.authors),
                             years=listings(e.years), months=listings(e.months),
                             taxonomies=tuple((taxonomy, listings(found)) for taxonomy, found in e.taxonomies))
                 for e in site.editions)
    return replace(site, editions=editions, articles=swapped(site.articles), pages=swapped(site.pages))


def _edition(language: Language, articles: list[Article], pages: tuple[Article, ...], config: SiteConfig) -> Edition:
    own = tuple(a for a in articles if a.language == language.code)
    size = config.page_size
    years, months = archive_listings(own, config.base_path, language.path, size)
    return Edition(
        language=language, articles=own, pages=tuple(p for p in pages if p.language == language.code),
        home=home_listing(own, language.title, config.base_path, language.path, size),
        sections=term_listings(SECTION, own, lambda a: [a.section] if a.section else [], size),
        tags=term_listings(TAG, own, lambda a: a.tags, size),
        authors=term_listings(AUTHOR, own, lambda a: a.authors, size),
        years=years, months=months,
        taxonomies=tuple((taxonomy, tuple(replace(listing, taxonomy=taxonomy.key) for listing in term_listings(
            TERM, own, lambda a, key=taxonomy.key: dict(a.taxonomies).get(key, ()), size)))
            for taxonomy in config.taxonomies),
    )


def _with_menus(editions: tuple[Edition, ...], config: SiteConfig, problems: list[Diagnostic],
                hidden: list[tuple[Article, str]]) -> tuple[Edition, ...]:
    """Each language's menus. An entry's `page` is looked up among what the site builds in that language, and
    in the others when that language lacks it (an untranslated page); names of sections and tags are their
    own labels, an article's or index's label must be given (an edit of a title rebuilds only its own pages)."""
    content = PurePosixPath(config.content_dir).as_posix() + "/"  # (sources are 'content/world/x.md')

    def names(article: Article) -> set[str]:  # a page is named with or without its folder: Hugo's /about
        found = {page_name(name) for name in (article.translation_key, article.source.removeprefix(content))}
        return found | {name.removeprefix(PAGES_FOLDER + "/") for name in found} if article.is_page else found

    def targets(edition: Edition) -> dict[str, tuple[str, str, str]]:
        found: dict[str, tuple[str, str, str]] = {"": ("", edition.language.path, "")}
        for article in (*edition.articles, *edition.pages):
            found.update(dict.fromkeys(names(article), ("", article.url_path, "")))
        for listing in edition.sections:
            found[listing.term.slug] = (listing.term.name, listing.term.path, listing.term.slug)
        for kind, listings in ((TAGS, edition.tags), (AUTHORS, edition.authors)):
            if listings:
                found[kind.rstrip("/")] = ("", edition.language.path + kind, "")
            for listing in listings:
                found[kind + listing.term.slug] = (listing.term.name, listing.term.path, "")
        return found

    every = [targets(edition) for edition in editions]
    why = {name: reason for article, reason in hidden for name in names(article)}
    made = []
    for index, edition in enumerate(editions):
        known = {key: value for other in (*every[index + 1:], *every[:index], every[index]) for key, value in
                 other.items()}  # this language's last, so that they win
        made.append(replace(edition, menus=menu_links(config.menus, known, edition.language.code, config.base_path,
                                                      problems if index == 0 else None, why)))
    return tuple(made)


def _translation_clashes(articles: tuple[Article, ...]) -> list[Diagnostic]:
    """Two articles (or pages) in one language with one translation key are an error. (Which pages are
    translations of each other is the plan's to say: plan.Plan.versions.)"""
    found: dict[str, dict[str, Article]] = defaultdict(dict)
    problems = []
    for article in sorted(articles, key=lambda a: a.source):
        earlier = found[article.translation_key].setdefault(article.language, article)
        if earlier is not article:
            line = article.field_lines.get("translation_key", article.field_lines.get("lang", 1))
            problems.append(error(article.source, line, f"{earlier.source} is already the '{article.language}' "
                                  f"version of '{article.translation_key}'",
                                  "give one of them another 'translation_key:' or 'lang:'"))
    return problems


def _with_canonical_terms(articles: list[Article]) -> tuple[list[Article], list[Diagnostic]]:
    """One Term per URL ("AI" and "Ai" are one tag in a language), named as its newest article wrote it."""
    sections: dict[str, Term] = {}  # path → the term as first (newest) written; a path fixes slug and URL
    tags: dict[str, Term] = {}
    authors: dict[str, Term] = {}
    for article in articles:
        if article.section:
            sections.setdefault(article.section.path, article.section)
        for tag in article.tags:
            tags.setdefault(tag.path, tag)
        for author in article.authors:
            authors.setdefault(author.path, author)
    problems, canonical = [], []
    for article in articles:
        for tag in article.tags:
            shown = tags[tag.path].name
            if tag.name != shown:
                problems.append(warning(article.source, article.field_lines.get("tags", 1),
                                        f"tag '{tag.name}' shares the URL /{tag.path} with '{shown}', "
                                        f"so it is shown as '{shown}'", "write the tag the same way everywhere"))
        section = sections[article.section.path] if article.section else None
        if (section is None or section.name == article.section.name) and _spelt_once(article.tags, tags) \
                and _spelt_once(article.authors, authors):
            canonical.append(article)  # the same object, so a preview server's caches see it unchanged cheaply
        else:
            canonical.append(replace(article, section=section, tags=_respelt(article.tags, tags),
                                     authors=_respelt(article.authors, authors)))
    return canonical, problems


def _spelt_once(terms: tuple[Term, ...], spelling: dict[str, Term]) -> bool:
    """Whether each term is written as site-wide and none comes twice."""
    return all(spelling[term.path].name == term.name for term in terms) and len({t.path for t in terms}) == len(terms)


def _respelt(terms: tuple[Term, ...], spelling: dict[str, Term]) -> tuple[Term, ...]:
    return tuple({term.path: spelling[term.path] for term in terms}.values())


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


def _resolve_picks(articles: list[Article], home: str) -> tuple[dict[str, tuple[str, ...]], list[Diagnostic]]:
    """Hand-picked `related:` names → keys of articles of one language (under `home`); a name may be 'slug'
    or 'section/slug'."""
    if not any(article.related_slugs for article in articles):  # the usual case: no name index to build
        return {article.url_path: () for article in articles}, []
    by_path = {article.url_path.removeprefix(home).rstrip("/"): {article.url_path} for article in articles}
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

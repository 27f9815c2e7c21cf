"""The plan: every file a build outputs, what makes it, and what it reads.

`plan_site` turns the site model into one `Job` per output file: article pages and their
redirects, listing pages, the tag and author indexes, search and 404 pages, feeds, sitemaps,
robots.txt, search indexes, CSS and JS, copied files and image variants. Nothing else lists
outputs. The URL-clash check (`clashes`), rendering (render.py makes the files of the page
jobs), feeds, sitemap and search (outputs.py makes those of theirs), the writer (build.py hands
it the files of every job) and the patch build (`Plan.reading`: which outputs read what an edit
changed) all read it, so a new kind of output is added here once.

What a job reads of an article is named by a part (`PAGE`, `CARD`, `ENTRY`,
`SEARCH_ENTRY`, `RELATED`): each part is what one function makes of the article (views.card for a card,
outputs.search_entry for a search entry), so a patch build compares those functions' results
and never a list of fields of its own.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterable, NamedTuple

from .article import Article
from .assets import StyleAndScripts
from .errors import Diagnostic, error
from .listings import AUTHOR, HOME, SECTION, TAG, TERM, Listing
from .model import Site, layout_file
from .theme import display_path
from .urls import (ATOM, AUTHORS, HIGHLIGHT_CSS, HOME_PAGE, JSON_FEED, ROBOTS, RSS, SEARCH, SEARCH_INDEX, SITEMAP,
                   TAGS, alias_file, not_found_file, page_file)

# What makes a file (Job.kind). Pages are rendered from a layout (render.py).
ARTICLE, ALIAS, LISTING, INDEX, SEARCH_PAGE, NOT_FOUND, HOME_REDIRECT = (
    "article", "alias", "listing", "index", "search page", "404", "home redirect")
PAGES = (ARTICLE, ALIAS, LISTING, INDEX, SEARCH_PAGE, NOT_FOUND, HOME_REDIRECT)
# Made by outputs.py from the model, by assets.py from the CSS and JS, or copied as they are.
ATOM_FEED, RSS_FEED, JSON_FEED_FILE = "atom", "rss", "json feed"
FEEDS = (ATOM_FEED, RSS_FEED, JSON_FEED_FILE)
SITEMAP_FILE, SITEMAP_INDEX, ROBOTS_FILE, SEARCH_INDEX_FILE = "sitemap", "sitemap index", "robots", "search index"
ASSET, COPY = "asset", "copy"
INDEXED = (ARTICLE, LISTING, INDEX, SEARCH_PAGE)  # the pages a sitemap lists (not redirects, not 404s)

# What a job reads of an article (the parts of Job.reads).
PAGE = "page"  # all of it: its own page and redirects show its whole view
RELATED = "related"  # which articles its related list shows
CARD = "card"  # its card (views.card): listings and related lists
ENTRY = "entry"  # its feed entry
SEARCH_ENTRY = "search"  # its search-index entry (outputs.search_entry)
DATES = "dates"  # its date and update (a sitemap's lastmod)

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)
NO_DATE = datetime(1970, 1, 1, tzinfo=timezone.utc)  # a feed or listing with no articles


class Job(NamedTuple):  # a tuple: made 15,000 times for a 10,000-article site, by a patch build too
    """One output file: where it goes, what makes it (`kind`, from `subject`), and what it reads."""

    output_path: str
    kind: str
    what: str  # for messages: 'content/world/x.md', "the Atom feed of tag 'Energy'"
    source: str = ""  # the file that asks for it, "" for sitegen's own outputs (for URL clashes)
    line: int = 0
    edition: int = 0  # the language's place in Site.editions
    layout: str = ""  # a page's layout
    subject: object = None  # what its maker takes: the Article, (Listing, ListingPage), a feed's entries, an
    # asset's (plain name, bytes), a copied file's source…
    reads: tuple[tuple[str, Iterable[Article]], ...] = ()  # (part, the articles it reads it of)


class Plan(NamedTuple):
    """Every output file of a site (plan_site), one job each, pages first in the order they are rendered;
    and which of its pages are one page in several languages (`versions`: a page's site path → its path in
    each language, only for pages in two or more), for their language switchers, hreflang links and
    sitemap alternates."""

    jobs: tuple[Job, ...]
    versions: dict[str, dict[str, str]]

    def only(self, jobs: Iterable[Job]) -> Plan:
        """The plan of just these jobs (those a patch build redoes), their pages' versions as they are."""
        return self._replace(jobs=tuple(jobs))

    def versions_of(self, path: str, language: str) -> dict[str, str]:
        """The page at `path` (in `language`) in each language it exists in: language code → site path."""
        return self.versions.get(path, {language: path})

    def of(self, *kinds: str) -> list[Job]:
        return [job for job in self.jobs if job.kind in kinds]

    @property
    def paths(self) -> set[str]:
        return {job.output_path for job in self.jobs}

    def reading(self, changed: dict[str, set[str]]) -> list[Job]:
        """The jobs that read a changed part of an article: `changed` maps a part to the sources of the
        articles whose part changed."""
        wanted = {part: sources for part, sources in changed.items() if sources}
        found = []
        for job in self.jobs:
            for part, articles in job.reads:
                if part in wanted and not wanted[part].isdisjoint([a.source for a in articles]):
                    found.append(job)
                    break
        return found


class _Shown:
    """The articles a related list shows, looked up only when asked for (Plan.reading asks for them when
    a card changed; 10,000 lists are planned for every patch build)."""

    __slots__ = ("links", "articles")

    def __init__(self, links: tuple, articles: dict[str, Article]):
        self.links, self.articles = links, articles

    def __iter__(self):
        return (self.articles[link.key] for link in self.links if link.key in self.articles)


def plan_site(site: Site, assets: StyleAndScripts | None = None, sitemap_limit: int = SITEMAP_LIMIT) -> Plan:
    """Every file a build of `site` outputs. Without `assets` the CSS, JS and copied files are left out (a
    patch build, which changes none of them)."""
    jobs: list[Job] = []
    multilingual = site.config.is_multilingual
    for number, edition in enumerate(site.editions):
        of = f" of '{edition.language.code}'" if multilingual else ""
        jobs += _article_jobs(site, number)
        jobs += _listing_jobs(edition.listings, number)
        home = edition.language.path
        for kind, path, listings, what in (("tags", TAGS, edition.tags, "the tag index"),
                                           ("authors", AUTHORS, edition.authors, "the author index"),
                                           *((taxonomy.key, f"{taxonomy.slug}/", found, f"the {taxonomy.key} index")
                                             for taxonomy, found in edition.taxonomies)):
            if listings:
                jobs.append(Job(page_file(home + path), INDEX, what + of, edition=number, layout="terms.html",
                                subject=(kind, home + path, listings)))
        jobs.append(Job(page_file(home + SEARCH), SEARCH_PAGE, "the search page" + of, edition=number,
                        layout="search.html"))
        jobs.append(Job(not_found_file(home, number == 0), NOT_FOUND, "the 404 page" + of, edition=number,
                        layout="404.html"))
    if all(edition.language.prefix for edition in site.editions):  # no language at the root: send readers on
        jobs.append(Job(HOME_PAGE, HOME_REDIRECT, "the redirect to the home page of the default language",
                        layout="redirect.html"))
    jobs += _feed_jobs(site)
    jobs += _sitemap_jobs(site, jobs, sitemap_limit)
    for number, edition in enumerate(site.editions):
        listed = (*edition.articles, *edition.pages)
        jobs.append(Job(edition.language.path + SEARCH_INDEX, SEARCH_INDEX_FILE, "the search index" + (
            f" of '{edition.language.code}'" if multilingual else ""), edition=number, subject=listed,
            reads=((SEARCH_ENTRY, listed),)))
    if assets is not None:
        jobs += _asset_jobs(site, assets)
    return Plan(tuple(jobs), _versions(site, jobs))


def _versions(site: Site, jobs: list[Job]) -> dict[str, dict[str, str]]:
    """Which pages are one page in several languages: an article's translations (one translation_key), and
    the same listing, index or search page of each language (a listing's first page; later pages differ
    by language); by site path, for the pages with two or more."""
    codes = [edition.language.code for edition in site.editions]
    found: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for job in jobs:
        if job.kind == ARTICLE:
            path, same = job.subject.url_path, ("translations", job.subject.translation_key)
        elif job.kind in (INDEX, SEARCH_PAGE) or (job.kind == LISTING and job.subject[1].number == 1):
            path = _url_path(job)
            same = ("page", path.removeprefix(site.editions[job.edition].language.path))
        else:
            continue
        found[same].setdefault(codes[job.edition], path)
    versions: dict[str, dict[str, str]] = {}
    for paths in found.values():
        if len(paths) > 1:
            ordered = {code: paths[code] for code in codes if code in paths}
            versions.update(dict.fromkeys(ordered.values(), ordered))
    return versions


def _article_jobs(site: Site, number: int) -> list[Job]:
    """The page of each article and page of a language, each followed by its redirects (`aliases:`)."""
    edition = site.editions[number]
    by_key = {a.url_path: a for a in edition.articles}
    related_of = site.related
    jobs = []
    for article in (*edition.articles, *edition.pages):
        shown = _Shown(related_of.get(article.url_path, ()), by_key)
        reads = ((PAGE, (article,)), (RELATED, (article,)), (CARD, shown))
        layout = layout_file(article.layout or ("page" if article.is_page else "article"))
        source = article.source
        jobs.append(Job(page_file(article.url_path), ARTICLE, source, source, article.field_lines.get("slug", 1),
                        number, layout, article, reads))
        if article.aliases:
            line, what = article.field_lines.get("aliases", 1), f"an alias of {source}"
            jobs += [Job(alias_file(alias), ALIAS, what, source, line, number, "redirect.html", article, reads)
                     for alias in article.aliases]
    return jobs


_LAYOUTS = {HOME: "home.html", SECTION: "section.html", TAG: "tag.html", AUTHOR: "author.html",
            "year": "archive.html", "month": "archive.html", TERM: "term.html"}
_FIELDS = {SECTION: ("section",), TAG: ("tags",), AUTHOR: ("author", "authors")}  # where a listing's term is named


def _listing_jobs(listings: Iterable[Listing], number: int) -> list[Job]:
    """Every page of every listing; a clash is reported at the listing's newest article."""
    jobs = []
    for listing in listings:
        newest = listing.articles[0] if listing.articles else None
        named_in = (listing.taxonomy,) if listing.kind == TERM else _FIELDS.get(listing.kind, ())
        line = next((newest.field_lines[f] for f in named_in if f in newest.field_lines), 1) if newest else 0
        what = (f"the page of {listing.taxonomy or listing.kind} '{listing.term.name}'" if listing.term.slug
                else "the home page")
        for page in listing.pages:
            jobs.append(Job(page_file(page.path), LISTING, what + (f" (page {page.number})" if page.number > 1 else ""),
                            newest.source if newest else "", line, number, _LAYOUTS[listing.kind], (listing, page),
                            ((CARD, page.articles),)))
    return jobs


def _feed_jobs(site: Site) -> list[Job]:
    """Atom, RSS and JSON Feed for each language, Atom for each section, tag and taxonomy term: the newest `feeds.items`
    articles of each (pages are never listed)."""
    jobs = []
    count = site.config.feeds.items
    for number, edition in enumerate(site.editions):
        language, entries = edition.language, edition.articles[:count]
        home, of = language.path, f" of '{language.code}'" if site.config.is_multilingual else ""
        reads = ((ENTRY, entries),)
        jobs += [Job(home + ATOM, ATOM_FEED, "the Atom feed" + of, edition=number,
                     subject=(language.title, site.config.base_path + home, entries), reads=reads),
                 Job(home + RSS, RSS_FEED, "the RSS feed" + of, edition=number, subject=entries, reads=reads),
                 Job(home + JSON_FEED, JSON_FEED_FILE, "the JSON feed" + of, edition=number, subject=entries,
                     reads=reads)]
        for listing in (*edition.sections, *edition.tags, *(found for _, term_listings in edition.taxonomies
                                                             for found in term_listings)):
            items = listing.articles[:count]
            jobs.append(Job(listing.term.path + ATOM, ATOM_FEED,
                            f"the Atom feed of {listing.kind} '{listing.term.name}'", edition=number,
                            subject=(f"{language.title} — {listing.term.name}", listing.term.url, items),
                            reads=((ENTRY, items),)))
    return jobs


def _sitemap_jobs(site: Site, pages: list[Job], limit: int) -> list[Job]:
    """robots.txt, and with a host in base_url (a sitemap lists full URLs) the sitemap of every page search
    engines should index (the INDEXED jobs): one file, or past `limit` pages files of `limit`, in URL order,
    and a sitemap index of them."""
    jobs = [Job(ROBOTS, ROBOTS_FILE, "robots.txt")]
    if not site.config.origin:
        return jobs
    indexed = [job for job in pages if job.kind in INDEXED]
    every = (DATES, (*site.articles, *site.pages))
    if len(indexed) <= limit:
        return [*jobs, Job(SITEMAP, SITEMAP_FILE, "the sitemap", subject=tuple(indexed), reads=(every,))]
    indexed.sort(key=_url_path)
    chunks = [tuple(indexed[start:start + limit]) for start in range(0, len(indexed), limit)]
    names = [f"sitemap-{number}.xml" for number in range(1, len(chunks) + 1)]
    jobs.append(Job(SITEMAP, SITEMAP_INDEX, "the sitemap", subject=tuple(zip(names, chunks)), reads=(every,)))
    return jobs + [Job(name, SITEMAP_FILE, f"the sitemap ({name})", subject=chunk, reads=(every,))
                   for name, chunk in zip(names, chunks)]


def sitemap_entries(jobs: Iterable[Job]) -> dict[str, datetime | None]:
    """The URL path ('' for the home page) and lastmod of every indexed page among `jobs`, in URL order: an
    article's update (else its date), a listing page's newest article, an index's newest article; no date
    for the search page."""
    entries: dict[str, datetime | None] = {}
    for job in sorted((job for job in jobs if job.kind in INDEXED), key=_url_path):
        if job.kind == ARTICLE:
            lastmod = job.subject.updated or job.subject.date
        elif job.kind == LISTING:
            lastmod = newest(job.subject[1].articles) if job.subject[1].articles else None
        elif job.kind == INDEX:
            lastmod = max(newest(listing.articles) for listing in job.subject[2])
        else:
            lastmod = None
        entries[_url_path(job)] = lastmod
    return entries


def _url_path(job: Job) -> str:
    return job.output_path.removesuffix(HOME_PAGE)


def newest(articles: Iterable[Article]) -> datetime:
    return max((a.updated or a.date for a in articles), default=NO_DATE)


def _asset_jobs(site: Site, assets: StyleAndScripts) -> list[Job]:
    """The CSS and JS as published (assets.files) and every file copied as it is: theme and site assets,
    files under content/, image variants."""
    sources = {static.output_path: display_path(static.source, site.config) for static in site.static_files}
    plain = {published: path for path, published in assets.names.items()}
    jobs = []
    for path, data in assets.files.items():
        named = plain.get(path, path)
        what = "the code highlighting CSS" if named == HIGHLIGHT_CSS else sources.get(named, named)
        jobs.append(Job(path, ASSET, what, sources.get(named, ""), subject=(named, data)))
    for path, source in assets.copies.items():
        shown = sources.get(path) or display_path(Path(source), site.config)
        jobs.append(Job(path, COPY, shown, shown, subject=source))
    return jobs


def with_whole(jobs: Iterable[Job], articles: dict[str, Article]) -> list[Job]:
    """These jobs with the articles they show whole (an article's page and redirects, a feed's entries) taken
    from `articles`, by source, where it has them: a patch build plans a model of Outlines (patch.py) and
    makes whole Articles of the few it renders."""
    def whole(found: tuple[Article, ...]) -> tuple[Article, ...]:
        return tuple(articles.get(a.source, a) for a in found)

    swapped = []
    for job in jobs:
        if job.kind in (ARTICLE, ALIAS):
            job = job._replace(subject=articles.get(job.subject.source, job.subject))
        elif job.kind == ATOM_FEED:
            title, url, entries = job.subject
            job = job._replace(subject=(title, url, whole(entries)))
        elif job.kind in FEEDS:
            job = job._replace(subject=whole(job.subject))
        swapped.append(job)
    return swapped


def clashes(plan: Plan) -> list[Diagnostic]:
    """Every output file must have exactly one maker, and no file may stand where another output needs a
    folder: each source file of a clash is reported."""
    claims: dict[str, list[Job]] = defaultdict(list)
    for job in plan.jobs:
        claims[job.output_path].append(job)
        if job.kind == ASSET and job.subject[0] != job.output_path:  # its plain name too: what clashes in a
            claims[job.subject[0]].append(job)  # build clashes in a preview (which keeps plain names) alike
    problems = []
    # Only copied files, assets and aliases can put a file where another output needs a folder, or the reverse.
    special = {path for path, jobs in claims.items() if any(job.kind in (COPY, ASSET, ALIAS) for job in jobs)}
    ordered = sorted(claims)
    blocked = {p.as_posix() for path in special for p in PurePosixPath(path).parents} & claims.keys()
    blocked |= {path for path in special if _has_inside(ordered, path)}
    for path in sorted(blocked):
        for job in claims[path]:
            if job.source:
                problems.append(error(job.source, job.line, f"this file is in the way of the folder /{path}/, which "
                                      "holds generated pages", "rename or move it"))
        for other in ordered[bisect.bisect_right(ordered, path + "/"):]:
            if not other.startswith(path + "/"):
                break
            for job in claims[other]:
                if job.kind == ALIAS:
                    problems.append(error(job.source, job.line, f"alias /{other.removesuffix(HOME_PAGE)} cannot be "
                                          f"made: /{path} is {claims[path][0].what}", "choose another alias"))
    for path, owners in sorted(claims.items()):
        for job in owners if len(owners) > 1 else ():
            if job.source:
                others = ", ".join(other.what for other in owners if other.what != job.what)
                shown = "/" + path.removesuffix(HOME_PAGE) + ("" if job.what == job.source else f" ({job.what})")
                problems.append(error(job.source, job.line, f"URL {shown} is also claimed by {others}",
                                      "give one of them a different 'slug:' (or section), or rename the file"))
    return problems


def _has_inside(ordered: list[str], folder: str) -> bool:
    """Whether a sorted list of paths holds one inside `folder`."""
    at = bisect.bisect_right(ordered, folder + "/")
    return at < len(ordered) and ordered[at].startswith(folder + "/")

"""Listing pages: home, sections, tags, authors and date archives, each paginated.

Pure functions of the published articles (newest first) of one language. A
listing with no articles is never made, so there are no empty pages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from .article import Article, Term
from .urls import month_path, paginated, year_path

HOME, SECTION, TAG, AUTHOR, YEAR, MONTH = "home", "section", "tag", "author", "year", "month"
TERM = "term"  # a term of one of site.yaml's taxonomies (Listing.taxonomy says which)


@dataclass(frozen=True)
class ListingPage:
    """Page `number` of `total` of a listing, at its own path."""

    number: int
    total: int
    path: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Listing:
    kind: str  # HOME, SECTION, TAG, AUTHOR, YEAR, MONTH or TERM
    term: Term  # what is listed; for the home page, the site itself
    articles: tuple[Article, ...]
    pages: tuple[ListingPage, ...]
    taxonomy: str = ""  # a TERM's taxonomy (its key in site.yaml)


def paginate(path: str, articles: tuple[Article, ...], page_size: int) -> tuple[ListingPage, ...]:
    chunks = [articles[start:start + page_size] for start in range(0, len(articles), page_size)] or [()]
    return tuple(ListingPage(number, len(chunks), paginated(path, number), chunk)
                 for number, chunk in enumerate(chunks, 1))


def home_listing(articles: tuple[Article, ...], title: str, base_path: str, home: str, page_size: int) -> Listing:
    """The home page (at `home`: '' or 'en/') lists everything, latest first, so its pages are the archive too."""
    return Listing(HOME, Term(title, "", home, base_path + home), articles, paginate(home, articles, page_size))


def term_listings(kind: str, articles: Iterable[Article], terms_of: Callable[[Article], Iterable[Term]],
                  page_size: int) -> tuple[Listing, ...]:
    """One listing per term (by slug), in slug order."""
    grouped: dict[str, list[Article]] = defaultdict(list)
    first_term: dict[str, Term] = {}
    for article in articles:
        for term in terms_of(article):
            first_term.setdefault(term.slug, term)
            grouped[term.slug].append(article)
    return tuple(_listing(kind, first_term[slug], tuple(grouped[slug]), page_size) for slug in sorted(grouped))


def archive_listings(articles: Iterable[Article], base_path: str, home: str,
                     page_size: int) -> tuple[tuple[Listing, ...], tuple[Listing, ...]]:
    """Year and month archives under the language's `home` (/2024/, /en/2024/06/), newest first."""
    years: dict[int, list[Article]] = defaultdict(list)
    months: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for article in articles:
        years[article.date.year].append(article)
        months[(article.date.year, article.date.month)].append(article)
    year_listings = tuple(
        _listing(YEAR, Term(f"{year:04d}", f"{year:04d}", home + year_path(year), base_path + home + year_path(year)),
                 tuple(found), page_size)
        for year, found in sorted(years.items(), reverse=True))
    month_listings = tuple(
        _listing(MONTH, Term(f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}", home + month_path(year, month),
                             base_path + home + month_path(year, month)), tuple(found), page_size)
        for (year, month), found in sorted(months.items(), reverse=True))
    return year_listings, month_listings


def _listing(kind: str, term: Term, articles: tuple[Article, ...], page_size: int) -> Listing:
    return Listing(kind, term, articles, paginate(term.path, articles, page_size))

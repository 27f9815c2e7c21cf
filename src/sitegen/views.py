"""What layouts see: read-only views of the model, with URLs ready to print.

Templates never reach into the model or the build; docs/layouts.md lists
every field below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from .article import TAGS_PATH, Article, Term
from .i18n import Translator
from .images import ImageRef
from .markdown import Heading
from .model import Listing, Site
from .related import FALLBACK, RelatedLink


@dataclass(frozen=True)
class Crumb:
    title: str
    url: str | None  # None for the current page


@dataclass(frozen=True)
class Card:
    """An article as listings and "You may also like" show it."""

    title: str
    url: str
    date: datetime | None
    summary: str
    image: ImageRef | None
    section: Term | None
    reading_time: int


@dataclass(frozen=True)
class ArticleView:
    title: str
    url: str
    subtitle: str
    summary: str
    content: Markup
    toc: tuple[Heading, ...]
    show_toc: bool
    date: datetime | None
    updated: datetime | None
    section: Term | None
    tags: tuple[Term, ...]
    authors: tuple[str, ...]
    image: ImageRef | None
    breadcrumb: tuple[Crumb, ...]
    related: tuple[Card, ...]
    related_is_fallback: bool
    word_count: int
    reading_time: int
    is_page: bool
    source: str
    extra: dict[str, Any]


@dataclass(frozen=True)
class ListingView:
    kind: str  # "home", "section", "tag", "tags" or "404"
    title: str
    url: str
    articles: tuple[Card, ...]
    term: Term | None = None
    terms: tuple[tuple[Term, int], ...] = ()  # the tag index: each tag and its article count


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    language: str
    base_url: str
    url: str  # the home page
    sections: tuple[Term, ...]
    generator: str
    extra: dict[str, Any]


class ViewFactory:
    """Turns model objects into views, caching the cards every listing reuses."""

    def __init__(self, site: Site, translate: Translator, generator: str):
        self.site = site
        self.t = translate
        self.home = site.config.base_path
        self.sections = {listing.term.slug: listing.term for listing in site.sections}
        self.sections.update({listing.term.name.casefold(): listing.term for listing in site.sections})
        self._cards = {a.url_path: self._card(a) for a in site.articles}
        self.site_view = SiteView(
            title=site.config.title, description=site.config.description, language=site.config.language,
            base_url=site.config.base_url, url=self.home, sections=self._nav_sections(),
            generator=generator, extra=site.config.extra,
        )

    def url(self, path: str) -> str:
        """A site path ('about/', '/css/site.css') as a link that works under base_url."""
        return self.home + path.lstrip("/")

    def _nav_sections(self) -> tuple[Term, ...]:
        order = {slug: i for i, slug in enumerate(self.site.config.sections)}
        listed = sorted(self.site.sections, key=lambda s: (order.get(s.term.slug, len(order)), s.term.slug))
        return tuple(listing.term for listing in listed)

    def _card(self, article: Article) -> Card:
        return Card(article.title, self.url(article.url_path), article.date, article.summary,
                    article.image, article.section, self._reading_time(article))

    def _reading_time(self, article: Article) -> int:
        return max(1, round(article.body.word_count / self.site.config.reading_speed))

    def article(self, article: Article) -> ArticleView:
        links: tuple[RelatedLink, ...] = self.site.related.get(article.url_path, ())
        return ArticleView(
            title=article.title, url=self.url(article.url_path), subtitle=article.subtitle,
            summary=article.summary, content=Markup(article.body.html), toc=article.body.headings,
            show_toc=article.toc,
            date=article.date, updated=article.updated, section=article.section, tags=article.tags,
            authors=article.authors, image=article.image, breadcrumb=self.breadcrumb(article),
            related=tuple(self._cards[link.key] for link in links),
            related_is_fallback=bool(links) and links[0].reason == FALLBACK,
            word_count=article.body.word_count, reading_time=self._reading_time(article),
            is_page=article.is_page, source=article.source, extra=article.extra,
        )

    def breadcrumb(self, article: Article) -> tuple[Crumb, ...]:
        """From front matter `breadcrumb` when given, else Home » Section; the title last."""
        if not article.breadcrumb:
            trail = [Crumb(self.t("home"), self.home)]
            if article.section:
                trail.append(Crumb(article.section.name, article.section.url))
            return (*trail, Crumb(article.title, None))
        trail = []
        for position, entry in enumerate(article.breadcrumb):
            if isinstance(entry, dict):
                url = entry.get("url")
                url = self.url(url) if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else url
                trail.append(Crumb(str(entry["title"]), url))
            elif position == 0:
                trail.append(Crumb(entry, self.home))
            else:
                term = self.sections.get(entry.casefold())
                trail.append(Crumb(entry, term.url if term else None))
        return (*trail, Crumb(article.title, None))

    def listing(self, kind: str, title: str, url: str, articles, term: Term | None = None) -> ListingView:
        return ListingView(kind, title, url, tuple(self._cards[a.url_path] for a in articles), term)

    def tag_index(self, listings: tuple[Listing, ...]) -> ListingView:
        terms = tuple((listing.term, len(listing.articles)) for listing in listings)
        return ListingView("tags", self.t("all_tags"), self.url(TAGS_PATH), (), None, terms)

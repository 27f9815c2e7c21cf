"""What layouts see: read-only views of the model, with URLs ready to print.

Templates never reach into the model or the build; docs/layouts.md lists
every field below. One ViewFactory makes the views of one language's pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from datetime import datetime
from typing import Any, Callable

from markupsafe import Markup

from .article import Article, Outline, Term
from .cache import remembered_repr
from .i18n import Translator
from .images import ImageRef
from .markdown import Heading
from .menus import MenuLink
from .languages import open_graph_locale
from .listings import HOME, SECTION, TAG, TERM, Listing, ListingPage
from .model import Edition, Site
from .plan import Plan
from .seo import article_json_ld
from .urls import ATOM, AUTHORS, JSON_FEED, RSS, SEARCH, SEARCH_INDEX, TAGS
from .related import FALLBACK, LATEST, RelatedLink


@dataclass(frozen=True)
class Crumb:
    title: str
    url: str | None  # None for the current page


@dataclass(frozen=True)
class Translation:
    """One language of the site as a page's language switcher offers it."""

    language: str  # its code: 'ca', 'en-GB' (for hreflang and lang attributes)
    locale: str  # Open Graph's form: 'ca_ES'
    name: str  # in the language itself: 'Català'
    url: str  # the page in that language, or that language's home page when it has no such page
    is_translation: bool  # the page exists in that language (False: `url` is the home page)
    current: bool  # the language of this page


@remembered_repr
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
    authors: tuple[Term, ...]
    taxonomies: tuple[tuple[str, tuple[Term, ...]], ...]  # (taxonomy name, terms) of site.yaml's taxonomies it has
    image: ImageRef | None
    social_image: ImageRef | None  # for social cards: `image`, or else Hugo's `images` (not shown on the page)
    breadcrumb: tuple[Crumb, ...]
    json_ld: Markup  # NewsArticle and BreadcrumbList, safe inside <script>
    related: tuple[Card, ...]
    related_is_fallback: bool  # no close match: the latest articles of its section instead
    related_is_latest: bool  # nor any in its section: the latest of its language
    word_count: int
    reading_time: int
    is_page: bool
    draft: bool  # built with --drafts: the default theme shows a badge
    scheduled: bool  # dated after the build's moment (built with --future): a badge too
    source: str
    extra: dict[str, Any]
    translations: tuple[Translation, ...]  # every language of a multilingual site (else empty), for a switcher
    alternates: tuple[tuple[str, str], ...]  # (hreflang, URL) of every version, and x-default; empty if none


@dataclass(frozen=True)
class Pagination:
    number: int
    total: int
    prev_url: str | None
    next_url: str | None
    # Of every page, first to last. Left out of repr (the fingerprint of a page's inputs): they follow
    # from the listing's term and `total`, and would make a listing's fingerprints grow as its pages squared.
    urls: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class ListingView:
    kind: str  # "home", "section", "tag", "author", "year", "month", "term" (of a taxonomy), "tags", "authors", a
    # taxonomy's key (its index), "search" or "404"
    title: str
    url: str  # of this page
    articles: tuple[Card, ...] = ()
    term: Term | None = None
    terms: tuple[tuple[Term, int], ...] = ()  # an index (tags, authors): each term and its article count
    count: int = 0  # articles in the whole listing, all pages
    pagination: Pagination | None = None
    feed_url: str | None = None  # the Atom feed of a section or tag
    summary: str = ""  # the meta description
    intro: Markup = Markup("")  # a section page's introduction (its section file's text), on its first page
    translations: tuple[Translation, ...] = ()  # as in ArticleView
    alternates: tuple[tuple[str, str], ...] = ()


@remembered_repr
@dataclass(frozen=True)
class SiteView:
    """The site in the language of the page being rendered."""

    title: str
    description: str
    language: str  # BCP 47 code: 'ca', 'en-GB'
    locale: str  # Open Graph's form: 'ca_ES', 'en_GB'
    base_url: str
    url: str  # the home page (of this language)
    sections: tuple[Term, ...]
    generator: str
    feeds: tuple[tuple[str, str, str], ...]  # (MIME type, title, URL) of the site's feeds
    search_url: str
    search_index_url: str
    tags_url: str | None  # the tag index, when the site has tags
    authors_url: str | None  # the author index, when articles have authors
    extra: dict[str, Any]
    menus: dict[str, tuple[MenuLink, ...]]  # site.yaml's `menus:` in this language, by menu name
    # data/ files by name. Left out of repr, a page's fingerprint: the pages whose layouts mention `data` have
    # the data's digest among their inputs instead (render.layout_digests), so an edit renders only those.
    data: dict[str, Any] = field(repr=False)




class _Cards(dict):
    """Cards by URL path, each made when first looked up."""

    def __init__(self, articles: dict[str, Article], make: Callable[[Article], Card]):
        super().__init__()
        self.articles, self.make = articles, make

    def __missing__(self, path: str) -> Card:
        card = self[path] = self.make(self.articles[path])
        return card


class ViewFactory:
    """Turns one language's model objects into views, caching the cards every listing reuses."""

    def __init__(self, site: Site, edition: Edition, translate: Translator, generator: str, plan: Plan):
        self.site, self.plan = site, plan
        self.edition = edition
        self.t = translate
        self.home = site.config.base_path
        language = edition.language
        self.home_url = self.url(language.path)
        self.taxonomy_names = {taxonomy.key: taxonomy.name for taxonomy in site.config.taxonomies}
        self.sections = {listing.term.slug: listing.term for listing in edition.sections}
        self.sections.update({listing.term.name.casefold(): listing.term for listing in edition.sections})
        self._page_urls: dict[int, tuple[Listing, tuple[str, ...]]] = {}  # by listing (kept alive in the value)
        # Each article's card, made when first asked for (a build that renders a few pages asks for a few).
        # (Not self._card: the cards would hold the factory, a cycle only the GC undoes.)
        self._cards = _Cards({a.url_path: a for a in edition.articles},
                             partial(card, home=self.home, words_per_minute=site.config.reading_speed))
        self.site_view = SiteView(
            title=language.title, description=language.description, language=language.code,
            locale=open_graph_locale(language.code), base_url=site.config.base_url, url=self.home_url,
            sections=self._nav_sections(), generator=generator, feeds=(
                ("application/atom+xml", f"{language.title} (Atom)", self.url(language.path + ATOM)),
                ("application/rss+xml", f"{language.title} (RSS)", self.url(language.path + RSS)),
                ("application/feed+json", f"{language.title} (JSON Feed)", self.url(language.path + JSON_FEED)),
            ), search_url=self.url(language.path + SEARCH), search_index_url=self.url(language.path + SEARCH_INDEX),
            tags_url=self.url(language.path + TAGS) if edition.tags else None,
            authors_url=self.url(language.path + AUTHORS) if edition.authors else None, extra=site.config.extra,
            menus=edition.menus, data=site.data.values,
        )

    def url(self, path: str) -> str:
        """A site path ('about/', '/css/site.css') as a link that works under base_url."""
        return self.home + path.lstrip("/")

    def _nav_sections(self) -> tuple[Term, ...]:
        order = {slug: i for i, slug in enumerate(self.edition.language.sections)}
        listed = sorted(self.edition.sections, key=lambda s: (order.get(s.term.slug, len(order)), s.term.slug))
        return tuple(listing.term for listing in listed)

    def _languages(self, versions: dict[str, str]) -> tuple[tuple[Translation, ...], tuple[tuple[str, str], ...]]:
        """The switcher and the hreflang alternates of a page that exists at `versions` (code → site path)."""
        if not self.site.config.is_multilingual:
            return (), ()
        editions = self.site.editions
        switcher = tuple(Translation(e.language.code, open_graph_locale(e.language.code), e.language.name,
                                     self.url(versions.get(e.language.code, e.language.path)),
                                     e.language.code in versions, e is self.edition) for e in editions)
        if len(versions) < 2:
            return switcher, ()
        alternates = [(e.language.code, self.url(versions[e.language.code])) for e in editions
                      if e.language.code in versions]
        default = editions[0].language.code
        if default in versions:  # for readers whose language the site does not have
            alternates.append(("x-default", self.url(versions[default])))
        return switcher, tuple(alternates)

    def _versions(self, path: str, shared: bool = True) -> dict[str, str]:
        """A page of this language in each language (only itself unless `shared`): code → site path."""
        code = self.edition.language.code
        return self.plan.versions_of(path, code) if shared else {code: path}

    def article(self, article: Article) -> ArticleView:
        """The view of an article's page."""
        links: tuple[RelatedLink, ...] = self.site.related.get(article.url_path, ())
        breadcrumb = self.breadcrumb(article)
        translations, alternates = self._languages(self.plan.versions_of(article.url_path, article.language))
        return ArticleView(
            title=article.title, url=self.url(article.url_path), subtitle=article.subtitle,
            summary=article.summary, content=Markup(article.body.html), toc=article.body.headings,
            show_toc=article.toc,
            date=article.date, updated=article.updated, section=article.section, tags=article.tags,
            authors=article.authors, taxonomies=tuple((self.taxonomy_names[key], terms)
                                                      for key, terms in article.taxonomies if terms),
            image=article.image, social_image=article.image or article.social_image,
            breadcrumb=breadcrumb,
            json_ld=article_json_ld(article, breadcrumb, self.site.config, self.edition.language,
                                    self.url(article.url_path)),
            related=tuple(self._cards[link.key] for link in links),
            related_is_fallback=bool(links) and links[0].reason == FALLBACK,
            related_is_latest=bool(links) and links[0].reason == LATEST,
            word_count=article.word_count, reading_time=reading_time(article, self.site.config.reading_speed),
            is_page=article.is_page, draft=article.draft,
            scheduled=bool(article.date and self.site.now and article.date > self.site.now and not article.is_page),
            source=article.source, extra=article.extra,
            translations=translations, alternates=alternates,
        )

    def breadcrumb(self, article: Article) -> tuple[Crumb, ...]:
        """From front matter `breadcrumb` when given, else Home » Section; the title last."""
        if not article.breadcrumb:
            trail = [Crumb(self.t("home"), self.home_url)]
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
                trail.append(Crumb(entry, self.home_url))
            else:
                term = self.sections.get(entry.casefold())
                trail.append(Crumb(entry, term.url if term else None))
        return (*trail, Crumb(article.title, None))

    def listing_page(self, listing: Listing, page: ListingPage, title: str) -> ListingView:
        known = self._page_urls.get(id(listing))
        if known is None or known[0] is not listing:
            known = self._page_urls[id(listing)] = (listing, tuple(self.url(p.path) for p in listing.pages))
        urls = known[1]
        pagination = Pagination(page.number, page.total, urls[page.number - 2] if page.number > 1 else None,
                                urls[page.number] if page.number < page.total else None, urls)
        feed = self.url(listing.term.path + ATOM) if listing.kind in (SECTION, TAG, TERM) else None
        intro = self.edition.intros.get(listing.term.slug) if listing.kind == SECTION else None
        summary = (self.edition.language.description if listing.kind == HOME else
                   intro.summary if intro and intro.summary else title)
        cards = tuple(self._cards[a.url_path] for a in page.articles)
        translations, alternates = self._languages(self._versions(page.path, page.number == 1))
        return ListingView(listing.kind, title, self.url(page.path), cards, listing.term, count=len(listing.articles),
                           pagination=pagination, feed_url=feed, summary=summary, translations=translations,
                           alternates=alternates, intro=intro.html if intro and page.number == 1 else Markup(""))

    def index(self, kind: str, title: str, path: str, listings: tuple[Listing, ...]) -> ListingView:
        """The tag index or the author index (`path` under this language): each term and its article count."""
        terms = tuple((listing.term, len(listing.articles)) for listing in listings)
        translations, alternates = self._languages(self._versions(path))
        return ListingView(kind, title, self.url(path), terms=terms, summary=title, translations=translations,
                           alternates=alternates)

    def plain(self, kind: str, title: str, path: str) -> ListingView:
        """A page with no articles of its own (`path` under this language): search, 404."""
        translations, alternates = self._languages(self._versions(path, kind != "404"))
        return ListingView(kind, title, self.url(path), summary=title, translations=translations,
                           alternates=alternates)


def card(article: Article | Outline, home: str, words_per_minute: int) -> Card:
    """An article's card, for a site whose base path is `home`."""
    return Card(article.title, home + article.url_path.lstrip("/"), article.date, article.summary, article.image,
                article.section, reading_time(article, words_per_minute))


def reading_time(article: Article | Outline, words_per_minute: int) -> int:
    """Minutes, at least one."""
    return max(1, round(article.word_count / words_per_minute))

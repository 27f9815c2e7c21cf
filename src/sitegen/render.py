"""Jinja2 layouts → HTML pages, with template errors reported at their line.

The site's layouts/ override the theme's file by file (one search path).
Every template is compiled before any page is rendered, so all syntax
errors show up together; a failure while rendering names the template line.
"""

from __future__ import annotations

import traceback
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import jinja2

from . import __version__
from .config import SiteConfig
from .errors import Diagnostic, error
from .i18n import Translator
from .imaging import picture_html
from .listings import AUTHOR, HOME, MONTH, SECTION, TAG, YEAR
from .model import Site, layout_file
from .urls import AUTHORS, NOT_FOUND_PAGE, SEARCH, TAGS, absolute, page_file
from .theme import display_path, layout_dirs
from .views import ViewFactory

GENERATOR = f"sitegen {__version__}"
TEMPLATE_SUFFIXES = ("html", "xml", "txt", "json")


@dataclass(frozen=True)
class Page:
    """One rendered HTML file and where it goes in the output."""

    output_path: str
    html: bytes
    inputs: tuple = ()  # (layout, site view, context): equal inputs render equal bytes


def make_environment(config: SiteConfig) -> tuple[jinja2.Environment, list[Diagnostic]]:
    """A Jinja environment over the layout folders; every template compiled once."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in layout_dirs(config)]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    _install_helpers(env, config)
    problems = []
    for name in env.list_templates(extensions=list(TEMPLATE_SUFFIXES)):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(error(_template_path(exc.filename or _layout_path(env, name), config), exc.lineno or 1,
                                  f"template syntax: {exc.message}", "check the {% %} and {{ }} tags near this line"))
        except UnicodeDecodeError as exc:
            problems.append(error(_template_path(_layout_path(env, name), config), 1,
                                  f"the file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x})",
                                  "re-save it as UTF-8, or move files that are not layouts out of layouts/"))
    return env, problems


def _layout_path(env: jinja2.Environment, name: str) -> str:
    """The file a template name comes from (the site's layouts/ before the theme's)."""
    for folder in env.loader.searchpath:  # type: ignore[union-attr]
        if (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    return name


def layout_names(env: jinja2.Environment) -> frozenset[str]:
    return frozenset(env.list_templates(extensions=["html"]))


def _install_helpers(env: jinja2.Environment, config: SiteConfig) -> None:
    from babel.dates import format_date, format_datetime

    locale = config.language.replace("-", "_")
    home = config.base_path
    env.globals.update(
        t=Translator(config.language),
        url=lambda path: home + str(path).lstrip("/"),
        asset_url=lambda path: home + str(path).lstrip("/"),
        picture=lambda image, sizes=config.images.sizes, eager=False: picture_html(image, sizes, eager),
    )
    env.filters["format_date"] = lambda value, fmt="long": format_date(value, fmt, locale=locale) if value else ""
    env.filters["format_datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt, tzinfo=value.tzinfo, locale=locale) if value else "")
    env.filters["isodate"] = lambda value: value.isoformat() if value else ""
    env.filters["month_name"] = lambda value: format_date(value, "LLLL y", locale=locale) if value else ""
    env.filters["absolute"] = lambda url: absolute(config.origin, str(url))


def render_site(site: Site, env: jinja2.Environment, progress: Callable[[str, int, int], None] | None = None,
                previous: dict[str, Page] | None = None, memo: dict | None = None) -> tuple[list[Page], list[Diagnostic]]:
    """Every page; a page of `previous` whose layout and view are unchanged is reused, not rendered.

    `memo` keeps article views between builds of one configuration (a preview server)."""
    views = ViewFactory(site, env.globals["t"], GENERATOR, memo)
    jobs = _page_jobs(site, views, env.filters["month_name"])
    pages: list[Page] = []
    failures: dict[tuple[str, int, str], list[str]] = defaultdict(list)  # one layout bug, many pages
    for done, (output_path, layout, context, what) in enumerate(jobs, 1):
        if progress:
            progress("rendering", done, len(jobs))
        inputs = (layout, views.site_view, context) if previous is not None else ()
        earlier = previous.get(output_path) if previous else None
        if earlier is not None and earlier.inputs == inputs:
            pages.append(earlier)
            continue
        try:
            html = env.get_template(layout).render(site=views.site_view, **context)
        except Exception as exc:  # a layout raised: note where, keep rendering the rest
            failures[_failure_place(exc, layout, site.config)].append(what)
        else:
            pages.append(Page(output_path, html.encode("utf-8"), inputs))
    problems = []
    for (path, line, message), pages_hit in failures.items():
        more = f" and {len(pages_hit) - 1} more pages" if len(pages_hit) > 1 else ""
        problems.append(error(path, line, message, f"while rendering {pages_hit[0]}{more}"))
    return pages, problems


_LISTING_LAYOUTS = {HOME: "home.html", SECTION: "section.html", TAG: "tag.html", AUTHOR: "author.html",
                    YEAR: "archive.html", MONTH: "archive.html"}


def _page_jobs(site: Site, views: ViewFactory, month_name: Callable[[date], str]) -> list[tuple[str, str, dict, str]]:
    """(output path, layout, context, what the page is) for every page of the site."""
    t = views.t
    jobs = []
    for article in (*site.articles, *site.pages):
        layout = layout_file(article.layout or ("page" if article.is_page else "article"))
        view = views.article(article)
        jobs.append((page_file(article.url_path), layout, {"page": view}, article.source))
        jobs.extend((alias if alias.endswith((".html", ".htm")) else page_file(alias), "redirect.html",
                     {"page": view}, f"an alias of {article.source}") for alias in article.aliases)
    for listing in site.listings:
        title = {HOME: lambda: site.config.title, SECTION: lambda: listing.term.name, YEAR: lambda: listing.term.name,
                 TAG: lambda: t("tagged", tag=listing.term.name),
                 AUTHOR: lambda: t("articles_by", author=listing.term.name),
                 MONTH: lambda: month_name(listing.articles[0].date.date())}[listing.kind]()
        what = f"the page of {listing.kind} '{listing.term.name}'" if listing.term.slug else "the home page"
        jobs.extend((page_file(page.path), _LISTING_LAYOUTS[listing.kind],
                     {"page": views.listing_page(listing, page, title)}, what) for page in listing.pages)
    for kind, path, listings, title in (("tags", TAGS, site.tags, t("all_tags")),
                                        ("authors", AUTHORS, site.authors, t("all_authors"))):
        if listings:
            jobs.append((page_file(path), "terms.html", {"page": views.index(kind, title, path, listings)},
                         f"the index of {kind}"))
    jobs.append((page_file(SEARCH), "search.html", {"page": views.plain("search", t("search"), SEARCH)},
                 "the search page"))
    jobs.append((NOT_FOUND_PAGE, "404.html", {"page": views.plain("404", t("page_not_found"), NOT_FOUND_PAGE)},
                 "the 404 page"))
    return jobs


def _failure_place(exc: Exception, layout: str, config: SiteConfig) -> tuple[str, int, str]:
    """(layout path, line, message) of a render failure: the innermost layout line in the traceback."""
    template_frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
                       if frame.filename.endswith(TEMPLATE_SUFFIXES)]
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"layout not found: {exc.name}"
    elif isinstance(exc, RecursionError):
        message = "a layout includes or extends itself, directly or through others (endless recursion)"
    elif isinstance(exc, jinja2.TemplateError):
        message = str(exc)
    else:
        message = f"{type(exc).__name__}: {exc}"
    if template_frames:
        frame = template_frames[-1]
        return _template_path(frame.filename, config), frame.lineno or 1, message
    return f"{config.layouts_dir}/{layout}", 0, message


def _template_path(filename: str | None, config: SiteConfig) -> str:
    return display_path(Path(filename), config) if filename else config.layouts_dir

"""Jinja2 layouts → HTML pages, with template errors reported at their line.

The site's layouts/ override the theme's file by file (one search path).
Every template is compiled before any page is rendered, so all syntax
errors show up together; a failure while rendering names the template line.
"""

from __future__ import annotations

import re
import traceback
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

import jinja2
from jinja2 import meta, nodes
from markupsafe import Markup

from . import __version__
from .cache import BuildCache, digest, memo_key
from .config import SiteConfig
from .dates import format_day, format_moment, format_month
from .errors import Diagnostic, error
from .i18n import Translator
from .imaging import picture_html
from .listings import AUTHOR, HOME, MONTH, SECTION, TAG, TERM, YEAR, Listing, ListingPage
from .model import Edition, Site
from .plan import ALIAS, ARTICLE, INDEX, LISTING, NOT_FOUND, PAGES, SEARCH_PAGE, Job, Plan
from .urls import SEARCH, absolute, runs_script
from .theme import display_path, layout_dirs
from .parallel import parallel_imap
from .views import ViewFactory

GENERATOR = f"sitegen {__version__}"
TEMPLATE_SUFFIXES = ("html", "xml", "txt", "json")


@dataclass(frozen=True)
class Page:
    """One rendered HTML file and where it goes in the output."""

    output_path: str
    html: bytes | None  # None: unchanged since the last build, whose file stays (or `placed`)
    inputs: bytes = b""  # a digest of its layout, settings and views: equal inputs, equal bytes
    placed: object = None  # what render_site's `write` made of the html, where the page was rendered

    @property
    def rendered(self) -> bool:
        return self.html is not None or self.placed is not None


def make_environment(config: SiteConfig, every: bool = True) -> tuple[jinja2.Environment, list[Diagnostic]]:
    """A Jinja environment over the layout folders. Compiled code is never read back from disk: loading it
    would run it, and a cache file can come from another machine; so layouts are compiled in every build (about
    60 ms for the default theme, the price of that). With `every`, all of them here, each problem reported
    (worker processes inherit them); else each when first used (a patch build renders a few pages, and a layout
    that fails there hands over to the full build, which reports it)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in layout_dirs(config)]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=False,  # compiled once: a full build, or a patch build, makes a new environment
        cache_size=-1,  # every layout kept, in a plain dict (an LRU cache's bookkeeping took 6% of rendering)
    )
    _install_helpers(env, config)
    problems: list[Diagnostic] = []
    for name in env.list_templates(extensions=list(TEMPLATE_SUFFIXES)) if every else ():
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
    """`t`, `url` and the filters; `t` and the date filters speak the language of the page (`site.language`)."""
    translators = {language.code: Translator(language.code, config.language, config.strings)
                   for language in config.all_languages}

    def language_of(context: jinja2.runtime.Context) -> str:
        site = context.get("site")
        return site.language if getattr(site, "language", None) in translators else config.language

    home = config.base_path
    # (the partials this environment's build renders: layouts do not change in it)
    rendered_partials: dict[tuple[str, str, str], Markup] = {}

    def cached_partial(context: jinja2.runtime.Context, name: str, **variables: object) -> Markup:
        """`name` rendered with `variables` and `site` alone (not the page), once per language and values in a
        build: a card that a dozen listings and related lists show is rendered once (Hugo's partialCached).
        The values are told apart by their repr, as a page's inputs are (views are values): equal is not
        enough (1 and True, a text and the same text marked safe, one moment in two time zones)."""
        key = (name, language_of(context), repr(sorted(variables.items())))
        html = rendered_partials.get(key)
        if html is None:
            html = rendered_partials[key] = Markup(env.get_template(name).render(site=context.get("site"),
                                                                                 **variables))
        return html

    env.globals.update(
        cached_partial=jinja2.pass_context(cached_partial),
        t=jinja2.pass_context(lambda context, key, **values: translators[language_of(context)](key, **values)),
        url=lambda path: home + str(path).lstrip("/"),
        asset_url=lambda path: home + str(path).lstrip("/"),
        picture=lambda image, sizes=config.images.sizes, eager=False: picture_html(image, sizes, eager),
    )
    env.filters["format_date"] = jinja2.pass_context(
        lambda context, value, fmt="long": format_day(value, language_of(context), fmt))
    env.filters["format_datetime"] = jinja2.pass_context(
        lambda context, value, fmt="medium": format_moment(value, language_of(context), fmt))
    env.filters["format_number"] = jinja2.pass_context(
        lambda context, value: translators[language_of(context)].number(value))
    env.filters["isodate"] = lambda value: value.isoformat() if value else ""
    env.filters["month_name"] = jinja2.pass_context(lambda context, value: format_month(value, language_of(context)))
    env.filters["absolute"] = lambda url: absolute(config.origin, str(url))
    env.filters["safe_url"] = lambda url: "#" if runs_script(str(url)) else url


def render_site(site: Site, env: jinja2.Environment, plan: Plan, layouts: dict[str, bytes],
                progress: Callable[[str, int, int], None] | None = None, recorded: dict[str, bytes] | None = None,
                workers: int = 1, shared: str = "", deliver: Callable[[Page], None] | None = None,
                write: Callable[[str, bytes, bytes], object] | None = None,
                others: Sequence[Sequence[tuple[str, Callable[[], tuple[bytes | None, bytes]]]]] = ()) -> tuple[
        list[Page], list[Diagnostic]]:
    """The pages among the `plan`'s jobs, rendered on `workers` processes; a page whose inputs are unchanged
    is not rendered again.

    A page's inputs are its layout (with every layout it uses: `layouts`, as layout_digests makes them), the
    settings and strings, `shared` (what every page depends on besides the model: the fingerprinted names
    of the CSS and JS they link) and its views, which are values: their digest is the page's record. A page whose digest is the one
    `recorded` for its file in the output is not rendered (its Page has no html: the file there stays).
    Each page is handed to `deliver` as soon as it is rendered (or found unchanged), for the output to be
    written while the rest renders; or, with `write`, written where it was rendered, by `write(output
    path, html, inputs)`, whose result the Page holds instead of the html (a build's worker processes write
    their own pages). The `others` (groups of files, each an output path and its `make`, which gives its bytes,
    or None, and its inputs: the feeds and sitemaps) are made on the same workers, first, a group at a time,
    and delivered as Pages too, but are not among the pages returned."""
    translators = [Translator(edition.language.code, site.config.language, site.config.strings)
                   for edition in site.editions]
    factories = [ViewFactory(site, edition, translator, GENERATOR, plan)
                 for edition, translator in zip(site.editions, translators)]
    page_jobs = _page_jobs(plan.of(*PAGES), site, factories)
    settings = digest(GENERATOR, repr(site.config), shared, *(repr(sorted(t.strings.items())) for t in translators))

    def render(layout: str, context: dict) -> bytes | tuple[str, int, str]:
        try:
            return env.get_template(layout).render(**context).encode("utf-8")
        except Exception as exc:  # a layout raised: note where, keep rendering the rest
            return _failure_place(exc, layout, site.config)

    def settle(index: int) -> Any:
        """In a worker: the page's views, their digest, and the page rendered unless its file is up to date.
        (Views made here, not before the workers fork, copy more of the model's memory into each worker,
        but an incremental build, which renders few pages, then fingerprints the others on every core.)
        For a group of `others`, each file's inputs and bytes (or where `write` put them)."""
        if index < len(others):
            return [(inputs, Placing(write(path, data, inputs)) if write and data is not None else data)
                    for path, make in others[index] for data, inputs in [make()]]
        job = page_jobs[index - len(others)]
        context = job.context()
        inputs = digest(settings, layouts.get(job.layout, b""), repr(context))  # views are values: repr says it all
        if recorded and recorded.get(job.output_path) == inputs:
            return inputs, None
        html = render(job.layout, context)
        return inputs, Placing(write(job.output_path, html, inputs)) if write and isinstance(html, bytes) else html

    outcomes = parallel_imap(settle, range(len(others) + len(page_jobs)), workers)
    pages: list[Page] = []
    failures: dict[tuple[str, int, str], list[str]] = defaultdict(list)  # one layout bug, many pages
    try:
        for group, made in zip(others, outcomes):
            for (path, _), (inputs, result) in zip(group, made):
                if deliver is not None:
                    deliver(Page(path, None, inputs, result.placed) if isinstance(result, Placing)
                            else Page(path, result, inputs))
        for done, (job, (inputs, result)) in enumerate(zip(page_jobs, outcomes), 1):
            if progress:
                progress("rendering", done, len(page_jobs))
            if isinstance(result, Placing):
                page = Page(job.output_path, None, inputs, result.placed)
            elif isinstance(result, tuple):
                failures[result].append(job.what)
                continue
            else:
                page = Page(job.output_path, result, inputs)
            pages.append(page)
            if deliver is not None:
                deliver(page)
    finally:  # the workers are stopped, on a failure here too, before the writer cleans up after them
        outcomes.close()
    problems = []
    for (path, line, message), pages_hit in failures.items():
        more = f" and {len(pages_hit) - 1} more pages" if len(pages_hit) > 1 else ""
        problems.append(error(path, line, message, f"while rendering {pages_hit[0]}{more}"))
    return pages, problems


def layout_digests(env: jinja2.Environment, store: BuildCache | None = None, data: bytes = b"") -> dict[str, bytes]:
    """For each layout, a digest of its source and of every layout it extends, includes or imports, and of the
    data files (`data`, their digest) when any of those mentions `data` (parsing them all takes longer than a
    patch build renders: `store` keeps the result for the same sources)."""
    sources = {name: env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
               for name in env.list_templates(extensions=list(TEMPLATE_SUFFIXES))}
    key = memo_key("layout digests", jinja2.__version__ + data.hex(), repr(sorted(sources.items())))
    found = store.get(key, dict) if store is not None else None
    if not isinstance(found, dict):
        found = _closure_digests(env, sources, data)
        if store is not None:
            store.put(key, found)
    return found


_DATA_WORD = re.compile(r"\bdata\b(?![-:])")  # `site.data`, not `data-src=` or `data:` URLs


def _closure_digests(env: jinja2.Environment, sources: dict[str, str], data: bytes) -> dict[str, bytes]:
    uses: dict[str, set[str]] = {}
    for name, source in sources.items():
        try:
            named = _referenced_layouts(env.parse(source))
        except jinja2.TemplateSyntaxError:  # reported by make_environment
            named = set()
        uses[name] = set(sources) if None in named else {n for n in named if n in sources}  # a computed name: any

    def closure(name: str) -> list[str]:
        seen, stack = {name}, [name]
        while stack:
            for used in uses[stack.pop()] - seen:
                seen.add(used)
                stack.append(used)
        return sorted(seen)

    # (a word in a comment or an attribute counts too: no harm)
    mentions_data = {name for name, source in sources.items() if _DATA_WORD.search(source)}
    return {name: digest(*(part for used in uses_of for part in (used, sources[used])),
                         data if mentions_data.intersection(uses_of) else b"")
            for name in sources for uses_of in [closure(name)]}


def _referenced_layouts(template: nodes.Template) -> set[str | None]:
    """The layouts a parsed layout extends, includes, imports or renders with `cached_partial('name', …)`; None
    for one whose name is computed."""
    named: set[str | None] = set(meta.find_referenced_templates(template))
    for call in template.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "cached_partial":
            first = call.args[0] if call.args else None
            named.add(first.value if isinstance(first, nodes.Const) and isinstance(first.value, str) else None)
    return named


class Placing(NamedTuple):
    """What `write` returned for a page, on its way from the worker (told apart from a failure's tuple)."""

    placed: object


class PageJob(NamedTuple):  # a tuple: made 14,000 times per build of a 10,000-article site, by a preview too
    """One page to make: its views are made when needed (by the worker that renders it, in a build)."""

    output_path: str
    layout: str
    site_view: object
    page_view: Callable[[], object]
    what: str  # for messages: 'content/world/x.md', 'the page of tag 'Energy''

    def context(self) -> dict:
        return {"site": self.site_view, "page": self.page_view()}


def _page_jobs(jobs: list[Job], site: Site, factories: list[ViewFactory]) -> list[PageJob]:
    """The plan's page jobs, each with the views its layout is given."""
    views_of: dict[str, Callable[[], object]] = {}  # the view of an article with redirects: made once for all
    made = []
    for job in jobs:
        views = factories[job.edition]
        if job.kind in (ARTICLE, ALIAS) and job.subject.aliases:
            view = views_of.get(job.subject.source)
            if view is None:
                view = views_of[job.subject.source] = cache(partial(views.article, job.subject))
        elif job.kind == ARTICLE:  # (not kept: a worker would hold every view it made until the end)
            view = partial(views.article, job.subject)
        elif job.kind == LISTING:
            view = partial(_listing_view, views, site.editions[job.edition], *job.subject)
        elif job.kind == INDEX:
            kind, path, listings = job.subject
            view = partial(views.index, kind, views.taxonomy_names.get(kind) or views.t(f"all_{kind}"), path, listings)
        elif job.kind == SEARCH_PAGE:
            home = site.editions[job.edition].language.path
            view = partial(views.plain, "search", views.t("search"), home + SEARCH)
        elif job.kind == NOT_FOUND:
            view = partial(views.plain, "404", views.t("page_not_found"), job.output_path)
        else:  # HOME_REDIRECT, to the default language, in its words
            language = site.editions[0].language
            view = partial(views.plain, "home", language.title, language.path)
        made.append(PageJob(job.output_path, job.layout, views.site_view, view, job.what))
    return made


def _listing_view(views: ViewFactory, edition: Edition, listing: Listing, page: ListingPage) -> object:
    t = views.t
    title = {HOME: lambda: edition.language.title, SECTION: lambda: listing.term.name,
             YEAR: lambda: listing.term.name, TAG: lambda: t("tagged", tag=listing.term.name),
             AUTHOR: lambda: t("articles_by", author=listing.term.name),
             MONTH: lambda: format_month(listing.articles[0].date.date(), edition.language.code),
             TERM: lambda: f"{views.taxonomy_names[listing.taxonomy]}: {listing.term.name}"}[listing.kind]()
    return views.listing_page(listing, page, title)


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

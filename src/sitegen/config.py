"""site.yaml: every setting, its type and default, validated in one place.

Each setting is declared once in `SETTINGS` (name, type, default, meaning);
docs/configuration.md documents the same table. Problems come back as
diagnostics with the line of the offending key.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .theme import BUILTIN_THEMES
from .slugs import slugify
from .errors import Diagnostic, SiteError, did_you_mean, error, warning
from .i18n import Table, load_site_strings
from .menus import MenuEntry, check_menus
from .languages import (CONFIG_NAME, Language, check_languages, known_language, language_name,
                        missing_string_warnings)
from .yamlfile import YamlMapping, YamlProblem, load_mapping, one_line


@dataclass(frozen=True)
class RelatedConfig:
    """Weights and limits of the "You may also like" list (see the related package)."""

    count: int = 5
    threshold: float = 0.03
    include_newer: bool = True
    tags: float = 0.5
    section: float = 0.25
    text: float = 1.0
    entities: float = 0.0  # no longer read: names are words of the text (config_warnings says so unless 0)
    recency: float = 0.25
    recency_days: int = 60


@dataclass(frozen=True)
class PermalinkConfig:
    """URL patterns: tokens :section :slug :year :month :day (see urls.py)."""

    article: str = "/:section/:slug/"
    page: str = "/:slug/"


@dataclass(frozen=True)
class FeedConfig:
    """The Atom, RSS and JSON feeds (see outputs.py)."""

    items: int = 20
    full_content: bool = False


@dataclass(frozen=True)
class ImagesConfig:
    """Responsive variants of local images (see imaging.py)."""

    widths: tuple[int, ...] = (480, 960, 1600)
    formats: tuple[str, ...] = ("webp", "original")
    quality: int = 80
    sizes: str = "(min-width: 44rem) 42rem, 100vw"


@dataclass(frozen=True)
class MarkdownConfig:
    """Which Markdown engine reads the articles (markdown.py, commonmark.py)."""

    engine: str = "python-markdown"


MARKDOWN_ENGINES = ("python-markdown", "commonmark")


@dataclass(frozen=True)
class LimitsConfig:
    """What one article may take: past these, it is an error naming the article, not a build that stalls
    or runs out of memory (one article with 9,000 tags made 9,001 tag feeds of 9,000 categories each)."""

    tags: int = 100  # tags per article
    article_kilobytes: int = 2048  # the size of one article file
    markdown_seconds: float = 10  # the time one article's Markdown may take to render


@dataclass(frozen=True)
class Taxonomy:
    """A way of grouping articles besides sections, tags and authors (`taxonomies:`): `series: [Elections 2024]`
    in front matter lists the article on /series/elections-2024/."""

    key: str  # the front matter field, lower case ('series'; matched in any case, as Hugo does)
    slug: str  # the URL folder of its pages: 'series'
    name: str  # as pages show it: 'Series'


RESERVED_TAXONOMIES = ("tag", "sections", "pages", "page", "search")  # and every front matter field (fields.py)


@dataclass(frozen=True)
class SiteConfig:
    site_dir: Path
    title: str = "My news site"
    description: str = ""
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    author: str = ""
    theme: str = "default"
    content_dir: str = "content"
    layouts_dir: str = "layouts"
    assets_dir: str = "assets"
    data_dir: str = "data"
    output_dir: str = "public"
    page_size: int = 10
    reading_speed: int = 220
    pygments_style: str = "default"
    safe_mode: bool = False
    sections: dict[str, str] = field(default_factory=dict)
    related: RelatedConfig = field(default_factory=RelatedConfig)
    permalinks: PermalinkConfig = field(default_factory=PermalinkConfig)
    feeds: FeedConfig = field(default_factory=FeedConfig)
    languages: tuple[Language, ...] = ()  # from `languages:`, the default first; () for a one-language site
    images: ImagesConfig = field(default_factory=ImagesConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    markdown: MarkdownConfig = field(default_factory=MarkdownConfig)
    menus: tuple[MenuEntry, ...] = ()  # from `menus:`, in menu order (menus.py)
    taxonomies: tuple[Taxonomy, ...] = ()  # from `taxonomies:`
    extra: dict[str, Any] = field(default_factory=dict)
    strings: dict[str, Table] = field(default_factory=dict)  # the site's i18n/<lang>.yaml; not a setting

    @cached_property  # asked for by every article read
    def all_languages(self) -> tuple[Language, ...]:
        """Every language of the site, the default first; a one-language site has one, at the root."""
        return self.languages or (Language(self.language, language_name(self.language), self.title,
                                           self.description, "", self.sections),)

    @property
    def is_multilingual(self) -> bool:
        return len(self.languages) > 1

    @cached_property  # asked for by every URL the build makes
    def origin(self) -> str:
        """'https://host' of an absolute base_url; '' when base_url is only a path."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""

    @cached_property
    def base_path(self) -> str:
        """The path part of base_url, always starting and ending with '/'."""
        path = quote(unquote(urlsplit(self.base_url).path) or "/")
        return path if path.endswith("/") else path + "/"

    def site_path(self, name: str) -> Path:
        """The folder or file `name` of the site, links resolved: once per name for each loaded configuration
        (each build loads its own), as reading the articles' images asks for the same few folders thousands of
        times, and resolving a path stats every folder on the way."""
        found = self._resolved.get(name)
        if found is None:
            found = self._resolved[name] = (self.site_dir / name).resolve()
        return found

    @cached_property
    def _resolved(self) -> dict[str, Path]:
        return {}


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asks of one build."""

    drafts: bool = False
    future: bool = False
    strict: bool = False
    now: datetime | None = None  # "now" for future-dated articles; the clock when None
    jobs: int = 0  # worker processes; 0: one per core
    cache: bool = True  # read and write the build cache (.sitegen-cache/build.db)
    fingerprint: bool = True  # CSS and JS named by their hash; the preview server keeps plain names
    base_url: str | None = None  # --base-url: in place of site.yaml's
    expired: bool = False  # --expired: build articles past their `expires` too


def _usable_base_url(url: str) -> bool:
    parts = urlsplit(url)
    return (url.startswith("/") and not url.startswith("//")) or (parts.scheme in ("http", "https") and bool(parts.netloc))


def _base_url_problem(url: str) -> tuple[str, str]:
    """The message and hint of an unusable base_url, as error() takes them."""
    return (f"base_url {url!r} is neither an absolute URL nor a path",
            "write it like 'https://news.example.com/' or '/news/'")


def with_base_url(config: SiteConfig, url: str | None) -> SiteConfig:
    """The configuration with `--base-url` in place of site.yaml's base_url (previews, staging hosts)."""
    if url is None:
        return config
    if not _usable_base_url(url):
        raise SiteError([error("--base-url", 0, *_base_url_problem(url))])
    return replace(config, base_url=url)


_SCALARS = {str: "text", int: "a whole number", float: "a number", bool: "true or false", list: "a list"}


def _settings_of(cls: type) -> dict[str, tuple[type, Any]]:
    hints = {"str": str, "int": int, "float": float, "bool": bool, "tuple[int, ...]": list, "tuple[str, ...]": list}
    table = {}
    for f in fields(cls):
        if f.name in ("site_dir", "strings"):
            continue
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        kind = object if f.name == "taxonomies" else hints.get(f.type, dict)  # a list or a mapping: checked later
        table[f.name] = (kind, {} if f.name in ("languages", "menus") else default)  # mappings in site.yaml
    return table


SETTINGS = _settings_of(SiteConfig)
GROUPS = {"related": RelatedConfig, "permalinks": PermalinkConfig, "feeds": FeedConfig, "images": ImagesConfig,
          "limits": LimitsConfig, "markdown": MarkdownConfig}  # nested settings
GROUP_SETTINGS = {name: _settings_of(cls) for name, cls in GROUPS.items()}


def load_config(site_dir: Path) -> SiteConfig:
    """Read and validate `site_dir/site.yaml`; raise SiteError listing every problem."""
    path = site_dir / CONFIG_NAME
    if site_dir.is_file():
        raise SiteError([error(str(site_dir), 0, "-s takes the site's folder, not a file",
                               f"pass -s {site_dir.parent}")])
    if not path.is_file():
        raise SiteError([error(
            str(path), 0, "no site.yaml here, so this is not a sitegen site",
            f"run 'sitegen init {site_dir}' to create a site, or pass -s with the site's folder",
        )])
    try:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        mapping = load_mapping(text)
    except UnicodeDecodeError as exc:
        raise SiteError([error(CONFIG_NAME, 1, f"site.yaml is not UTF-8 text ({exc.reason})",
                               "save the file as UTF-8")]) from None
    except YamlProblem as exc:
        raise SiteError([error(CONFIG_NAME, exc.line, exc.message,
                               exc.hint or "check indentation and quote values that contain ': '")]) from None
    return config_from_mapping(site_dir, mapping)


def config_from_mapping(site_dir: Path, mapping: YamlMapping) -> SiteConfig:
    strings, problems = load_site_strings(site_dir)
    problems += [error(CONFIG_NAME, last, f"'{key}' is set twice (first on line {first})", "keep one of them")
                 for key, first, last in mapping.duplicates]
    values = _check_table(mapping.data, SETTINGS, mapping, problems, prefix="")
    groups = {name: _check_table(values.pop(name, {}), GROUP_SETTINGS[name], mapping, problems, prefix=f"{name}.")
              for name in GROUPS}
    _check_ranges(groups["related"], _RELATED_RANGES, "related.", mapping, problems)
    _check_ranges(groups["feeds"], {"items": (1, None)}, "feeds.", mapping, problems)
    _check_ranges(groups["limits"], {"tags": (1, None), "article_kilobytes": (1, None), "markdown_seconds": (0.1, None)},
                  "limits.", mapping, problems)
    _check_permalinks(groups["permalinks"], mapping, problems)
    _check_engine(groups["markdown"].get("engine"), mapping, problems)
    _check_images(groups["images"], mapping, problems)
    sections = values.get("sections", {})
    for key, title in sections.items():
        if not isinstance(key, str) or not isinstance(title, str) or not slugify(key):
            problems.append(error(CONFIG_NAME, mapping.line_of(f"sections.{key}"),
                                  f"'sections' maps a section's folder name to its display name, not {key!r}: {title!r}",
                                  "write it like 'world: World news'"))
    _check_values(site_dir, values, mapping, problems)
    if "language" in values:  # BCP 47 as HTML, feeds and sitemaps want it: 'pt_BR' → 'pt-BR'
        values["language"] = values["language"].replace("_", "-")
    values["sections"] = {slugify(k): v for k, v in sections.items() if isinstance(k, str) and isinstance(v, str)}
    if "languages" in values:
        values["languages"] = check_languages(values, mapping, problems)
        if values["languages"]:
            values["language"] = values["languages"][0].code
    if "taxonomies" in values:
        values["taxonomies"] = _check_taxonomies(values["taxonomies"], mapping, problems)
    if "menus" in values:
        codes = [language.code for language in values.get("languages") or ()] or [values.get("language", "en")]
        values["menus"] = check_menus(values["menus"], mapping.line_of, codes, problems)
    if problems:
        raise SiteError(problems)
    nested = {name: GROUPS[name](**group) for name, group in groups.items()}
    return SiteConfig(site_dir=site_dir.resolve(), strings=strings, **nested, **values)


def config_warnings(config: SiteConfig) -> list[Diagnostic]:
    """What builds but not well: without a full base_url, feeds and the sitemap can only hold paths;
    interface strings that a language lacks are shown in another language; a setting that no longer
    does anything."""
    problems = missing_string_warnings(config)
    if config.related.entities:
        problems.append(warning(CONFIG_NAME, 0, "'related.entities' no longer does anything: names are words of "
                                "the text, which the 'related.text' weight covers", "remove 'related.entities'"))
    if config.origin:
        return problems
    return problems + [warning(CONFIG_NAME, 0, f"base_url {config.base_url!r} is not a full address, so feeds, "
                               "the sitemap and social cards get paths instead of links",
                               "set e.g. 'base_url: https://news.example.com/'")]


PERMALINK_TOKENS = (":section", ":slug", ":year", ":month", ":day")


def _check_taxonomies(raw: Any, mapping: YamlMapping, problems: list[Diagnostic]) -> tuple[Taxonomy, ...]:
    """`taxonomies: [series, places]`, or with the names pages show: `{series: Series, places: Places}`. Keys
    are matched in any case (Hugo's are), and may not be a field or a URL folder sitegen has already."""
    from .fields import KNOWN_FIELDS  # (here: fields.py reads the settings)
    from .migration import READ_AS

    reserved = {*RESERVED_TAXONOMIES, *KNOWN_FIELDS, *READ_AS}
    where = mapping.line_of("taxonomies")
    pairs = list(raw.items()) if isinstance(raw, dict) else [(key, None) for key in raw] if isinstance(
        raw, list) else None
    if pairs is None:
        problems.append(error(CONFIG_NAME, where, f"'taxonomies' lists front matter fields, not {raw!r}",
                              "write it like 'taxonomies: [series, places]'"))
        return ()
    found = []
    for key, name in pairs:
        slug = slugify(key) if isinstance(key, str) else ""
        if not slug or not (name is None or isinstance(name, str)):
            shown = repr(key) if name is None else f"{key!r}: {name!r}"
            problems.append(error(CONFIG_NAME, mapping.line_of(f"taxonomies.{key}", where),
                                  f"'taxonomies' names front matter fields, like 'series', not {shown}",
                                  "write it like 'taxonomies: [series, places]' or '{series: Series}'"))
        elif key.lower() in reserved or slug in (t.slug for t in found):
            problems.append(error(CONFIG_NAME, mapping.line_of(f"taxonomies.{key}", where),
                                  f"'{key}' cannot be a taxonomy: sitegen uses the name already"
                                  if key.lower() in reserved else f"'{key}' is listed twice",
                                  "name it otherwise, like 'series' or 'places'"))
        else:
            found.append(Taxonomy(key.lower(), slug, (name or "").strip() or key.replace("_", " ").capitalize()))
    return tuple(found)


def _check_engine(engine: str | None, mapping: YamlMapping, problems: list[Diagnostic]) -> None:
    """One of MARKDOWN_ENGINES; CommonMark's needs its optional package (pip install 'sitegen[commonmark]')."""
    if engine is None:
        return
    where = mapping.line_of("markdown.engine")
    if engine not in MARKDOWN_ENGINES:
        problems.append(error(CONFIG_NAME, where, f"unknown markdown.engine {engine!r}",
                              did_you_mean(engine, MARKDOWN_ENGINES) or f"use {' or '.join(MARKDOWN_ENGINES)}"))
    elif engine == "commonmark" and importlib.util.find_spec("pyromark") is None:
        problems.append(error(CONFIG_NAME, where, "markdown.engine 'commonmark' needs the pyromark package, which "
                              "is not installed", "pip install 'sitegen[commonmark]'"))


def _check_permalinks(values: dict[str, str], mapping: YamlMapping, problems: list[Diagnostic]) -> None:
    for key, pattern in values.items():
        where = mapping.line_of(f"permalinks.{key}")
        unknown = [t for t in re.findall(r":[a-z_]+", pattern) if t not in PERMALINK_TOKENS]
        if unknown or ":slug" not in pattern or not (pattern.startswith("/") and pattern.endswith("/")):
            problems.append(error(CONFIG_NAME, where, f"permalinks.{key} {pattern!r} is not a URL pattern sitegen can use",
                                  f"start and end it with '/', include :slug, and use only {', '.join(PERMALINK_TOKENS)}"
                                  + (f" (not {', '.join(unknown)})" if unknown else "")))


IMAGE_FORMATS = ("webp", "original")


def _check_images(values: dict[str, Any], mapping: YamlMapping, problems: list[Diagnostic]) -> None:
    """Widths are pixels, formats are names sitegen can write; both lists need at least one entry."""
    widths, formats = values.get("widths"), values.get("formats")
    if widths is not None and (not widths or not all(_has_type(w, int) and 16 <= w <= 10000 for w in widths)):
        problems.append(error(CONFIG_NAME, mapping.line_of("images.widths"),
                              f"'images.widths' must list image widths in pixels (16 to 10000), not {list(widths)!r}",
                              "write it like 'widths: [480, 960, 1600]'"))
    if formats is not None and (not formats or not all(f in IMAGE_FORMATS for f in formats)):
        problems.append(error(CONFIG_NAME, mapping.line_of("images.formats"),
                              f"'images.formats' must list some of {', '.join(IMAGE_FORMATS)}, not {list(formats)!r}",
                              "write it like 'formats: [webp, original]'"))
    _check_ranges(values, {"quality": (1, 100)}, "images.", mapping, problems)


def _check_table(data: dict[str, Any], table: dict[str, tuple[type, Any]], mapping: YamlMapping,
                 problems: list[Diagnostic], prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = mapping.line_of(f"{prefix}{key}")
        if key not in table:
            other = OTHER_GENERATORS_NAMES.get(key) if not prefix else None
            hint = f"did you mean '{other}'?" if other else did_you_mean(f"{prefix}{key}",
                                                                         [prefix + name for name in table])
            problems.append(error(CONFIG_NAME, where, f"unknown setting '{prefix}{key}'",
                                  hint or "every setting: sitegen help configuration"))
            continue
        kind, _default = table[key]
        if value is None:
            continue
        if not _has_type(value, kind):
            expected = _SCALARS.get(kind, "a mapping")
            problems.append(error(CONFIG_NAME, where,
                                  f"'{prefix}{key}' must be {expected}, not {type(value).__name__} {value!r}"))
            continue
        values[key] = (float(value) if kind is float else one_line(value) if kind is str
                       else tuple(value) if kind is list else value)
    return values


def _has_type(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


_FOLDERS = ("content_dir", "layouts_dir", "assets_dir", "data_dir", "output_dir")
_RANGES = {"page_size": (1, None), "reading_speed": (1, None)}
# Settings as Hugo (hugo.toml/config.yaml), Jekyll (_config.yml) and Pelican (pelicanconf.py) spell them, for a
# "did you mean" that spelling alone would not find ('baseURL' is not close to 'base_url' as text).
OTHER_GENERATORS_NAMES = {
    "baseURL": "base_url", "baseurl": "base_url", "baseUrl": "base_url", "url": "base_url", "SITEURL": "base_url",
    "siteurl": "base_url", "paginate": "page_size", "pagerSize": "page_size", "paginate_by": "page_size",
    "DEFAULT_PAGINATION": "page_size", "languageCode": "language", "defaultContentLanguage": "language",
    "lang": "language", "DEFAULT_LANG": "language", "SITENAME": "title",
    "publishDir": "output_dir", "destination": "output_dir", "OUTPUT_PATH": "output_dir",
    "contentDir": "content_dir", "PATH": "content_dir", "layoutDir": "layouts_dir", "THEME": "theme",
    "timeZone": "timezone", "TIMEZONE": "timezone", "AUTHOR": "author", "params": "extra",
    "pygmentsStyle": "pygments_style", "PYGMENTS_STYLE": "pygments_style",
}


_RELATED_RANGES = {"count": (0, None), "threshold": (0, 1), "tags": (0, None), "text": (0, None), "entities": (0, None),
                   "section": (0, None), "recency": (0, 1), "recency_days": (1, None)}


def _check_ranges(values: dict[str, Any], ranges: dict[str, tuple[float, float | None]], prefix: str,
                  mapping: YamlMapping, problems: list[Diagnostic]) -> None:
    for key, (low, high) in ranges.items():
        value = values.get(key)
        if value is None or (low <= value and (high is None or value <= high)):
            continue
        allowed = f"between {low} and {high}" if high is not None else f"at least {low}"
        problems.append(error(CONFIG_NAME, mapping.line_of(prefix + key), f"'{prefix}{key}' must be {allowed}"))


def _check_values(site_dir: Path, values: dict[str, Any], mapping: YamlMapping,
                  problems: list[Diagnostic]) -> None:
    _check_ranges(values, _RANGES, "", mapping, problems)
    for key in _FOLDERS:
        if key in values and (site_dir / values[key]).resolve() == site_dir.resolve():
            problems.append(error(CONFIG_NAME, mapping.line_of(key), f"'{key}' cannot be the site folder itself",
                                  "name a folder inside it, like 'content' or 'public'"))
    if "data_dir" in values:  # data files are read, not published: not inside a folder that is published
        data = (site_dir / values["data_dir"]).resolve()
        for key in ("content_dir", "assets_dir", "output_dir"):
            other = (site_dir / values.get(key, SETTINGS[key][1])).resolve()
            if data == other or other in data.parents or data in other.parents:
                problems.append(error(CONFIG_NAME, mapping.line_of("data_dir"), f"'data_dir' cannot be inside "
                                      f"'{key}' ({values.get(key, SETTINGS[key][1])}), nor hold it",
                                      "keep data files in a folder of their own, like 'data'"))
    if "pygments_style" in values:
        from pygments.styles import get_all_styles

        styles = sorted(get_all_styles())
        if values["pygments_style"] not in styles:
            problems.append(error(CONFIG_NAME, mapping.line_of("pygments_style"),
                                  f"unknown pygments_style {values['pygments_style']!r}",
                                  did_you_mean(values["pygments_style"], styles)
                                  or f"use one of: {', '.join(styles)}"))
    if "timezone" in values:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(error(CONFIG_NAME, mapping.line_of("timezone"),
                                  f"unknown timezone {values['timezone']!r}",
                                  "use an IANA name such as 'Europe/Madrid' or 'UTC'"))
    if "language" in values and not known_language(values["language"]):
        problems.append(error(CONFIG_NAME, mapping.line_of("language"), f"unknown language {values['language']!r}",
                              "use a language code such as 'en', 'ca' or 'es'"))
    theme = values.get("theme")
    if theme is not None and (theme.strip() in ("", ".", "..") or not any(
            (base / theme / "layouts").is_dir() for base in (BUILTIN_THEMES, site_dir))):
        problems.append(error(CONFIG_NAME, mapping.line_of("theme"), f"theme {theme!r} not found",
                              "use 'default' or the path of a theme folder (with layouts/ and assets/)"))
    base_url = values.get("base_url")
    if base_url is not None and not _usable_base_url(base_url):
        problems.append(error(CONFIG_NAME, mapping.line_of("base_url"), *_base_url_problem(base_url)))

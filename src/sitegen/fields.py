"""Front matter fields → a frozen Article, each bad field reported at its line.

Tolerates what real files contain (BOM, CRLF, YAML dates or strings, tags as a
list or 'a, b, c', no tags) and what migrated blogs bring (migration.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from .article import Article, Term
from .cache import FileState
from .config import LimitsConfig, SiteConfig
from .dates import DATE_HINT, DateProblem, parse_date
from .embeds import HINT as EMBED_HINT, embed_problems
from .errors import Diagnostic, did_you_mean, error, warning
from .frontmatter import FrontMatterError, SplitText, split_front_matter
from .i18n import base_language
from .images import OUTSIDE_HINT, ImageRef, body_images, resolve_image
from .languages import ENGLISH_QUOTES, Language, double_quotes, known_language
from .markdown import DEFAULT_ENGINE, RenderedMarkdown, TooSlow, render_within, slow_constructs
from .migration import FOREIGN_FIELDS, hidden_by_foreign_field, read_as, split_dated_name, with_own_names
from .slugs import LONGEST_SLUG, slugify
from .urls import AUTHORS, TAGS, expand_permalink, runs_script
from .yamlfile import YamlMapping, YamlProblem, load_mapping, one_line

PAGES_FOLDER = "pages"
PLACEHOLDER = "Write the story here."  # what `sitegen new` writes as the body: a warning if it goes live
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
LONGEST_NAME = 240  # bytes of one folder or file name of the output: file systems take 255
_YES_NO = {"yes": True, "on": True, "no": False, "off": False}  # YAML 1.1 booleans, read as text here
KNOWN_FIELDS = (
    "title", "date", "updated", "slug", "section", "tags", "author", "authors", "breadcrumb",
    "image", "image_alt", "image_caption", "image_credit", "subtitle", "summary", "draft",
    "related", "layout", "toc", "aliases", "lang", "translation_key", "expires",
    "keywords",  # Hugo's: a related-posts signal like tags, without pages of their own
    "images",  # Hugo's: the social card image of an article without an `image`
)


class TextStages:
    """The two costly pure text stages of reading an article; the build passes a cached pair (content.py).
    Rendering one body may take `markdown_seconds` at most (TooSlow past that)."""

    def __init__(self, markdown_seconds: float = LimitsConfig.markdown_seconds):
        self.markdown_seconds = markdown_seconds

    def front_matter(self, text: str, first_line: int) -> YamlMapping:
        return load_mapping(text, first_line)

    def markdown(self, body: str, pygments_style: str, safe: bool, engine: str = DEFAULT_ENGINE,
                 quotes: tuple[str, str] = ENGLISH_QUOTES) -> RenderedMarkdown:
        return render_within(self.markdown_seconds, body, pygments_style, safe, engine, quotes)


def markdown_settings(config: SiteConfig, language: str) -> tuple[str, bool, str, tuple[str, str]]:
    """What rendering a body written in `language` depends on besides its text: the arguments that follow the
    body in TextStages.markdown and content.markdown_key, listed once for both."""
    return config.pygments_style, config.safe_mode, config.markdown.engine, double_quotes(language)


def split_article(source: str, raw: bytes, problems: list[Diagnostic]) -> SplitText | None:
    """A file's bytes as front matter and body, or None (and a problem) when they are not an article."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            line, message = 1, "the file is UTF-16 text, which sitegen does not read"
        else:
            line = raw[:exc.start].count(b"\n") + 1
            message = f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        problems.append(error(source, line, message, "re-save the file with UTF-8 encoding"))
        return None
    try:
        return split_front_matter(text)
    except FrontMatterError as exc:
        problems.append(error(source, exc.line, exc.message, exc.hint))
        return None


def parse_article(source: str, relative: str, split: SplitText, config: SiteConfig,
                  problems: list[Diagnostic], stages: TextStages | None = None) -> Article | None:
    """Build one Article from a file's front matter and body, appending any problems found."""
    stages = stages or TextStages(config.limits.markdown_seconds)
    try:
        mapping = stages.front_matter(split.front_matter, split.front_matter_line)
    except YamlProblem as exc:
        problems.append(error(source, exc.line, f"front matter: {exc.message}", exc.hint
                              or "check indentation, and quote values that contain ': ' or start with '[', '{' or '@'"))
        return None
    reader = _FieldReader(source, mapping, problems, split.front_matter_line)
    return reader.article(relative, split.body, split.body_line, config, stages)


class _FieldReader:
    """Reads typed front matter fields, reporting each bad one at its line."""

    def __init__(self, source: str, mapping: YamlMapping, problems: list[Diagnostic], first_line: int):
        self.source, self.mapping, self.problems = source, mapping, problems
        self.data, self.lines = with_own_names(mapping.data, mapping.key_lines)  # (Hugo's lastmod as updated…)
        self.start = first_line - 1
        self.ok = True
        self.consulted: list[FileState] = []  # image files looked at: a cached article is checked against them

    def line(self, key: str) -> int:
        return self.lines.get(key, self.start)

    def fail(self, key: str, message: str, hint: str = "") -> None:
        self.problems.append(error(self.source, self.line(key), message, hint))
        self.ok = False

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return one_line(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.mapping.raw_text.get(key, str(value)).strip()  # 'version: 3.10' stays '3.10'

        self.fail(key, f"'{key}' must be text, not {_kind(value)}")
        return ""

    def _params_authors(self) -> tuple[str, ...]:
        """Hugo's `params: {author: …}` (where Hugo 0.123 and later keep a page's own fields), when the
        article names no author itself: text ('a, b') or a list of texts; anything else is left in extra."""
        params = self.data.get("params")
        value = params.get("author", params.get("authors")) if isinstance(params, dict) else None
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            return ()
        return tuple(dict.fromkeys(item.strip() for item in value if isinstance(item, str) and item.strip()))

    def names(self, key: str) -> tuple[str, ...]:
        """A list of names, written as a YAML list or as 'a, b, c'."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = str(value).split(",")
        if not isinstance(value, list):
            self.fail(key, f"'{key}' must be a list of names or 'a, b, c', not {_kind(value)}")
            return ()
        for position, item in enumerate(value, 1):
            if not isinstance(item, (str, int, float)) or isinstance(item, bool):
                self.fail(key, f"'{key}': entry {position} must be a name, not {_kind(item)}",
                          "quote names that YAML reads otherwise, e.g. 'true' or 'null'")
                return ()
        unique: dict[str, str] = {}
        for name in (str(v).strip() for v in value):
            if name:
                unique.setdefault(name.casefold(), name)
        return tuple(unique.values())

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _YES_NO:
            return _YES_NO[value.lower()]
        quoted = isinstance(value, str) and value.lower() in ("true", "false")
        self.fail(key, f"'{key}' must be true or false, not {'the quoted text ' if quoted else ''}{value!r}",
                  f"write '{key}: true' or '{key}: false', without quotes")
        return False

    def moment(self, key: str, config: SiteConfig, default: str = "") -> datetime | None:
        value = self.data.get(key) if self.data.get(key) is not None else default
        if value in (None, ""):
            return None
        try:
            return parse_date(value, ZoneInfo(config.timezone))
        except DateProblem as exc:
            self.fail(key, f"'{key}': {exc}", DATE_HINT)
            return None

    def article(self, relative: str, body: str, body_line: int, config: SiteConfig,
                stages: TextStages) -> Article | None:
        language, path = self._language(PurePosixPath(relative), config)
        is_page = path.parts[0] == PAGES_FOLDER and len(path.parts) > 1
        title = self.text("title")
        if "title" not in self.data:
            self.fail("title", "the front matter has no 'title'", "add a line like 'title: Your headline'")
        elif not title and isinstance(self.data["title"], (str, type(None))):
            self.fail("title", "'title' is empty", "write the headline after 'title: '")
        name_date, _ = split_dated_name(path.stem)
        moment = self.moment("date", config, default=name_date)
        if moment is None and not is_page and not name_date and self.data.get("date") in (None, ""):
            problem = "'date' is empty" if "date" in self.data else "the front matter has no 'date'"
            self.fail("date", problem,
                      f"add a line like 'date: 2024-06-21' ({DATE_HINT}); undated pages go in content/{PAGES_FOLDER}/")
        slug = self._slug(path, language)
        section = None if is_page else self._section(path, config, language)
        tags = self._terms(self.names("tags"), "tags", TAGS, config, language)
        if len(tags) > config.limits.tags:
            self.fail("tags", f"{len(tags):,} tags: an article may have {config.limits.tags} at most",
                      "keep the tags readers browse by; 'limits.tags' in site.yaml sets the number")
        taxonomies = []
        for taxonomy in config.taxonomies:
            key = next((key for key in self.data if key.lower() == taxonomy.key), None)  # 'Series:' too
            if key is None or self.data[key] is None:
                continue
            names = self.names(key)
            if len(names) > config.limits.tags:
                self.fail(key, f"{len(names):,} {key}: an article may have {config.limits.tags} at most",
                          "'limits.tags' in site.yaml sets the number")
            taxonomies.append((taxonomy.key, self._terms(names, key, f"{taxonomy.slug}/", config, language)))
        author_names = tuple(dict.fromkeys(self.names("authors") + self.names("author"))) or self._params_authors()
        authors = self._terms(author_names or ((config.author,) if config.author else ()), "author", AUTHORS, config,
                              language)
        pattern = config.permalinks.page if is_page else config.permalinks.article
        url_path = language.path + expand_permalink(pattern, slug, section.slug if section else "", moment)
        fields = dict(
            updated=self.moment("updated", config), expires=self.moment("expires", config),
            subtitle=self.text("subtitle"),
            draft=self.flag("draft") or hidden_by_foreign_field(self.data) or path.parts[0] == "_drafts",
            toc=self.flag("toc"), related_slugs=self.names("related"), aliases=self._aliases(),
            keywords=self.names("keywords"),
            layout=self.text("layout") or None, breadcrumb=self._breadcrumb(),
            image=self._image(relative, config), social_image=self._social_image(relative, config),
            taxonomies=tuple(taxonomies),
        )
        self._warn_unknown_keys({taxonomy.key for taxonomy in config.taxonomies})
        if config.safe_mode:
            self._warn_invisible(("title", "subtitle", "section", "tags", "author", "authors", "breadcrumb"))
        self._warn_duplicate_keys()
        if not self.ok:
            return None
        try:
            rendered = stages.markdown(body, *markdown_settings(config, language.code))
        except RecursionError:
            self.problems.append(error(self.source, body_line, "the Markdown is nested too deeply to render",
                                       "lists, quotes or emphasis hundreds of levels deep; flatten them"))
            return None
        except TooSlow:
            blame = slow_constructs(body)
            self.problems.append(error(
                self.source, body_line, f"this article's Markdown took more than {config.limits.markdown_seconds:g} s "
                f"to render" + (f" (it has {blame})" if blame else ""),
                "split it, or look for a construct repeated thousands of times; 'limits.markdown_seconds' in "
                "site.yaml sets the time"))
            return None
        images, image_problems = body_images(rendered.html, body, body_line, self.source, relative, config,
                                             self.consulted)
        self.problems.extend(image_problems)
        self.problems.extend(warning(self.source, body_line + index, problem, EMBED_HINT)
                             for index, problem in embed_problems(body))
        if PLACEHOLDER in body and not fields["draft"]:
            self.problems.append(warning(self.source, body_line + body[:body.index(PLACEHOLDER)].count("\n"),
                                         f"placeholder text left in: '{PLACEHOLDER}'",
                                         "replace it with the story (sitegen new writes it as a reminder)"))
        return Article(
            source=self.source, url_path=url_path, language=language.code,
            translation_key=self.text("translation_key") or path.with_suffix("").as_posix(),
            is_page=is_page, title=title, slug=slug, date=moment,
            section=section, tags=tags, authors=authors,
            summary=self.text("summary") or rendered.first_paragraph, body=rendered,
            body_images=images, extra={k: v for k, v in self.data.items() if k not in KNOWN_FIELDS and not read_as(k)
                                       and not any(k.lower() == taxonomy.key for taxonomy in config.taxonomies)},
            field_lines=dict(self.lines), depends_on=tuple(self.consulted), **fields,
        )

    def _language(self, path: PurePosixPath, config: SiteConfig) -> tuple[Language, PurePosixPath]:
        """The article's language (`lang:`, else a file name such as 'story.ca.md', else the default)
        and its path without the language's suffix."""
        codes = ", ".join(lang.code for lang in config.all_languages)
        languages = {lang.code.lower(): lang for lang in config.all_languages}
        languages.update({base_language(lang.code): lang for lang in config.all_languages
                          if base_language(lang.code) not in languages})
        stem, _, suffix = path.stem.rpartition(".")
        named = languages.get(suffix.lower().replace("_", "-")) if stem and config.languages else None
        if named:
            path = path.with_name(stem + path.suffix)
        elif stem and config.languages and suffix.isalpha() and len(suffix) <= 3 and known_language(suffix):
            self.problems.append(warning(self.source, 1, f"the file name ends in '.{suffix}', which is not one of "
                                         f"this site's languages ({codes}), so it is part of the slug",
                                         f"add '{suffix}' under 'languages:' in site.yaml, or rename the file"))
        wanted = self.text("lang")
        if not wanted:
            return named or config.all_languages[0], path
        chosen = languages.get(wanted.lower().replace("_", "-")) or languages.get(base_language(wanted))
        if chosen is None:
            self.fail("lang", f"unknown language '{wanted}': this site is in {codes}",
                      f"use one of them, or add '{wanted}' under 'languages:' in site.yaml")
        elif named and named is not chosen:
            self.fail("lang", f"'lang: {wanted}' and the file name's '.{suffix}' say different languages",
                      "keep one of them")
        return chosen or config.all_languages[0], path

    def _slug(self, path: PurePosixPath, language: Language) -> str:
        stem = path.parent.name if path.stem == "index" and len(path.parts) > 1 else split_dated_name(path.stem)[1]
        wanted = self.text("slug") or stem
        slug = slugify(wanted, language.code)
        if self.text("slug") and len(slugify(wanted, language.code, cut=False)) > LONGEST_SLUG:
            self.fail("slug", f"'slug' is longer than {LONGEST_SLUG} characters, more than a URL should hold "
                      "(names made from titles, tags and sections are cut; a slug you chose is not changed)",
                      "shorten it")
        if not slug:
            key = "slug" if "slug" in self.data else "---"  # the file name: report the first line
            self.fail(key, f"cannot make a URL slug from {wanted!r}: it has no letters or digits",
                      "add a 'slug:' field with ASCII letters, digits and hyphens")
        return slug

    def _section(self, path: PurePosixPath, config: SiteConfig, language: Language) -> Term | None:
        folder = path.parts[0] if len(path.parts) > 1 and not path.parts[0].startswith("_") else ""
        name = self.text("section") or folder  # '_posts/', '_drafts/' (Jekyll) are no sections
        if not name:
            return None
        slug = slugify(name, language.code)
        if not slug:
            key = "section" if self.text("section") else "---"
            self.fail(key, f"cannot make a URL from the section name {name!r}: it has no letters or digits",
                      "give the section (or its folder) a name with ASCII letters or digits")
            return None
        display = language.sections.get(slug) or (name if name != slug else name.replace("-", " ").title())
        path = f"{language.path}{slug}/"
        return Term(display, slug, path, config.base_path + path)

    def _terms(self, names: tuple[str, ...], key: str, prefix: str, config: SiteConfig,
               language: Language) -> tuple[Term, ...]:
        """Tags or authors as terms with their own URL under `prefix`, in the article's language."""
        terms = []
        for name in names:
            slug = slugify(name, language.code)
            if slug:
                path = f"{language.path}{prefix}{slug}/"
                terms.append(Term(name, slug, path, config.base_path + path))
            else:
                label = key.removesuffix("s") if key in ("tags", "authors") else key  # 'tag', 'series'
                self.problems.append(warning(self.source, self.line(key if key in self.data else f"{key}s"),
                                             f"{label} {name!r} has no letters or digits to make a URL; left out"))
        return tuple(terms)

    def _aliases(self) -> tuple[str, ...]:
        """Old URLs of the article as site-relative paths: '/2019/old-name/' → '2019/old-name/'."""
        value = self.data.get("aliases")
        if value is None:
            return ()
        entries = [value] if isinstance(value, str) else value
        paths: list[str] = []
        for entry in entries if isinstance(entries, list) and entries else [entries]:
            parts = PurePosixPath(entry.strip().lstrip("/")).parts if isinstance(entry, str) else ()
            if not parts or ".." in parts or "://" in entry or any(c in entry for c in "?#"):
                self.fail("aliases", f"'aliases' must list old paths of this site, like /2019/old-name/, not {entry!r}",
                          "a path without '..', '?', '#' or a host")
                return ()
            if any(len(part.encode()) > LONGEST_NAME for part in parts):
                self.fail("aliases", f"'aliases': a folder or file name in {entry!r} is longer than "
                                     f"{LONGEST_NAME} bytes, more than file systems take", "shorten it")
                return ()
            path = "/".join(parts)
            paths.append(path if path.endswith((".html", ".htm")) else path + "/")
        return tuple(dict.fromkeys(paths))

    def _breadcrumb(self) -> tuple[str | dict, ...]:
        value = self.data.get("breadcrumb")
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        for item in items:
            valid = isinstance(item, (str, int, float)) or (
                isinstance(item, dict) and set(item) <= {"title", "url"} and isinstance(item.get("title"), str)
                and isinstance(item.get("url", ""), str))
            if not valid:
                self.fail("breadcrumb", "'breadcrumb' entries must be text or {title: ..., url: ...}",
                          "e.g. 'breadcrumb: Home' or 'breadcrumb: [Home, {title: World, url: /world/}]'")
                return ()
        crumbs = []
        for item in items:
            if isinstance(item, dict) and runs_script(item.get("url", "")):
                self.problems.append(warning(self.source, self.line("breadcrumb"),
                                             f"breadcrumb link '{item['url']}' would run a script: shown as text",
                                             "link to a page (/world/) or an address (https://…)"))
                item = {"title": item["title"]}
            crumbs.append(item if isinstance(item, dict) else str(item))
        return tuple(crumbs)

    def _social_image(self, relative: str, config: SiteConfig) -> ImageRef | None:
        """Hugo's `images:` (its first one): the image of social cards and feeds for an article with no `image`
        of its own, which its page does not show (Hugo's themes use it so)."""
        images = self.data.get("images")
        first = images[0] if isinstance(images, list) and images else images
        if "image" in self.data or not isinstance(first, str) or not first.strip():
            return None
        return self._image(relative, config, first.strip(), "images")

    def _image(self, relative: str, config: SiteConfig, src: str = "", key: str = "image") -> ImageRef | None:
        src = src or self.text("image")
        if not src:
            return None
        if config.safe_mode and runs_script(src):
            self.problems.append(warning(self.source, self.line(key), f"image '{src[:40]}' is a "
                                         f"{src.split(':')[0].strip().lower()}: URL, which safe_mode does not publish",
                                         "put the file in assets/ (image: /images/x.jpg) or beside the article"))
            return None
        ref, problem, refused = resolve_image(src, relative, config, self.consulted)
        if refused:
            self.fail(key, problem, OUTSIDE_HINT)
        elif problem:
            self.problems.append(warning(self.source, self.line(key), problem,
                                         "put the file in assets/ (image: /images/x.jpg) or beside the article"))
        if key != "image":
            return ref
        if not self.text("image_alt"):
            self.problems.append(warning(self.source, self.line("image"), "the image has no 'image_alt' text",
                                         "describe the picture for readers who cannot see it"))
        return replace(ref, alt=self.text("image_alt"), caption=self.text("image_caption"),
                       credit=self.text("image_credit"))

    def _warn_invisible(self, keys: tuple[str, ...]) -> None:
        """Under safe_mode, a warning for text that holds characters that change the direction of what
        follows or cannot be seen (a title that reads differently than it is written, two tags that look
        alike): what someone the site does not trust might slip in."""
        for key in keys:
            found = sorted({char for text in _texts(self.data.get(key)) for char in _INVISIBLE.findall(text)})
            if found:
                names = ", ".join(f"U+{ord(char):04X}" for char in found)
                self.problems.append(warning(self.source, self.line(key),
                                             f"'{key}' holds invisible or direction-changing characters ({names})",
                                             "retype the text, or delete those characters"))

    def _warn_duplicate_keys(self) -> None:
        for key, first, last in self.mapping.duplicates:
            self.problems.append(warning(self.source, last, f"'{key}' is given twice; this line replaces line {first}",
                                         "keep one of them"))

    def _warn_unknown_keys(self, taxonomies: set[str]) -> None:
        for key in self.data:
            if key in KNOWN_FIELDS or key.lower() in taxonomies or read_as(key):
                continue
            if key.lower() in FOREIGN_FIELDS:
                self.problems.append(warning(self.source, self.line(key),
                                             f"'{key}' is not a sitegen field (kept in page.extra)",
                                             FOREIGN_FIELDS[key.lower()]))
                continue
            hint = did_you_mean(key, (*KNOWN_FIELDS, *taxonomies))
            if hint:
                self.problems.append(warning(self.source, self.line(key),
                                             f"unknown front matter key '{key}' (kept in page.extra)", hint))


def _kind(value: object) -> str:
    names = {list: "a list", dict: "a mapping", bool: "true/false", type(None): "empty (null)"}
    return names.get(type(value), repr(value))


def _texts(value: Any) -> list[str]:
    """Every string in a front matter value (a list of tags, a breadcrumb of {title, url})."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    return []

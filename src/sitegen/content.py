"""Discovery: every file under content/ becomes an Article (fields.py) or a file to copy.

The only stage that reads content files. Problems are collected as
diagnostics, never raised one by one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from .article import Article, StaticFile
from .cache import BuildCache, digest, file_state, memo_key
from .config import SiteConfig
from .errors import Diagnostic, error, warning
from .fields import TextStages, markdown_settings, parse_article, split_article
from .frontmatter import SplitText
from .languages import ENGLISH_QUOTES
from .markdown import DEFAULT_ENGINE, RenderedMarkdown, TooSlow
from .parallel import parallel_imap
from .sections import SECTION_FILE, language_of
from .stamp import is_trusted
from .theme import linked_from_outside
from .yamlfile import YamlMapping


@dataclass(frozen=True)
class Content:
    articles: tuple[Article, ...]
    static_files: tuple[StaticFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    memo_keys: dict[str, bytes] = field(default_factory=dict)  # source → its memo in the build cache, if kept


def markdown_key(body: str, pygments_style: str, safe: bool, engine: str = DEFAULT_ENGINE,
                 quotes: tuple[str, str] = ENGLISH_QUOTES) -> bytes:
    engine_part = "" if engine == DEFAULT_ENGINE else f"|{engine}"  # (the default's keys as they always were)
    quotes_part = "" if quotes == ENGLISH_QUOTES else f"|{''.join(quotes)}"
    return memo_key("markdown", f"{pygments_style}|{safe}{engine_part}{quotes_part}", body)


def front_matter_key(text: str, first_line: int) -> bytes:
    return memo_key("front matter", str(first_line), text)


class CachedTextStages(TextStages):
    """Front matter and Markdown memoised in the build cache, keyed by their text and settings."""

    def __init__(self, store: BuildCache, markdown_seconds: float):
        super().__init__(markdown_seconds)
        self.store = store

    def front_matter(self, text: str, first_line: int) -> YamlMapping:
        return self._memo(front_matter_key(text, first_line), YamlMapping,
                          lambda: super(CachedTextStages, self).front_matter(text, first_line))

    def markdown(self, body: str, pygments_style: str, safe: bool, engine: str = DEFAULT_ENGINE,
                 quotes: tuple[str, str] = ENGLISH_QUOTES) -> RenderedMarkdown:
        key = markdown_key(body, pygments_style, safe, engine, quotes)
        too_slow = self.store.held("markdown too slow") or set()  # (the preview server's, for its session: a
        if key in too_slow:  # render past its time goes on in a thread of its own, and is not started again)
            raise TooSlow()
        try:
            return self._memo(key, RenderedMarkdown,
                              lambda: super(CachedTextStages, self).markdown(body, pygments_style, safe, engine,
                                                                             quotes))
        except TooSlow:
            self.store.hold("markdown too slow", too_slow | {key})
            raise

    def _memo(self, key: bytes, kind: type, make: Callable[[], Any]) -> Any:
        value = self.store.get(key, kind)
        if value is None:
            value = make()
            self.store.put(key, value)
        return value


def load_content(config: SiteConfig, progress: Callable[[str, int, int], None] | None = None,
                 store: BuildCache | None = None, jobs: int = 1) -> Content:
    """Every file under content/, Markdown parsed on `jobs` processes; with a `store` (the build cache),
    unchanged articles, front matter and Markdown are not parsed again."""
    content_dir = config.site_path(config.content_dir)
    static: list[StaticFile] = []
    problems: list[Diagnostic] = []
    if not content_dir.is_dir():
        problems.append(error(config.content_dir, 0, "the content folder does not exist",
                              f"create '{config.content_dir}/' and put your articles (*.md) in it"))
        return Content((), (), tuple(problems))
    sources: list[tuple[str, str, str]] = []  # (source as reported, path in content/, file)
    codes = tuple(language.code for language in config.all_languages)
    for path, relative in _walk(str(content_dir)):
        source = f"{config.content_dir}/{relative}"
        name = relative.rpartition("/")[2]
        if not os.path.isfile(path):  # a broken link, a pipe, a socket
            problems.append(warning(source, 0, "not a readable file (a broken link?); skipped"))
        elif (refused := linked_from_outside(config, path, source)) is not None:
            problems.append(refused)
        elif not name.lower().endswith((".md", ".markdown")):
            static.append(StaticFile(Path(path), relative))
        elif name.startswith(SECTION_FILE + ".") and name.endswith(".md"):  # read by sections.py, or not at all
            if relative.count("/") != 1 or relative.startswith("_") or language_of(name, codes) is None:
                problems.append(warning(source, 0, "only a section folder's _index.md is read (its title names the "
                                        "section, its text introduces the section's page)",
                                        "move it to content/<section>/_index.md, or delete it"))
        else:
            sources.append((source, relative, path))
    read, keys = _parse_all(sources, config, progress, store, jobs, problems)
    articles = []
    for article, found in read.values():
        problems.extend(found)
        if article is not None:
            articles.append(article)
    return Content(tuple(articles), tuple(static), tuple(problems), keys if store is not None else {})


def reread(config: SiteConfig, sources: list[str], store: BuildCache) -> tuple[
        dict[str, tuple[Article | None, tuple[Diagnostic, ...]]], dict[str, bytes], list[Diagnostic]]:
    """Some article files (as sources: 'content/world/x.md') read again, for patch.py: each with its
    problems, their memo keys, and problems with the files themselves (unreadable)."""
    problems: list[Diagnostic] = []
    content_dir = config.site_path(config.content_dir)
    relatives = [source.removeprefix(f"{config.content_dir}/") for source in sources]
    read, keys = _parse_all([(source, relative, str(content_dir / relative))
                             for source, relative in zip(sources, relatives)],
                            config, None, store, 1, problems, some=True)
    return read, keys, problems


def _parse_all(sources: list[tuple[str, str, str]], config: SiteConfig, progress, store: BuildCache | None,
               jobs: int, problems: list[Diagnostic], some: bool = False) -> tuple[
        dict[str, tuple[Article | None, tuple[Diagnostic, ...]]], dict[str, bytes]]:
    """Parse the sources: each one's article (None if it has errors) and problems, in the order given,
    whatever `jobs` is; and their memo keys. `some`: these are not all the site's sources.

    An article is not read again when its file, the settings and the image files it was read with
    are as they were: the build cache remembers it. A file
    whose state (cache.file_state) is the one recorded when it was last read is not even opened: its
    memo key is known. The others go to worker processes (even those whose Markdown is in the build
    cache: all are, after a site.yaml edit, and reading 10,000 is 20% quicker on two cores)."""
    seconds = config.limits.markdown_seconds
    stages = CachedTextStages(store, seconds) if store is not None else TextStages(seconds)
    settings = digest(repr(config)).hex()  # hashed once, not with every article

    def parse(item: tuple[str, str, SplitText, bytes]) -> tuple[Article | None, tuple[Diagnostic, ...], Any]:
        source, relative, split, key = item
        found: list[Diagnostic] = []
        article = parse_article(source, relative, split, config, found, stages)
        if store is not None and article is not None:  # with the memos it was made from, to keep them too
            made_from = (front_matter_key(split.front_matter, split.front_matter_line),
                         markdown_key(split.body, *markdown_settings(config, article.language)))
            store.put(key, (_without_body(article), tuple(found), made_from))  # the HTML is in its own memo
        return article, tuple(found), store.take_news() if store is not None else None  # a worker's memos go home

    keys: dict[str, bytes] = {}
    states: dict[str, tuple | None] = {}
    results: dict[str, tuple[Article | None, tuple[Diagnostic, ...], Any]] = {}
    unknown: list[tuple[str, str, str, bytes | None]] = []  # (source, relative, path, its bytes if read)
    started_ns = time.time_ns()
    read_before: dict[str, tuple[tuple, bytes]] = {}  # source → (state, key) as the last build read it
    keeps_keys = store is not None and not some  # the map below, of every article file
    if keeps_keys:
        read_before = store.get(memo_key("article keys", settings, ""), dict) or {}
    for source, relative, path in sources:
        state = states[source] = file_state(path)
        earlier = read_before.get(source)
        if earlier is not None and earlier[0] == state:  # unchanged since: its key is known without reading it
            keys[source] = earlier[1]
            unknown.append((source, relative, path, None))
            continue
        raw = _read(path, source, problems, config)
        if raw is None:
            continue
        keys[source] = _article_key(settings, source, relative, raw)
        unknown.append((source, relative, path, raw))
    memos = remembered_articles(store, [keys[item[0]] for item in unknown], jobs) if store is not None else {}
    todo = []
    unknown.reverse()
    while unknown:  # taken off the list one by one: each file's bytes are let go once split
        source, relative, path, raw = unknown.pop()
        memo = memos.get(keys[source])
        if memo is not None and _files_unchanged(memo[0]):
            store.keep(memo[2])  # type: ignore[union-attr]
            results[source] = (memo[0], memo[1], None)
            continue
        if raw is None:  # known by its state, but its memo is gone: read it after all
            raw = _read(path, source, problems, config)
            if raw is None:
                continue
            keys[source] = _article_key(settings, source, relative, raw)
        found: list[Diagnostic] = []
        split = split_article(source, raw, found)
        if split is None:
            results[source] = (None, tuple(found), None)
        else:
            todo.append((source, relative, split, keys[source]))
    total, done = len(sources), len(sources) - len(todo)
    for source, result in zip((item[0] for item in todo), parallel_imap(parse, todo, jobs)):
        article, found, news = result
        if news is not None:
            store.adopt(news)  # type: ignore[union-attr]  # as they come: stored in batches
        results[source] = (article, found, None)
        done += 1
        if progress:
            progress("reading", done, total)
    read, read_now = {}, {}
    for source, _, _ in sources:
        if source not in results:  # could not be read
            continue
        article, found, _ = results[source]
        state = states[source]
        if state is not None and is_trusted(state, started_ns):
            read_now[source] = (state, keys[source])
        read[source] = (article, found)
    if keeps_keys:  # (a file read by a patch build is not in it as it is now: the next full build reads it)
        store.put(memo_key("article keys", settings, ""), read_now)
    return read, {source: keys[source] for source in read}


def _read(path: str, source: str, problems: list[Diagnostic], config: SiteConfig) -> bytes | None:
    """An article file's bytes, or None (and a problem) if it cannot be read or is over the size limit."""
    most = config.limits.article_kilobytes * 1024
    try:
        with open(path, "rb") as file:
            raw = file.read(most + 1)
    except OSError as exc:
        problems.append(error(source, 0, f"cannot read the file: {exc.strerror}"))
        return None
    if len(raw) > most:
        problems.append(error(source, 0, f"the article is larger than {config.limits.article_kilobytes:,} KB",
                              "split it into several articles; 'limits.article_kilobytes' in site.yaml sets the size"))
        return None
    return raw


def _article_key(settings: str, source: str, relative: str, raw: bytes) -> bytes:
    return memo_key("article", settings, f"{source}\0{relative}\0{digest(raw).hex()}")


def remembered_articles(store: BuildCache, keys: list[bytes], jobs: int = 1) -> dict[bytes, tuple[
        Article, tuple[Diagnostic, ...], tuple[bytes, ...]]]:
    """The article memos stored under `keys`, each with its body from its Markdown memo (stored once,
    not in both); fetched together, which is quicker than one by one."""
    memos = store.get_many(keys, jobs, kind=(dict, tuple, (bytes, bytes)))
    bodies = store.get_many((memo[2][1] for memo in memos.values()), jobs, kind=RenderedMarkdown)
    return {key: (Article(**fields, body=bodies[made_from[1]]), found, made_from)
            for key, (fields, found, made_from) in memos.items()
            if made_from[1] in bodies and fields.keys() == _MEMO_FIELDS_SET}


def _without_body(article: Article) -> dict:
    """An article's fields but its body, as its memo keeps them: an Article is made whole, with its body."""
    return {name: getattr(article, name) for name in _MEMO_FIELDS}


_MEMO_FIELDS = tuple(f.name for f in fields(Article) if f.name != "body")
_MEMO_FIELDS_SET = set(_MEMO_FIELDS)


def _files_unchanged(article: Article | None) -> bool:
    """Whether the image files an article was read with are as they were then."""
    return article is None or all(file_state(path) == state for path, state in article.depends_on)


def is_skipped(relative: str) -> bool:
    """Whether a path under content/ is one `_walk` leaves out (hidden, an editor's backup or lock file)."""
    *folders, name = relative.split("/")
    return any(part.startswith(".") for part in folders) or _skipped_name(name)


def _skipped_name(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith("~")


def _walk(folder: str, prefix: str = "") -> list[tuple[str, str]]:
    """(path, path relative to the content folder) of its files in sorted order, a folder's files before
    its subfolders'; hidden, editor backup and special files skipped, linked folders not entered."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return []
    found, folders = [], []
    for entry in entries:
        if entry.is_dir():
            if not entry.name.startswith(".") and not entry.is_symlink():
                folders.append(entry)
        elif not _skipped_name(entry.name):
            found.append((entry.path, prefix + entry.name))
    for entry in folders:
        found.extend(_walk(entry.path, f"{prefix}{entry.name}/"))
    return found

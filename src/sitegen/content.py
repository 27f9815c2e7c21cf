"""Discovery: every file under content/ becomes an Article (fields.py) or a file to copy.

The only stage that reads content files. Problems are collected as
diagnostics, never raised one by one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .article import Article, StaticFile
from .config import SiteConfig
from .errors import Diagnostic, error, warning
from .fields import parse_article


@dataclass(frozen=True)
class Content:
    articles: tuple[Article, ...]
    static_files: tuple[StaticFile, ...]
    diagnostics: tuple[Diagnostic, ...]


ParseCache = dict[str, tuple[bytes, "Article | None", tuple[Diagnostic, ...]]]  # source → (digest, article, problems)


def load_content(config: SiteConfig, progress: Callable[[str, int, int], None] | None = None,
                 cache: ParseCache | None = None) -> Content:
    """Every file under content/; with a `cache` (kept by a preview server), unchanged files are not parsed again."""
    content_dir = config.site_path(config.content_dir)
    articles: list[Article] = []
    static: list[StaticFile] = []
    problems: list[Diagnostic] = []
    if not content_dir.is_dir():
        problems.append(error(config.content_dir, 0, "the content folder does not exist",
                              f"create '{config.content_dir}/' and put your articles (*.md) in it"))
        return Content((), (), tuple(problems))
    paths = _walk(content_dir)
    for done, path in enumerate(paths, 1):
        if progress:
            progress("reading", done, len(paths))
        relative = path.relative_to(content_dir).as_posix()
        source = f"{config.content_dir}/{relative}"
        if not path.is_file():  # a broken link, a pipe, a socket
            problems.append(warning(source, 0, "not a readable file (a broken link?); skipped"))
            continue
        if path.suffix.lower() not in (".md", ".markdown"):
            static.append(StaticFile(path, relative))
            continue
        if path.name == "_index.md":
            problems.append(warning(source, 1, "section index files (_index.md) are not read",
                                    "name sections in site.yaml under 'sections:'"))
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(error(source, 0, f"cannot read the file: {exc.strerror}"))
            continue
        article = _parse(source, relative, raw, config, problems, cache)
        if article is not None:
            articles.append(article)
    return Content(tuple(articles), tuple(static), tuple(problems))


def _walk(folder: Path) -> list[Path]:
    """Files under `folder` in sorted order; hidden, editor backup and special files skipped."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / name for name in sorted(files)
                     if not name.startswith((".", "#")) and not name.endswith("~"))
    return found


def _parse(source: str, relative: str, raw: bytes, config: SiteConfig, problems: list[Diagnostic],
           cache: ParseCache | None) -> Article | None:
    if cache is None:
        return parse_article(source, relative, raw, config, problems)
    digest = hashlib.blake2b(raw, digest_size=16).digest()
    if source in cache and cache[source][0] == digest:
        _, article, found = cache[source]
    else:
        found_list: list[Diagnostic] = []
        article = parse_article(source, relative, raw, config, found_list)
        found = tuple(found_list)
        cache[source] = (digest, article, found)
    problems.extend(found)
    return article

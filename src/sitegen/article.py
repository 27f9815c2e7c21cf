"""The values that flow from loading to rendering: articles, their terms, copied files.

Frozen and built once (in fields.py); URL paths are site-relative, without
the base path, and `url`s are ready to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from .cache import FileState, remembered_repr
from .images import BodyImage, ImageRef
from .markdown import RenderedMarkdown

@remembered_repr
@dataclass(frozen=True)
class Term:
    """A section or tag: its display name, clean slug and site URL."""

    name: str
    slug: str
    path: str  # site-relative, e.g. 'tags/north-korea/'
    url: str  # the link, under base_url's path


@dataclass(frozen=True)
class _Described:
    """What an article is besides its body: the fields of both an Article and an Outline."""

    source: str  # path relative to the site folder, for messages
    url_path: str  # site-relative, e.g. 'world/putin-visit/', 'en/world/putin-visit/'; also the article's key
    language: str  # the code of one of the site's languages: 'ca', 'en'
    translation_key: str  # shared by the translations of one article: 'world/putin-visit'
    is_page: bool  # a standalone page (content/pages/): no date, not listed
    title: str
    slug: str
    date: datetime | None
    updated: datetime | None
    section: Term | None
    tags: tuple[Term, ...]
    authors: tuple[Term, ...]
    breadcrumb: tuple[str | dict, ...]
    image: ImageRef | None
    subtitle: str
    summary: str
    draft: bool
    related_slugs: tuple[str, ...]
    aliases: tuple[str, ...]  # old site-relative paths that redirect here
    layout: str | None
    toc: bool  # show a table of contents (the default theme reads it)
    expires: datetime | None = None  # from this moment on, the article is left out of builds (embargoed, withdrawn)
    keywords: tuple[str, ...] = ()  # Hugo's: for related posts, as tags are (no pages of their own)
    social_image: ImageRef | None = None  # Hugo's `images`: social cards and feeds only, when there is no `image`
    taxonomies: tuple[tuple[str, tuple[Term, ...]], ...] = ()  # (site.yaml's taxonomy key, its terms), as given
    body_images: tuple[BodyImage, ...] = ()  # local images of the body, for imaging.py
    extra: dict[str, Any] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    depends_on: tuple[FileState, ...] = ()  # the files besides its own it was read with (its images)

    def _described(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _DESCRIBED}


@dataclass(frozen=True)
class Article(_Described):
    """An article (or a standalone page) as it is published, its body rendered: complete when made."""

    body: RenderedMarkdown = field(kw_only=True)

    @property
    def word_count(self) -> int:
        return self.body.word_count

    def outline(self, **changes: Any) -> Outline:
        """This article without its body (with `changes` to its other fields)."""
        return Outline(**{**self._described(), **changes}, word_count=self.body.word_count)


@dataclass(frozen=True)
class Outline(_Described):
    """An article without its body: all that listings, cards, search entries, feeds without full content and
    the plan read of it. A patch build's snapshot (patch.py) keeps the last build's articles so (their bodies
    stay in their memos) and makes whole Articles of the few whose pages it renders (`with_body`)."""

    word_count: int = field(kw_only=True)  # the body's (a card shows the reading time)

    def with_body(self, body: RenderedMarkdown, **changes: Any) -> Article:
        """The whole article (with `changes` to its other fields)."""
        return Article(**{**self._described(), **changes}, body=body)


_DESCRIBED = tuple(described.name for described in fields(_Described))


@dataclass(frozen=True)
class StaticFile:
    """A non-Markdown file under content/, copied to the same place in the output."""

    source: Path
    output_path: str

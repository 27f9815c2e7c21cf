""""You may also like": ranked related lists from a small document interface.

Knows only `RelatedDoc`, never the site model. Every article is compared only
with the candidates its inverted indexes offer (text terms, tags, title
entities), never with all others, and each lookup reaches a bounded number
of documents, so the work grows with the number of articles, not its square:
a word's documents are kept oldest first in eras of `ERA`, and an article
looks up its own era and the one before (the one after too, with
`include_newer`), so that a common word offers the documents nearest in time;
a tag or a name keeps its `POSTINGS` newest documents. The score, with
weights from site.yaml:

- content, a weighted mean in 0..1 of the signals the article has
  - text: the article's strongest title + summary + body terms (BM25-style
    term weights times a rarity weight) found in the candidate;
  - tags: shared tags, each weighted by its rarity;
  - entities: shared names from the titles ("North Korea", "Putin");
- times a boost for the same section (`section`: 0.25 is +25 %),
- times a decay with the time between the two (`recency`: the share of the
  score that decays, over `recency_days`).

Rarity weights depend only on how many articles use a word, tag or name
(log(1 + RARITY_SCALE/df)), never on the size of the site, so one article's
edit changes only the lists that share something with it.
`RelatedIndex.update` rebuilds the indexes (vectorised, from the cached
features of each article), compares them with the previous ones and
recomputes exactly the lists whose inputs differ, so it gives the same lists
as a full computation. Hand-picked keys come first; when nothing passes
`threshold`, the latest articles of the same section are offered, marked as a
fallback (FALLBACK); when the section has none to offer, the latest of the
language (LATEST), so that every article of a language with two or more has a
list (with `include_newer`; without it, the oldest of a language has none). Ties break by date, then key, so the input order never matters.

`RelatedByLanguage` keeps one index per language, so that an article is only
ever related to articles in its own language, each with its stop words.

Words, tags and names get integer ids from vocabularies kept by the index (in
first-seen order, never forgotten); wherever order matters (matrix columns,
and so every tie between equal weights and the order of every sum) they are
ranked by their text, never by their id.

Here: the document interface and the per-language indexes; index.py: one
language's index and the ranking; signals.py: the sparse matrices of each
signal. numpy and scipy are imported only with index.py, when lists have to
be computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, NamedTuple

from ..config import RelatedConfig

if TYPE_CHECKING:
    from .index import RelatedIndex

PICKED, SIMILAR, FALLBACK, LATEST = "picked", "similar", "fallback", "latest"
BODY_CHARS = 1500  # about 220 words: the lede carries the topic; the rest adds cost, not signal


@dataclass(frozen=True, slots=True)
class RelatedDoc:
    key: str
    title: str
    text: str  # only text[:BODY_CHARS] is read
    tags: tuple[str, ...]
    section: str
    published: float  # POSIX timestamp
    picked: tuple[str, ...] = ()
    language: str = ""  # which index of a RelatedByLanguage holds it


class RelatedLink(NamedTuple):  # a tuple: 46,000 of them at 10,000 articles are made and read back quickly
    key: str
    score: float
    reason: str  # PICKED, SIMILAR, FALLBACK (the latest of its section) or LATEST (of its language)


def related_posts(docs: Iterable[RelatedDoc], settings: RelatedConfig,
                  language: str = "en") -> dict[str, tuple[RelatedLink, ...]]:
    return _index_class()(settings, language).update(docs).lists


class RelatedByLanguage:
    """One RelatedIndex per language (by `RelatedDoc.language`), updated the same way: lists never cross
    languages, and each language's words are judged against its own stop words and its own articles."""

    def __init__(self, settings: RelatedConfig):
        self.settings = settings
        self.indexes: dict[str, RelatedIndex] = {}
        self._language_of: dict[str, str] = {}  # document key → language

    @property
    def docs(self) -> dict[str, RelatedDoc]:
        return {key: features.doc for index in self.indexes.values() for key, features in index.features.items()}

    @property
    def lists(self) -> dict[str, tuple[RelatedLink, ...]]:
        return {key: links for index in self.indexes.values() for key, links in index.lists.items()}

    def update(self, changed: Iterable[RelatedDoc] = (), removed: Iterable[str] = ()) -> RelatedByLanguage:
        """As RelatedIndex.update; an article whose language changed moves from one index to the other."""
        changes: dict[str, tuple[list[RelatedDoc], list[str]]] = {}
        for doc in changed:
            earlier = self._language_of.get(doc.key)
            if earlier is not None and earlier != doc.language:
                changes.setdefault(earlier, ([], []))[1].append(doc.key)
            changes.setdefault(doc.language, ([], []))[0].append(doc)
            self._language_of[doc.key] = doc.language
        for key in removed:
            if key in self._language_of:
                changes.setdefault(self._language_of.pop(key), ([], []))[1].append(key)
        for language, (docs, gone) in changes.items():
            if language not in self.indexes:
                self.indexes[language] = _index_class()(self.settings, language or "en")
            self.indexes[language].update(docs, gone)
        return self


def _index_class() -> type[RelatedIndex]:
    """The index and its vectorised ranking are imported when first needed: numpy and scipy take
    about 170 ms to import, which a build whose related lists come from the cache never needs."""
    from .index import RelatedIndex
    return RelatedIndex


def __getattr__(name: str):  # `from sitegen.related import RelatedIndex` imports it then
    if name == "RelatedIndex":
        return _index_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

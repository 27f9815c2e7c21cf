""""You may also like": ranked related lists from a small document interface.

Knows only `RelatedDoc`, never the site model. An article's text (title three
times, then the first TEXT_CHARS of summary and body) is a vector of word
weights, (1 + ln tf) × rarity, scaled to length 1; rarity is
log(1 + scale / df), the scale being the number of articles rounded up to a
power of two, so that an edit changes the rarity of only the words it adds
or removes (and of all of them when the site doubles or halves), and so the
vectors of only the articles that use those words. With weights from site.yaml,
a pair of articles scores:

- content, a weighted mean in 0..1 of the signals the article has
  - text: the cosine of the two vectors, over the TERMS_PER_DOC strongest
    words of each (they carry nearly all of a vector's length);
  - tags: the share of the article's tags, each weighted by its rarity,
    that the other has;
- plus SHARED × how alike the two articles' neighbours are (each article's
  NEIGHBOURS best matches by content, weighted by score: articles that the
  same articles resemble belong together, as follow-ups of one story do);
- times a boost for the same section (`section`: 0.25 is +25 %),
- times a decay with the time between the two (`recency`: the share of the
  score that decays, over `recency_days`).

No article is compared with all others: its CANDIDATES best by its inverted
indexes (its strongest words and its tags) are scored exactly. Each lookup
reaches a bounded number of documents, so the work grows with the number of
articles, not its square: a word's documents are kept oldest first in eras of
`ERA`, and an article looks up its own era and the one before (the one after
too, with `include_newer`), so that a common word offers the documents
nearest in time; a tag keeps its `POSTINGS` newest documents.

`RelatedIndex.update` rebuilds the indexes (vectorised, from the cached
features of each article), compares them with the previous ones and computes
again exactly what can differ: the candidates of the articles whose lookups
changed, the scores of pairs with an article whose vector changed, the
neighbours of those, and the lists that read any of it; so it gives the same
lists as a full computation. Hand-picked keys come first; when nothing passes
`threshold`, the latest articles of the same section are offered, marked as a
fallback (FALLBACK); when the section has none to offer, the latest of the
language (LATEST), so that every article of a language with two or more has a
list (with `include_newer`; without it, the oldest of a language has none).
Ties break by date, then key, so the input order never matters.

`RelatedByLanguage` keeps one index per language, so that an article is only
ever related to articles in its own language, each with its stop words.

Words and tags get integer ids from vocabularies kept by the index (in
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
TEXT_CHARS = 3000  # of summary + body, what the related step reads: most of a news story (see docs/configuration.md)


@dataclass(frozen=True, slots=True)
class RelatedDoc:
    key: str
    title: str
    text: str  # only text[:TEXT_CHARS] is read
    tags: tuple[str, ...]
    section: str
    published: float  # POSIX timestamp
    picked: tuple[str, ...] = ()
    language: str = ""  # which index of a RelatedByLanguage holds it


class RelatedLink(NamedTuple):  # a tuple: 46,000 of them at 10,000 articles are made and read back quickly
    key: str
    score: float
    reason: str  # PICKED, SIMILAR, FALLBACK (the latest of its section) or LATEST (of its language)


def related_posts(docs: Iterable[RelatedDoc], settings: RelatedConfig, language: str = "en",
                  jobs: int = 0) -> dict[str, tuple[RelatedLink, ...]]:
    return _index_class()(settings, language, jobs).update(docs).lists


class RelatedByLanguage:
    """One RelatedIndex per language (by `RelatedDoc.language`), updated the same way: lists never cross
    languages, and each language's words are judged against its own stop words and its own articles."""

    def __init__(self, settings: RelatedConfig, jobs: int = 0):
        self.settings = settings
        self.jobs = jobs  # processes that count words (RelatedIndex); 0: one per core
        self.indexes: dict[str, RelatedIndex] = {}
        self._language_of: dict[str, str] = {}  # document key → language

    @property
    def docs(self) -> dict[str, RelatedDoc]:
        return {key: features.doc for index in self.indexes.values() for key, features in index.features.items()}

    @property
    def lists(self) -> dict[str, tuple[RelatedLink, ...]]:
        return {key: links for index in self.indexes.values() for key, links in index.lists.items()}

    def update(self, changed: Iterable[RelatedDoc] = (), removed: Iterable[str] = ()) -> RelatedByLanguage:
        """As RelatedIndex.update (a key both changed and removed is kept, changed); an article whose
        language changed moves from one index to the other."""
        changes: dict[str, tuple[list[RelatedDoc], list[str]]] = {}
        for key in removed:
            if key in self._language_of:
                changes.setdefault(self._language_of.pop(key), ([], []))[1].append(key)
        for doc in changed:
            earlier = self._language_of.get(doc.key)
            if earlier is not None and earlier != doc.language:
                changes.setdefault(earlier, ([], []))[1].append(doc.key)
            changes.setdefault(doc.language, ([], []))[0].append(doc)
            self._language_of[doc.key] = doc.language
        for language, (docs, gone) in changes.items():
            if language not in self.indexes:
                self.indexes[language] = _index_class()(self.settings, language or "en", self.jobs)
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

""""You may also like": ranked related lists from a small document interface.

Knows only `RelatedDoc`, never the site model. Every article is compared only
with the candidates its inverted indexes offer (text terms, tags, title
entities), never with all others, and each index keeps just the strongest
`POSTINGS` documents per entry, so the work grows with the number of
articles, not its square. The score, with weights from site.yaml:

- content, a weighted mean in 0..1 of the signals the article has
  - text: the article's strongest title + summary + body terms (BM25-style
    term weights times a rarity weight) found in the candidate;
  - tags: shared tags, each weighted by its rarity;
  - entities: shared names from the titles ("North Korea", "Putin");
- times a boost for the same section (`section`: 0.25 is +25 %),
- times a decay with the time between the two (`recency`: the share of the
  score that decays, over `recency_days`).

Rarity weights depend only on how many articles use a word, tag or name
(log(1 + 200/df)), never on the size of the site, so one article's edit
changes only the lists that share something with it: `RelatedIndex.update`
recomputes just those and gives the same lists as a full computation.
Hand-picked keys come first; when nothing passes `threshold`, the latest
articles of the same section are offered, marked as a fallback. Ties break by
date, then key, so the input order never matters.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import itemgetter
from typing import Iterable

import numpy as np
from scipy import sparse

from .config import RelatedConfig
from .stopwords import stop_words

PICKED, SIMILAR, FALLBACK = "picked", "similar", "fallback"
TITLE_WEIGHT = 3  # a title word counts as this many body words
BODY_CHARS = 1500  # about 220 words: the lede carries the topic; the rest adds cost, not signal
WORDS_PER_DOC = 100  # most frequent words kept per article
TERMS_PER_DOC = 40  # of those, the strongest (frequency × rarity) are indexed
QUERY_TERMS = 10  # of those, the ones that look up candidates
POSTINGS = 64  # documents kept per term, tag or name: the ones where it weighs most, or the newest
RARITY_SCALE = 200.0  # rarity = log(1 + RARITY_SCALE / df): independent of the site's size
COMMON_SHARE = 0.2  # words in more than this share of articles (and over 20 of them) are not indexed
_K1 = 1.2  # BM25 term-frequency saturation
_ROWS_PER_CHUNK = 4096
_WORD = re.compile(r"[^\W\d_][^\W_]{2,}")
_NAME = re.compile(r"[^\W\d_][\w’'-]*")


@dataclass(frozen=True)
class RelatedDoc:
    key: str
    title: str
    text: str
    tags: tuple[str, ...]
    section: str
    published: float  # POSIX timestamp
    picked: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelatedLink:
    key: str
    score: float
    reason: str  # PICKED, SIMILAR or FALLBACK


@dataclass(frozen=True)
class _Features:
    """What the index keeps of one document: its words and their weights, tags, title names."""

    doc: RelatedDoc
    words: tuple[str, ...]  # interned, so a big site keeps one copy of each word
    weights: np.ndarray  # BM25 term-frequency weight of each word
    tags: frozenset[str]
    names: frozenset[str]


def related_posts(docs: Iterable[RelatedDoc], settings: RelatedConfig,
                  language: str = "en") -> dict[str, tuple[RelatedLink, ...]]:
    return RelatedIndex(settings, language).update(docs).lists


class RelatedIndex:
    """Related lists for a set of documents, kept up to date one change at a time."""

    def __init__(self, settings: RelatedConfig, language: str = "en"):
        self.settings = settings
        self.stop = stop_words(language)
        self.features: dict[str, _Features] = {}
        self.lists: dict[str, tuple[RelatedLink, ...]] = {}

    def update(self, changed: Iterable[RelatedDoc] = (), removed: Iterable[str] = ()) -> RelatedIndex:
        """Add or replace `changed`, drop `removed`; recompute exactly the lists that can differ."""
        previous_total = len(self.features)
        touched = [self.features.pop(key) for key in removed if key in self.features]
        for doc in changed:
            old = self.features.get(doc.key)
            if old is not None:
                touched.append(old)
            new = self._features(doc)
            touched.append(new)
            self.features[doc.key] = new
        for key in removed:
            self.lists.pop(key, None)
        if not touched:
            return self
        state = _State(self.features, self.settings, previous_total)
        rows = state.rows if len(self.lists) < len(self.features) // 2 else self._affected(touched, state)
        self.lists.update(state.rank(rows))
        return self

    def _features(self, doc: RelatedDoc) -> _Features:
        counts = Counter(_WORD.findall(doc.text[:BODY_CHARS].lower()))
        for word in _WORD.findall(doc.title.lower()):
            counts[word] += TITLE_WEIGHT
        for word in self.stop & counts.keys():
            del counts[word]
        kept = list(counts.items())
        if len(kept) > WORDS_PER_DOC:  # the most frequent, ties by word, so the choice is stable
            kept = sorted(sorted(kept), key=itemgetter(1), reverse=True)[:WORDS_PER_DOC]
        words, frequencies = zip(*kept) if kept else ((), ())
        frequency = np.array(frequencies, dtype=np.float64)
        weights = frequency * (_K1 + 1) / (frequency + _K1)
        words = tuple(map(sys.intern, words))
        return _Features(doc, words, weights, frozenset(doc.tags), _title_names(doc.title, self.stop))

    def _affected(self, touched: list[_Features], state: _State) -> list[int]:
        """Rows whose list can change: sharing a word, tag or name with the changed articles,
        listing or picking one of them, or showing a fallback from their sections."""
        words = {w for f in touched for w in f.words} | state.flipped_words
        tags = {t for f in touched for t in f.tags}
        names = {n for f in touched for n in f.names}
        keys = {f.doc.key for f in touched}
        sections = {f.doc.section for f in touched}
        rows = []
        for row, key in enumerate(state.keys):
            feature = self.features[key]
            listed = self.lists.get(key, ())
            if (key in keys or not words.isdisjoint(feature.words) or not tags.isdisjoint(feature.tags)
                    or not names.isdisjoint(feature.names) or not keys.isdisjoint(feature.doc.picked)
                    or any(link.key in keys for link in listed)
                    or (feature.doc.section in sections and (not listed or listed[-1].reason == FALLBACK))):
                rows.append(row)
        return rows


def _title_names(title: str, stop: frozenset[str]) -> frozenset[str]:
    """Capitalised words of a title and adjacent pairs of them: 'North Korea', 'Putin'."""
    tokens = _NAME.findall(title)
    capital = [t.lower() if t[0].isupper() and t.lower() not in stop else "" for t in tokens]
    if tokens and all(capital):  # Title Case: every word is capitalised, so none is a name by its case
        return frozenset()
    pairs = {f"{a} {b}" for a, b in zip(capital, capital[1:]) if a and b}
    return frozenset({c for c in capital if c} | pairs)


def _cap(total: int) -> float:
    """Words in more articles than this are too common to say what one is about."""
    return max(20.0, COMMON_SHARE * total)


def _entries(per_doc: list[tuple[tuple[str, ...], np.ndarray]], cap: float = float("inf"),
             previous_cap: float = float("inf")):
    """COO arrays (row, column, weight × rarity) of the entries used by 2..cap documents, and
    the entries whose use changed because the cap moved (the site grew or shrank)."""
    vocabulary = sorted({entry for entries, _ in per_doc for entry in entries})
    column = {entry: i for i, entry in enumerate(vocabulary)}
    rows = np.repeat(np.arange(len(per_doc)), [len(entries) for entries, _ in per_doc])
    cols = np.array(list(map(column.__getitem__, chain.from_iterable(entries for entries, _ in per_doc))),
                    dtype=np.int64)
    weights = np.concatenate([w for _, w in per_doc]) if per_doc else np.zeros(0)
    df = np.bincount(cols, minlength=len(vocabulary))
    used = (df[cols] >= 2) & (df[cols] <= cap)
    flipped = {vocabulary[i] for i in np.nonzero((df <= cap) != (df <= previous_cap))[0]}
    return (rows[used], cols[used], weights[used] * _rarity(df)[cols[used]], len(per_doc), len(vocabulary)), flipped


def _rarity(df: np.ndarray) -> np.ndarray:
    return np.log1p(RARITY_SCALE / np.maximum(df, 1))


class _State:
    """The whole collection as sparse matrices, rebuilt from cached features (cheap, vectorised)."""

    def __init__(self, features: dict[str, _Features], settings: RelatedConfig, previous_total: int):
        self.settings = settings
        self.keys = sorted(features)
        self.rows = list(range(len(self.keys)))
        self.row_of = {key: row for row, key in enumerate(self.keys)}
        docs = [features[key].doc for key in self.keys]
        self.docs = docs
        self.published = np.array([d.published for d in docs], dtype=np.float64)
        sections = sorted({d.section for d in docs})
        self.section = np.array([sections.index(d.section) if d.section else -1 for d in docs])
        total = len(docs)
        ones = np.ones
        words, self.flipped_words = _entries([(features[k].words, features[k].weights) for k in self.keys],
                                             _cap(total), _cap(previous_total))
        tag_sets, _ = _entries([(tuple(features[k].tags), ones(len(features[k].tags))) for k in self.keys])
        name_sets, _ = _entries([(tuple(features[k].names), ones(len(features[k].names))) for k in self.keys])
        self.text = _Signal(*words, by_weight=True, query=QUERY_TERMS, published=self.published, keep=TERMS_PER_DOC)
        self.tags = _Signal(*tag_sets, by_weight=False, query=None, published=self.published)
        self.names = _Signal(*name_sets, by_weight=False, query=None, published=self.published)

    def rank(self, rows: list[int]) -> dict[str, tuple[RelatedLink, ...]]:
        lists: dict[str, tuple[RelatedLink, ...]] = {}
        for start in range(0, len(rows), _ROWS_PER_CHUNK):
            chunk = np.array(rows[start:start + _ROWS_PER_CHUNK], dtype=np.int64)
            lists.update(self._rank_chunk(chunk))
        return lists

    def _rank_chunk(self, chunk: np.ndarray) -> dict[str, tuple[RelatedLink, ...]]:
        s = self.settings
        signals = ((self.text, s.text), (self.tags, s.tags), (self.names, s.entities))
        # A weighted mean over the signals the article has: an untagged article is judged by its text alone.
        weight = sum(w * (signal.norm[chunk] > 0) for signal, w in signals)
        scale = sparse.diags(np.divide(1.0, weight, out=np.zeros(len(chunk)), where=weight > 0))
        content = (scale @ sum(signal.similarity(chunk) * w for signal, w in signals)).tocoo()
        at, col, value = content.row, content.col, content.data
        row = chunk[at]
        keep = (col != row) & (value > 0)
        if not s.include_newer:
            keep &= self.published[col] <= self.published[row]
        at, col, row, value = at[keep], col[keep], row[keep], value[keep]
        same = (self.section[row] == self.section[col]) & (self.section[row] >= 0)
        days = np.abs(self.published[row] - self.published[col]) / 86400
        recency = min(s.recency, 1.0)
        score = value * (1 + s.section * same) * (1 - recency + recency * np.exp(-days / max(s.recency_days, 1)))
        keep = score >= s.threshold
        at, col, score = at[keep], col[keep], score[keep]
        order = np.lexsort((col, -self.published[col], -score, at))  # key order = column order
        at, col, score = at[order], col[order], score[order]
        starts = np.searchsorted(at, np.arange(len(chunk)))
        ends = np.searchsorted(at, np.arange(len(chunk)), side="right")
        return {self.keys[r]: self._links(r, col[a:b], score[a:b]) for r, a, b in zip(chunk, starts, ends)}

    def _links(self, row: int, cols: np.ndarray, scores: np.ndarray) -> tuple[RelatedLink, ...]:
        doc = self.docs[row]
        picked = [RelatedLink(k, 1.0, PICKED) for k in dict.fromkeys(doc.picked) if k in self.row_of and k != doc.key]
        taken = {link.key for link in picked}
        wanted = max(self.settings.count - len(picked), 0)
        best = []
        for c, score in zip(cols.tolist(), scores.tolist()):
            if len(best) >= wanted:
                break
            if self.keys[c] not in taken:
                best.append(RelatedLink(self.keys[c], round(score, 6), SIMILAR))
        if picked or best:
            return tuple(picked + best)
        return tuple(RelatedLink(self.keys[c], 0.0, FALLBACK) for c in self._fallback(row))

    @cached_property
    def _latest_by_section(self) -> dict[int, list[int]]:
        by_section: dict[int, list[int]] = {}
        for r in np.lexsort((np.arange(len(self.keys)), -self.published)).tolist():
            by_section.setdefault(int(self.section[r]), []).append(r)
        return by_section

    def _fallback(self, row: int) -> list[int]:
        """The latest articles of the same section (older ones only, unless include_newer)."""
        latest_first = self._latest_by_section[int(self.section[row])]
        start = 0
        if not self.settings.include_newer:
            start = bisect.bisect_left(latest_first, -self.published[row], key=lambda r: -self.published[r])
        return [r for r in latest_first[start:] if r != row][:self.settings.count]


class _Signal:
    """One index (text words, tags or title names): queries of each row against capped postings."""

    def __init__(self, rows, cols, weights, total, width, *, by_weight: bool, query: int | None,
                 published: np.ndarray, keep: int | None = None):
        if keep is not None:  # only each document's strongest entries
            rank = _rank_within(rows, -weights, cols)
            rows, cols, weights = rows[rank < keep], cols[rank < keep], weights[rank < keep]
        own = _rank_within(rows, -weights, cols)
        asked = own < query if query else np.ones(len(rows), dtype=bool)
        shape = (total, width)
        self.query = sparse.csr_matrix((weights[asked], (rows[asked], cols[asked])), shape=shape)
        self.norm = np.asarray(self.query.multiply(self.query).sum(axis=1) if by_weight else self.query.sum(axis=1)).ravel()
        strength = -weights if by_weight else -published[rows]
        kept = _rank_within(cols, strength, rows) < POSTINGS
        values = weights[kept] if by_weight else np.ones(int(kept.sum()))
        self.postings = sparse.csr_matrix((values, (rows[kept], cols[kept])), shape=shape).T.tocsr()

    def similarity(self, chunk: np.ndarray) -> sparse.csr_matrix:
        """Each chunk row's share (0..1) of its own query weight that a candidate matches."""
        found = self.query[chunk] @ self.postings
        scale = np.divide(1.0, self.norm[chunk], out=np.zeros(len(chunk)), where=self.norm[chunk] > 0)
        found = sparse.diags(scale) @ found
        found.data = np.minimum(found.data, 1.0)
        return found.tocsr()


def _rank_within(groups: np.ndarray, order: np.ndarray, ties: np.ndarray) -> np.ndarray:
    """0-based rank of each entry within its group, by `order` ascending, then `ties`."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    index = np.lexsort((ties, order, groups))
    sorted_groups = groups[index]
    first = np.r_[0, np.nonzero(np.diff(sorted_groups))[0] + 1]
    starts = np.repeat(first, np.diff(np.r_[first, len(groups)]))
    rank = np.empty(len(groups), dtype=np.int64)
    rank[index] = np.arange(len(groups)) - starts
    return rank

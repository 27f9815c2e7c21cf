"""One language's related-posts index: each article's features, and the lists ranked from them."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from functools import cached_property
from itertools import chain, repeat
from typing import Iterable, NamedTuple

import numpy as np
from scipy import sparse

from ..config import RelatedConfig
from ..stopwords import stop_words
from . import BODY_CHARS, FALLBACK, LATEST, PICKED, SIMILAR, RelatedDoc, RelatedLink
from .signals import best_per_row, changed_rows, label_signal, remap, scale_rows, text_signal

TITLE_WEIGHT = 3  # a title word counts as this many body words
COMMON_SHARE = 0.2  # words in more than this share of articles (and over 20 of them) are not indexed
_ROWS_PER_CHUNK = 4096  # articles ranked at a time
_WORD = re.compile(r"[^\W\d_][^\W_]{2,}")
_ASCII_WORD = re.compile(r"[a-z][a-z0-9]{2,}")  # the same words in lowercase ASCII text, found faster
_NAME = re.compile(r"[^\W\d_][\w’'-]*")


class _Features(NamedTuple):
    """What the index keeps of one document: its word ids with their frequencies, tag and name ids."""

    doc: RelatedDoc
    terms: np.ndarray  # int32, shape (2, words): word ids, and how often each occurs (title words count more)
    labels: np.ndarray  # int32: tag ids, then title-name ids
    tag_count: int  # how many of `labels` are tags


class _Ids(dict):
    """A vocabulary: text → id, ids given in first-seen order and never reused."""

    def __init__(self, first: Iterable[str] = ()):
        super().__init__()
        self.texts: list[str] = []
        self._order: np.ndarray | None = None
        for text in first:
            self[text]  # noqa: B018 - gives it an id

    def __missing__(self, text: str) -> int:
        self[text] = new = len(self.texts)
        self.texts.append(text)
        return new

    def order(self) -> np.ndarray:
        """The ids sorted by their text (column → id); its inverse is each id's column."""
        if self._order is None or len(self._order) != len(self.texts):
            self._order = np.array(sorted(range(len(self.texts)), key=self.texts.__getitem__), dtype=np.int64)
        return self._order




class RelatedIndex:
    """Related lists for a set of documents, kept up to date one change at a time."""

    def __init__(self, settings: RelatedConfig, language: str = "en"):
        self.settings = settings
        self.stop = stop_words(language)
        self.features: dict[str, _Features] = {}
        self.lists: dict[str, tuple[RelatedLink, ...]] = {}
        self.words = _Ids(sorted(self.stop))  # stop words first: ids below `_stop_ids` are dropped
        self._stop_ids = len(self.words.texts)
        self.tag_ids = _Ids()
        self.name_ids = _Ids()
        self._state: _State | None = None  # the indexes of the last update, to see what the next one changes

    def update(self, changed: Iterable[RelatedDoc] = (), removed: Iterable[str] = ()) -> RelatedIndex:
        """Add or replace `changed`, drop `removed`; recompute exactly the lists that can differ."""
        removed = list(removed)
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
        old_state, self._state = self._state, None
        state = _State(self)
        if old_state is None or len(self.lists) < len(self.features) // 2:
            rows = state.rows
        else:
            rows = state.affected(old_state, touched, self.lists)
        del old_state
        self.lists.update(state.rank(rows))
        self._state = state
        return self

    def _features(self, doc: RelatedDoc) -> _Features:
        # The title TITLE_WEIGHT times, then the lede: one pass finds and counts the words of both.
        text = " ".join((doc.title,) * TITLE_WEIGHT + (doc.text[:BODY_CHARS],)).lower()
        counts = Counter((_ASCII_WORD if text.isascii() else _WORD).findall(text))
        terms = np.fromiter(chain(map(self.words.__getitem__, counts), counts.values()), dtype=np.int32,
                            count=2 * len(counts)).reshape(2, -1)
        terms = terms[:, terms[0] >= self._stop_ids]
        tags = {self.tag_ids[tag] for tag in doc.tags}
        labels = np.array([*tags, *map(self.name_ids.__getitem__, _title_names(doc.title, self.stop))], dtype=np.int32)
        return _Features(doc, terms, labels, len(tags))



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



class _State:
    """The whole collection as sparse matrices, rebuilt from cached features (vectorised)."""

    def __init__(self, index: RelatedIndex):
        self.settings = index.settings
        self.keys = sorted(index.features)
        total = len(self.keys)
        self.rows = list(range(total))
        self.row_of = {key: row for row, key in enumerate(self.keys)}
        features = [index.features[key] for key in self.keys]
        self.docs = docs = [f.doc for f in features]
        self.published = np.fromiter((d.published for d in docs), dtype=np.float64, count=total)
        sections = sorted({d.section for d in docs} - {""})
        self.section_of = {section: i for i, section in enumerate(sections)} | {"": -1}
        self.section = np.fromiter((self.section_of[d.section] for d in docs), dtype=np.int64, count=total)
        self.picking = [(row, frozenset(d.picked)) for row, d in enumerate(docs) if d.picked]
        # Each article's place among all by date, newest first (ties by key): tags and names keep the newest.
        newest = np.empty(total, dtype=np.int64)
        newest[np.lexsort((np.arange(total), -self.published))] = np.arange(total)
        self.newest = newest
        self.text = text_signal([f.terms for f in features], index.words.order(), _cap(total), newest,
                                 self.settings.include_newer)
        labels = [f.labels for f in features]
        tag_counts = np.fromiter((f.tag_count for f in features), dtype=np.int64, count=total)
        name_counts = np.fromiter((len(f.labels) - f.tag_count for f in features), dtype=np.int64, count=total)
        everything = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int32)
        is_tag = np.repeat(np.tile([True, False], total), np.column_stack((tag_counts, name_counts)).ravel())
        rows = np.repeat(np.arange(total), tag_counts + name_counts)
        self.tags = label_signal(rows[is_tag], everything[is_tag], total, index.tag_ids.order(), newest)
        self.names = label_signal(rows[~is_tag], everything[~is_tag], total, index.name_ids.order(), newest)

    def affected(self, old: _State, touched: list[_Features], lists: dict[str, tuple[RelatedLink, ...]]) -> list[int]:
        """Rows whose list can differ from the one computed with `old`: the changed articles; those whose
        query changed (a word's rarity moved, and so the article's strongest words; the cap of common
        words moved; the article moved to another era of a word); those querying an entry whose postings
        changed (in a second article, not only the changed one) or that offers a changed article as a
        candidate; those picking a changed article; those showing a fallback from the sections of the
        changed articles; and, on any change, those showing the latest of the language (LATEST) or nothing.
        Everything else that a list is made of is the same in both states."""
        total = len(self.keys)
        keys = {f.doc.key for f in touched}
        old_to_new = np.fromiter((self.row_of.get(key, -1) for key in old.keys), dtype=np.int64, count=len(old.keys))
        hit = np.zeros(total + 1, dtype=bool)  # the last one stands for removed articles
        hit[[self.row_of[key] for key in keys if key in self.row_of] + [total]] = True
        rows = hit[:total].copy()
        for new, previous in ((self.text, old.text), (self.tags, old.tags), (self.names, old.names)):
            # Both states' entries in one numbering, by their ids.
            ids = np.union1d(previous.ids, new.ids)
            before, after = np.searchsorted(ids, previous.ids), np.searchsorted(ids, new.ids)
            width = len(ids)
            rows |= changed_rows(remap(previous.query, old_to_new, before, (total, width)),
                                  remap(new.query, None, after, (total, width)))
            # The postings the other way round, removed articles standing as the last one.
            gone = np.where(old_to_new < 0, total, old_to_new)
            entries = changed_rows(remap(previous.postings, before, gone, (width, total + 1)),
                                    remap(new.postings, after, None, (width, total + 1)), hit)
            rows |= new.querying(entries[after])
        for row, picked in self.picking:
            rows[row] |= not keys.isdisjoint(picked)
        sections = [self.section_of[f.doc.section] for f in touched if f.doc.section in self.section_of]
        for row in np.flatnonzero(np.isin(self.section, sections)).tolist():
            listed = lists.get(self.keys[row], ())
            rows[row] |= not listed or listed[-1].reason == FALLBACK
        if self.settings.count:  # the latest of the language: any change can move them (or give one to a list
            for row, key in enumerate(self.keys):  # that had none)
                listed = lists.get(key, ())
                rows[row] |= not listed or listed[-1].reason == LATEST
        return np.flatnonzero(rows).tolist()

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
        content = None
        for signal, w in signals:
            if w:
                part = signal.similarity(chunk)
                part.data *= w
                content = part if content is None else content + part
        if content is None:
            content = sparse.csr_matrix((len(chunk), len(self.keys)))
        scale_rows(content, np.divide(1.0, weight, out=np.zeros(len(chunk)), where=weight > 0))
        recency = min(s.recency, 1.0)
        # No boost or decay lifts a score by more than `most`, so weaker content is dropped before scoring.
        most = max(1.0, 1.0 + s.section) * max(1.0, 1.0 - recency)
        value = content.data
        index = np.flatnonzero((value > 0) & (value * most >= s.threshold * (1 - 1e-9)))
        at = np.searchsorted(content.indptr, index, side="right") - 1
        col, value = content.indices[index].astype(np.int64), value[index]
        row = chunk[at]
        keep = col != row
        if not s.include_newer:
            keep &= self.published[col] <= self.published[row]
        at, col, row, value = at[keep], col[keep], row[keep], value[keep]
        same = (self.section[row] == self.section[col]) & (self.section[row] >= 0)
        days = np.abs(self.published[row] - self.published[col]) / 86400
        score = value * (1 + s.section * same) * (1 - recency + recency * np.exp(-days / max(s.recency_days, 1)))
        keep = score >= s.threshold
        at, col, score = at[keep], col[keep], score[keep]
        keep = best_per_row(at, len(chunk), score, s.count)  # only a row's `count` best can be listed
        at, col, score = at[keep], col[keep], score[keep]
        order = np.lexsort((self.newest[col], -score, at))  # ties: the newer, then the first key
        at, col, score = at[order], col[order], score[order]
        keep = np.arange(len(at)) - np.searchsorted(at, at) < s.count
        at, col, score = at[keep], col[keep], score[keep]
        bounds = np.searchsorted(at, np.arange(len(chunk) + 1)).tolist()
        cols, scores = col.tolist(), list(map(round, score.tolist(), repeat(6)))
        keys, docs, lists = self.keys, self.docs, {}
        for i, row in enumerate(chunk.tolist()):
            a, b = bounds[i], bounds[i + 1]
            if a == b or docs[row].picked:
                lists[keys[row]] = self._links(row, cols[a:b], scores[a:b])
            else:
                lists[keys[row]] = tuple([RelatedLink(keys[c], x, SIMILAR) for c, x in zip(cols[a:b], scores[a:b])])
        return lists

    def _links(self, row: int, cols: list[int], scores: list[float]) -> tuple[RelatedLink, ...]:
        doc = self.docs[row]
        picked = [RelatedLink(k, 1.0, PICKED) for k in dict.fromkeys(doc.picked) if k in self.row_of and k != doc.key]
        taken = {link.key for link in picked}
        wanted = max(self.settings.count - len(picked), 0)
        best = []
        for c, score in zip(cols, scores):
            if len(best) >= wanted:
                break
            if self.keys[c] not in taken:
                best.append(RelatedLink(self.keys[c], score, SIMILAR))
        if picked or best:
            return tuple(picked + best)
        section = self._fallback(row, self._latest_by_section[int(self.section[row])])
        if section:
            return tuple(RelatedLink(self.keys[c], 0.0, FALLBACK) for c in section)
        return tuple(RelatedLink(self.keys[c], 0.0, LATEST) for c in self._fallback(row, self._latest))

    @cached_property
    def _latest_by_section(self) -> dict[int, list[int]]:
        by_section: dict[int, list[int]] = {}
        for r in self._latest:
            by_section.setdefault(int(self.section[r]), []).append(r)
        return by_section

    @cached_property
    def _latest(self) -> list[int]:
        return np.lexsort((np.arange(len(self.keys)), -self.published)).tolist()

    def _fallback(self, row: int, latest_first: list[int]) -> list[int]:
        """The latest of these articles, newest first (older ones only, unless include_newer), but the
        article itself."""
        start = 0
        if not self.settings.include_newer:
            start = bisect.bisect_left(latest_first, -self.published[row], key=lambda r: -self.published[r])
        return [r for r in latest_first[start:start + self.settings.count + 1] if r != row][:self.settings.count]


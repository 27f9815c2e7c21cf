"""One language's related-posts index: each article's features, and the lists ranked from them."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from functools import cached_property
from itertools import repeat
from typing import Iterable, NamedTuple

import numpy as np
from scipy import sparse

from ..config import RelatedConfig
from ..parallel import SERIAL_BELOW, job_count, parallel_imap
from ..stopwords import stop_words
from . import FALLBACK, LATEST, PICKED, SIMILAR, TEXT_CHARS, RelatedDoc, RelatedLink
from .signals import Signal, best_per_row, changed_rows, label_signal, pair_scores, remap, scale_rows, text_signal

TITLE_WEIGHT = 3  # a title word counts as this many body words
COMMON_SHARE = 0.2  # words in more than this share of articles (and over 20 of them) are not indexed
CANDIDATES = 24  # per article, the best the index lookups find: these are scored exactly
NEIGHBOURS = 8  # per article, its best candidates by exact score: its neighbours
SHARED = 0.2  # weight of the similarity of two articles' neighbours, added to their content score
_ROWS_PER_CHUNK = 2048  # articles scored or ranked at a time
PARALLEL_FROM = 2000  # documents: fewer have their words counted in this process
_WORD = re.compile(r"[^\W\d_][^\W_]{2,}")
_ASCII_WORD = re.compile(r"[a-z][a-z0-9]{2,}")  # the same words in lowercase ASCII text, found faster


class _Features(NamedTuple):
    """What the index keeps of one document: its word ids with their frequencies, and its tag ids."""

    doc: RelatedDoc
    terms: np.ndarray  # int32, shape (2, words): word ids, and how often each occurs (title words count more)
    tags: np.ndarray  # int32: tag ids


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

    def __init__(self, settings: RelatedConfig, language: str = "en", jobs: int = 0):
        self.settings = settings
        self.jobs = jobs  # processes that count the words of many documents at once (0: one per core)
        self.stop = stop_words(language)
        self.features: dict[str, _Features] = {}
        self.lists: dict[str, tuple[RelatedLink, ...]] = {}
        self.words = _Ids(sorted(self.stop))  # stop words first: ids below `_stop_ids` are dropped
        self._stop_ids = len(self.words.texts)
        self.tag_ids = _Ids()
        self._state: _State | None = None  # the indexes of the last update, to see what the next one changes

    def update(self, changed: Iterable[RelatedDoc] = (), removed: Iterable[str] = ()) -> RelatedIndex:
        """Add or replace `changed`, drop `removed`; recompute exactly the lists that can differ."""
        removed = list(removed)
        touched = [self.features.pop(key).doc for key in removed if key in self.features]
        changed = list(changed)
        for doc, terms in zip(changed, self._terms(changed)):
            old = self.features.get(doc.key)
            if old is not None:
                touched.append(old.doc)
            touched.append(doc)
            tags = sorted({self.tag_ids[tag] for tag in doc.tags}) if doc.tags else ()
            self.features[doc.key] = _Features(doc, terms, np.array(tags, dtype=np.int32))
        for key in removed:
            self.lists.pop(key, None)
        if not touched:
            return self
        old_state, self._state = self._state, None
        state = _State(self)
        if old_state is None or len(self.lists) < len(self.features) // 2:
            rows = state.find()
        else:
            rows = state.find(old_state, touched, self.lists)
        del old_state
        self.lists.update(state.rank(rows))
        self._state = state
        return self

    def _terms(self, docs: list[RelatedDoc]) -> list[np.ndarray]:
        """Each document's word ids and how often each occurs. Counting the words of a whole site's text is
        most of the work of a first update (about 0.15 ms for a 3,500-character article): from
        PARALLEL_FROM documents on, parts of them are counted on `jobs` processes, each part with a
        vocabulary of its own, which is then mapped to the index's."""
        jobs = job_count(self.jobs)
        if jobs <= 1 or len(docs) < PARALLEL_FROM:
            parts: Iterable = [_counted(docs)]
        else:
            size = max(1, len(docs) // SERIAL_BELOW)  # parts enough (SERIAL_BELOW or more) to spread over processes
            parts = parallel_imap(lambda start: _counted(docs[start:start + size]), range(0, len(docs), size), jobs)
        found = []  # (each part's words are let go once they have the index's ids)
        for words, ids, counts, lengths in parts:
            terms = np.stack((np.fromiter(map(self.words.__getitem__, words), dtype=np.int32, count=len(words))[ids],
                              counts))
            kept = terms[0] >= self._stop_ids
            ends = np.cumsum(np.bincount(np.repeat(np.arange(len(lengths)), lengths)[kept], minlength=len(lengths)))
            found += np.split(terms[:, kept], ends[:-1], axis=1)
        return found


def _counted(docs: list[RelatedDoc]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The words of these documents (in first-seen order); for each document in turn, the places of its
    words in that list and how often each occurs (the title TITLE_WEIGHT times, then the text), all in
    two arrays; and how many words each document has."""
    place = _Ids()
    ids, counts = [], []
    for doc in docs:
        text = " ".join((doc.title,) * TITLE_WEIGHT + (doc.text[:TEXT_CHARS],)).lower()
        found = Counter((_ASCII_WORD if text.isascii() else _WORD).findall(text))
        ids.append(np.fromiter(map(place.__getitem__, found), dtype=np.int32, count=len(found)))
        counts.append(np.fromiter(found.values(), dtype=np.int32, count=len(found)))
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    empty = np.zeros(0, dtype=np.int32)
    return place.texts, np.concatenate(ids) if ids else empty, np.concatenate(counts) if counts else empty, lengths


def _cap(total: int) -> float:
    """Words in more articles than this are too common to say what one is about."""
    return max(20.0, COMMON_SHARE * total)


def _matrix(data: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """A CSR matrix with its indices sorted in every row, from distinct entries; columns past the shape's
    (removed articles) are left out."""
    keep = cols < shape[1]
    matrix = sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=shape)
    matrix.sort_indices()
    return matrix


class _State:
    """The whole collection as sparse matrices, rebuilt from cached features (vectorised), and what the
    ranking found from them: each article's candidates with their exact scores, and its neighbours."""

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
        # Each article's place among all by date, newest first (ties by key): tags keep the newest.
        newest = np.empty(total, dtype=np.int64)
        newest[np.lexsort((np.arange(total), -self.published))] = np.arange(total)
        self.newest = newest
        self.text = text_signal([f.terms for f in features], index.words.order(), _cap(total), newest,
                                 self.settings.include_newer)
        rows = np.repeat(np.arange(total), np.fromiter((len(f.tags) for f in features), dtype=np.int64, count=total))
        tags = np.concatenate([f.tags for f in features]) if features else np.zeros(0, dtype=np.int32)
        self.tags = label_signal(rows, tags, total, index.tag_ids.order(), newest)
        self.candidates = sparse.csr_matrix((total, total))  # each row's candidates: their exact content score
        self.neighbours = sparse.csr_matrix((total, total))  # each row's neighbour vector (see _set_neighbours)

    @property
    def _signals(self) -> tuple[tuple[Signal, float], ...]:
        return (self.text, self.settings.text), (self.tags, self.settings.tags)

    def find(self, old: _State | None = None, touched: Iterable[RelatedDoc] = (),
             lists: dict[str, tuple[RelatedLink, ...]] | None = None) -> list[int]:
        """Find every row's candidates and neighbours, computing again only what can differ from `old`
        (all of it without one), and return the rows whose lists have to be ranked again."""
        total = len(self.keys)
        if old is None:
            self._candidates(np.arange(total), np.zeros(total, dtype=bool), None)
            return self.rows
        keys = {doc.key for doc in touched}
        old_to_new = np.fromiter((self.row_of.get(key, -1) for key in old.keys), dtype=np.int64, count=len(old.keys))
        gone = np.where(old_to_new < 0, total, old_to_new)  # removed articles stand as one more column
        hit = np.zeros(total + 1, dtype=bool)
        hit[[self.row_of[key] for key in keys if key in self.row_of] + [total]] = True
        # Rows whose lookups can find other candidates: their query changed, or the postings they reach.
        looked = hit[:total].copy()
        changed = hit.copy()  # and documents whose vectors changed, which every pair with them scores again
        for new, previous in zip((s for s, _ in self._signals), (s for s, _ in old._signals)):
            ids = np.union1d(previous.ids, new.ids)
            before, after = np.searchsorted(ids, previous.ids), np.searchsorted(ids, new.ids)
            width = len(ids)
            looked |= changed_rows(remap(previous.query, old_to_new, before, (total, width)),
                                   remap(new.query, None, after, (total, width)))
            entries = changed_rows(remap(previous.postings, before, gone, (width, total + 1)),
                                   remap(new.postings, after, None, (width, total + 1)), hit)
            looked |= new.querying(entries[after])
            ids = np.union1d(previous.features, new.features)
            before, after = np.searchsorted(ids, previous.features), np.searchsorted(ids, new.features)
            for mine, theirs in ((new.vectors, previous.vectors), (new.marks, previous.marks)):
                changed[:total] |= changed_rows(remap(theirs, old_to_new, before, (total, len(ids))),
                                                remap(mine, None, after, (total, len(ids))))
        carried = remap(old.candidates, old_to_new, gone, (total, total + 1))
        scored = looked | changed[:total] | changed_rows(carried, carried, changed)
        self.candidates = _shrunk(carried, total)  # (only rows not scored again keep theirs)
        earlier = self.neighbours = remap(old.neighbours, old_to_new, gone, (total, total + 1))
        self._candidates(np.flatnonzero(scored), looked, carried)
        moved = np.zeros(total + 1, dtype=bool)  # neighbour lists that changed, and removed articles
        moved[:total] = changed_rows(self.neighbours, earlier)
        moved[total] = True
        self.neighbours = _shrunk(self.neighbours, total)
        rows = scored | changed_rows(carried, carried, moved) | changed_rows(self.candidates, self.candidates,
                                                                              moved[:total])
        for row, picked in self.picking:
            rows[row] |= not keys.isdisjoint(picked)
        sections = [self.section_of[d.section] for d in touched if d.section in self.section_of]
        for row in np.flatnonzero(np.isin(self.section, sections)).tolist():
            listed = lists.get(self.keys[row], ())
            rows[row] |= not listed or listed[-1].reason == FALLBACK
        if self.settings.count:  # the latest of the language: any change can move them (or give one to a list
            for row, key in enumerate(self.keys):  # that had none)
                listed = lists.get(key, ())
                rows[row] |= not listed or listed[-1].reason == LATEST
        return np.flatnonzero(rows).tolist()

    def _candidates(self, rows: np.ndarray, looked: np.ndarray, carried: sparse.csr_matrix | None) -> None:
        """Score these rows' candidates exactly and set their neighbours: candidates found again by the
        lookups for rows in `looked`, else those `carried` over from the last state."""
        found = []
        for start in range(0, len(rows), _ROWS_PER_CHUNK):
            chunk = rows[start:start + _ROWS_PER_CHUNK]
            again = chunk[looked[chunk]] if carried is not None else chunk
            at, col = self._lookup(again)
            pair_rows = again[at]
            if carried is not None:
                kept = chunk[~looked[chunk]]
                part = carried[kept]
                pair_rows = np.concatenate((pair_rows, np.repeat(kept, np.diff(part.indptr))))
                col = np.concatenate((col, part.indices.astype(np.int64)))  # (none removed: those are looked up)
            found.append((pair_rows, col, self._content(pair_rows, col)))
        pair_rows, cols, values = (np.concatenate(part) for part in zip(*found)) if found else (
            np.zeros(0, dtype=np.int64),) * 3
        self.candidates = _replaced(self.candidates, rows, pair_rows, cols, values)
        self._set_neighbours(rows)

    def _lookup(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The CANDIDATES best other articles of each chunk row by the index lookups: (chunk place, row)."""
        s = self.settings
        weight = sum(w * (signal.norm[chunk] > 0) for signal, w in self._signals)
        content = None
        for signal, w in self._signals:
            if w:
                part = signal.similarity(chunk)
                part.data *= w
                content = part if content is None else content + part
        if content is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        scale_rows(content, np.divide(1.0, weight, out=np.zeros(len(chunk)), where=weight > 0))
        at = np.repeat(np.arange(len(chunk)), np.diff(content.indptr))
        col, value = content.indices.astype(np.int64), content.data
        keep = (col != chunk[at]) & (value > 0)
        if not s.include_newer:
            keep &= self.published[col] <= self.published[chunk[at]]
        at, col, value = at[keep], col[keep], value[keep]
        best = self._best(at, len(chunk), col, value, CANDIDATES)
        return at[best], col[best]

    def _content(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The exact content score of each pair: a weighted mean of the signals the row's article has."""
        weight = sum(w * (signal.norm[rows] > 0) for signal, w in self._signals)
        content = np.zeros(len(rows))
        for signal, w in self._signals:
            if w and len(rows):
                content += w * signal.scores(rows, cols)
        return np.divide(content, weight, out=np.zeros(len(rows)), where=weight > 0)

    def _set_neighbours(self, rows: np.ndarray) -> None:
        """Each row's neighbour vector: its NEIGHBOURS best candidates, weighted by their scores, scaled to
        length 1. Two articles whose vectors overlap are resembled by the same third articles."""
        part = self.candidates[rows]
        at = np.repeat(np.arange(len(rows)), np.diff(part.indptr))
        col, value = part.indices.astype(np.int64), part.data
        best = self._best(at, len(rows), col, value, NEIGHBOURS)
        at, col, value = at[best], col[best], value[best]
        length = np.sqrt(np.bincount(at, weights=value * value, minlength=len(rows)))
        self.neighbours = _replaced(self.neighbours, rows, rows[at], col, value / length[at])

    def _best(self, at: np.ndarray, rows: int, col: np.ndarray, value: np.ndarray, limit: int) -> np.ndarray:
        """Which entries (indices, row after row, best first) are the `limit` best of their row (`at`, of
        `rows`) by value, ties going to the newer article, then the first key: a partition finds the few
        that can be kept, and only those are sorted."""
        index = np.flatnonzero(best_per_row(at, rows, value, limit))
        index = index[np.lexsort((self.newest[col[index]], -value[index], at[index]))]
        first = at[index]
        return index[np.arange(len(index)) - np.searchsorted(first, first) < limit]

    def rank(self, rows: list[int]) -> dict[str, tuple[RelatedLink, ...]]:
        lists: dict[str, tuple[RelatedLink, ...]] = {}
        for start in range(0, len(rows), _ROWS_PER_CHUNK):
            chunk = np.array(rows[start:start + _ROWS_PER_CHUNK], dtype=np.int64)
            lists.update(self._rank_chunk(chunk))
        return lists

    def _rank_chunk(self, chunk: np.ndarray) -> dict[str, tuple[RelatedLink, ...]]:
        s = self.settings
        part = self.candidates[chunk]
        at = np.repeat(np.arange(len(chunk)), np.diff(part.indptr))
        col, content = part.indices.astype(np.int64), part.data
        row = chunk[at]
        shared = pair_scores(self.neighbours, self.neighbours, row, col) if len(row) else np.zeros(0)
        same = (self.section[row] == self.section[col]) & (self.section[row] >= 0)
        days = np.abs(self.published[row] - self.published[col]) / 86400
        recency = min(s.recency, 1.0)
        score = (content + SHARED * shared) * (1 + s.section * same) * (
            1 - recency + recency * np.exp(-days / max(s.recency_days, 1)))
        keep = score >= s.threshold
        at, col, score = at[keep], col[keep], score[keep]
        best = self._best(at, len(chunk), col, score, s.count)
        at, col, score = at[best], col[best], score[best]
        bounds = np.searchsorted(at, np.arange(len(chunk) + 1)).tolist()
        cols, scores = col.tolist(), list(map(round, score.tolist(), repeat(6)))
        keys, docs, lists = self.keys, self.docs, {}
        # Made by tuple.__new__, a builtin: RelatedLink(...) runs Python code for each of 500,000 links.
        links = list(map(tuple.__new__, repeat(RelatedLink), zip(map(keys.__getitem__, cols), scores, repeat(SIMILAR))))
        for i, row in enumerate(chunk.tolist()):
            a, b = bounds[i], bounds[i + 1]
            if a == b or docs[row].picked:
                lists[keys[row]] = self._links(row, cols[a:b], scores[a:b])
            else:
                lists[keys[row]] = tuple(links[a:b])
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



def _replaced(matrix: sparse.csr_matrix, rows: np.ndarray, new_rows: np.ndarray, new_cols: np.ndarray,
              values: np.ndarray) -> sparse.csr_matrix:
    """`matrix` with the entries of `rows` replaced by the new entries (all in those rows)."""
    kept = np.ones(matrix.shape[0], dtype=bool)
    kept[rows] = False
    old_rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    mask = kept[old_rows]
    return _matrix(np.concatenate((matrix.data[mask], values)), np.concatenate((old_rows[mask], new_rows)),
                   np.concatenate((matrix.indices[mask].astype(np.int64), new_cols)), matrix.shape)


def _shrunk(matrix: sparse.csr_matrix, total: int) -> sparse.csr_matrix:
    """An articles × (articles + removed) matrix without the column of removed articles."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    return _matrix(matrix.data, rows, matrix.indices.astype(np.int64), (matrix.shape[0], total))

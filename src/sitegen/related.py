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
fallback. Ties break by date, then key, so the input order never matters.

`RelatedByLanguage` keeps one index per language, so that an article is only
ever related to articles in its own language, each with its stop words.

Words, tags and names get integer ids from vocabularies kept by the index (in
first-seen order, never forgotten); wherever order matters (matrix columns,
and so every tie between equal weights and the order of every sum) they are
ranked by their text, never by their id.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, repeat
from typing import Iterable, NamedTuple

import numpy as np
from scipy import sparse

from .cache import ByIdentity
from .config import RelatedConfig
from .stopwords import stop_words

PICKED, SIMILAR, FALLBACK = "picked", "similar", "fallback"
TITLE_WEIGHT = 3  # a title word counts as this many body words
BODY_CHARS = 1500  # about 220 words: the lede carries the topic; the rest adds cost, not signal
TERMS_PER_DOC = 40  # the strongest words (frequency × rarity) of each article are indexed
QUERY_TERMS = 10  # of those, the ones that look up candidates
ERA = 32  # a word's articles, oldest first, in eras of this many: a query reaches its own era and the one before
POSTINGS = 64  # articles kept per tag or name: the newest
RARITY_SCALE = 100_000.0  # rarity = log(1 + RARITY_SCALE / df): independent of the site's size
COMMON_SHARE = 0.2  # words in more than this share of articles (and over 20 of them) are not indexed
_K1 = 1.2  # BM25 term-frequency saturation
_ROWS_PER_CHUNK = 4096  # articles ranked at a time
_DOCS_PER_BLOCK = 8192  # articles whose words are weighed at a time
_WIDE_ROW = 512  # rows longer than this are sorted apart (see _best_in_rows), not widening a whole grid
_KEY_LIMIT = 2 ** 63  # sort keys that would not fit an int64 take the slower lexsort
_WORD = re.compile(r"[^\W\d_][^\W_]{2,}")
_ASCII_WORD = re.compile(r"[a-z][a-z0-9]{2,}")  # the same words in lowercase ASCII text, found faster
_NAME = re.compile(r"[^\W\d_][\w’'-]*")


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


@dataclass(frozen=True, slots=True)
class RelatedLink:
    key: str
    score: float
    reason: str  # PICKED, SIMILAR or FALLBACK


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


class RelatedByLanguage:
    """One RelatedIndex per language (by `RelatedDoc.language`), updated the same way: lists never cross
    languages, and each language's words are judged against its own stop words and its own articles."""

    def __init__(self, settings: RelatedConfig):
        self.settings = settings
        self.indexes: dict[str, RelatedIndex] = {}
        self._language_of: dict[str, str] = {}  # document key → language
        self.made_from = ByIdentity()  # for the caller: each document by what it was made from

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
                self.indexes[language] = RelatedIndex(self.settings, language or "en")
            self.indexes[language].update(docs, gone)
        return self


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


def _rarity(df: np.ndarray) -> np.ndarray:
    return np.log1p(RARITY_SCALE / np.maximum(df, 1))


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
        self.text = _text_signal([f.terms for f in features], index.words.order(), _cap(total), newest,
                                 self.settings.include_newer)
        labels = [f.labels for f in features]
        tag_counts = np.fromiter((f.tag_count for f in features), dtype=np.int64, count=total)
        name_counts = np.fromiter((len(f.labels) - f.tag_count for f in features), dtype=np.int64, count=total)
        everything = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int32)
        is_tag = np.repeat(np.tile([True, False], total), np.column_stack((tag_counts, name_counts)).ravel())
        rows = np.repeat(np.arange(total), tag_counts + name_counts)
        self.tags = _label_signal(rows[is_tag], everything[is_tag], total, index.tag_ids.order(), newest)
        self.names = _label_signal(rows[~is_tag], everything[~is_tag], total, index.name_ids.order(), newest)

    def affected(self, old: _State, touched: list[_Features], lists: dict[str, tuple[RelatedLink, ...]]) -> list[int]:
        """Rows whose list can differ from the one computed with `old`: the changed articles; those whose
        query changed (a word's rarity moved, and so the article's strongest words; the cap of common
        words moved; the article moved to another era of a word); those querying an entry whose postings
        changed (in a second article, not only the changed one) or that offers a changed article as a
        candidate; those picking a changed article; and those showing a fallback from the sections of the
        changed articles. Everything else that a list is made of is the same in both states."""
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
            rows |= _changed_rows(_remap(previous.query, old_to_new, before, (total, width)),
                                  _remap(new.query, None, after, (total, width)))
            # The postings the other way round, removed articles standing as the last one.
            gone = np.where(old_to_new < 0, total, old_to_new)
            entries = _changed_rows(_remap(previous.postings, before, gone, (width, total + 1)),
                                    _remap(new.postings, after, None, (width, total + 1)), hit)
            rows |= new.querying(entries[after])
        for row, picked in self.picking:
            rows[row] |= not keys.isdisjoint(picked)
        sections = [self.section_of[f.doc.section] for f in touched if f.doc.section in self.section_of]
        for row in np.flatnonzero(np.isin(self.section, sections)).tolist():
            listed = lists.get(self.keys[row], ())
            rows[row] |= not listed or listed[-1].reason == FALLBACK
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
        _scale_rows(content, np.divide(1.0, weight, out=np.zeros(len(chunk)), where=weight > 0))
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
        keep = _best_per_row(at, len(chunk), score, s.count)  # only a row's `count` best can be listed
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
        return [r for r in latest_first[start:start + self.settings.count + 1] if r != row][:self.settings.count]


class _Signal:
    """One index (text words, tags or title names): each row's query (its entries, columns in text order)
    against the postings (for each entry, the documents kept for it)."""

    def __init__(self, query: sparse.csr_matrix, norm: np.ndarray, postings: sparse.csr_matrix, ids: np.ndarray):
        self.query = query  # documents × entries
        self.norm = norm  # what a document matching its whole query scores, to scale to 0..1
        self.postings = postings  # entries × documents
        self.ids = ids  # column → an id that stays the same across updates, to compare with an earlier state

    def similarity(self, chunk: np.ndarray) -> sparse.csr_matrix:
        """Each chunk row's share (0..1) of its own query weight that a candidate matches."""
        found = self.query[chunk] @ self.postings
        scale = np.divide(1.0, self.norm[chunk], out=np.zeros(len(chunk)), where=self.norm[chunk] > 0)
        _scale_rows(found, scale)
        np.minimum(found.data, 1.0, out=found.data)
        return found

    def querying(self, columns: np.ndarray) -> np.ndarray:
        """For each row: does its query hold one of these columns (a mask)?"""
        total = self.query.shape[0]
        rows = np.zeros(total, dtype=bool)
        rows[np.repeat(np.arange(total), np.diff(self.query.indptr))[columns[self.query.indices]]] = True
        return rows


def _changed_rows(before: sparse.csr_matrix, after: sparse.csr_matrix, hit: np.ndarray | None = None) -> np.ndarray:
    """For each row: does it differ between the two matrices, or hold a column in `hit`?"""
    changed = np.diff((before != after).indptr) > 0
    if hit is not None:
        for matrix in (before, after):
            changed[np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))[hit[matrix.indices]]] = True
    return changed


def _remap(matrix: sparse.csr_matrix, row_to: np.ndarray | None, column_to: np.ndarray | None,
           shape: tuple[int, int]) -> sparse.csr_matrix:
    """`matrix` with rows and columns renumbered (None: kept), dropping the rows mapped below 0."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    cols, data = matrix.indices, matrix.data
    if row_to is not None:
        rows = row_to[rows]
    if column_to is not None:
        cols = column_to[cols]
    keep = rows >= 0
    return sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=shape)


def _scale_rows(matrix: sparse.csr_matrix, scale: np.ndarray) -> None:
    matrix.data *= np.repeat(scale, np.diff(matrix.indptr))


def _text_signal(terms: list[np.ndarray], order: np.ndarray, cap: float, newest: np.ndarray,
                 newer: bool) -> _Signal:
    """Words: each document's TERMS_PER_DOC strongest words (BM25 weight × rarity, ties in text order)
    are its entries, QUERY_TERMS of them its query. A word's documents, oldest first, make eras of ERA:
    the query reaches the era of the document and the one before (and the one after, if newer articles
    may be listed), so that a word used by many documents offers the ones nearest in time."""
    total, width = len(terms), len(order)
    column = np.empty(width, dtype=np.int64)
    column[order] = np.arange(width)
    blocks = [terms[start:start + _DOCS_PER_BLOCK] for start in range(0, total, _DOCS_PER_BLOCK)]
    df = np.zeros(width, dtype=np.int64)
    frequencies = np.zeros(1, dtype=np.int64)  # how many entries have each frequency
    for block in blocks:
        ids, frequency = np.concatenate(block, axis=1)
        df += np.bincount(ids, minlength=width)
        seen = np.bincount(frequency)
        frequencies = np.pad(frequencies, (0, max(len(seen) - len(frequencies), 0)))
        frequencies[:len(seen)] += seen
    usable = (df >= 2) & (df <= cap)
    # Every weight is bm25(frequency) × rarity(df): a small table of them gives each weight an integer
    # rank (equal weights, equal ranks), so that (weight, column) is one integer key to sort.
    f_values = np.flatnonzero(frequencies).astype(np.float64)
    f_index = np.cumsum(frequencies > 0) - 1
    d_values, d_index = np.unique(np.where(usable, df, 0), return_inverse=True)
    table = f_values[:, None] * (_K1 + 1) / (f_values[:, None] + _K1) * _rarity(d_values)[None, :]
    negated, weight_rank = np.unique(-table, return_inverse=True)
    key_of = weight_rank.reshape(table.shape).astype(np.int64) * width  # + column: the key of an entry
    span = max(len(negated), 1)

    found = []
    for number, block in enumerate(blocks):
        lengths = np.fromiter((t.shape[1] for t in block), dtype=np.int64, count=len(block))
        ids, frequency = np.concatenate(block, axis=1)
        rows = np.repeat(np.arange(len(block)), lengths)
        used = usable[ids]
        ids, frequency, rows = ids[used], frequency[used], rows[used]
        rows, keys, place = _best_in_rows(rows, len(block), key_of[f_index[frequency], d_index[ids]] + column[ids],
                                          TERMS_PER_DOC)
        weight_rank, cols = np.divmod(keys, width)
        found.append(((rows + number * _DOCS_PER_BLOCK).astype(np.int32), cols.astype(np.int32),
                      weight_rank.astype(np.int32), place.astype(np.int16)))
    rows, cols, weight_rank, place = (np.concatenate(parts) for parts in zip(*found)) if found else (
        np.zeros(0, dtype=np.int32),) * 4
    del found
    # Entries by word, then age (oldest first, ties by key): a word's eras are runs of ERA of them.
    age = total - 1 - newest
    if width * total * span * 2 < _KEY_LIMIT:  # one integer key holds it all, so one sort
        keys = cols.astype(np.int64)
        keys *= total
        keys += age[rows]
        keys *= span
        keys += weight_rank
        keys *= 2
        keys += place < QUERY_TERMS
        del rows, cols, weight_rank, place
        keys.sort()
        asked = (keys & 1).astype(bool)
        keys >>= 1
        weights = -negated[keys % span]
        keys //= span
    else:
        index = np.lexsort((age[rows], cols))
        keys = cols[index].astype(np.int64) * total + age[rows[index]]
        weights = -negated[weight_rank[index]]
        asked = place[index] < QUERY_TERMS
        del rows, cols, weight_rank, place, index
    cols = keys // total
    rows = np.argsort(age)[keys % total]
    del keys
    size = np.bincount(cols, minlength=width)
    eras = np.maximum(-(-size // ERA), 1)  # every word has an era, even an empty one
    first = np.cumsum(eras) - eras  # the column of a word's first era
    count = int(eras.sum())
    sizes = np.full(count, ERA, dtype=np.int64)
    sizes[first + eras - 1] = size - ERA * (eras - 1)
    # The query: each of its words in the document's own era, the one before (and the one after).
    index = np.flatnonzero(asked)
    own = (index - (np.cumsum(size) - size)[cols[index]]) // ERA
    asked_rows, asked_cols, asked_weights = rows[index], cols[index], weights[index]
    del cols, asked, index
    # (The matrix takes `weights` as it is, and sorting its rows reorders it.)
    postings = sparse.csr_matrix((weights, rows.astype(np.int32), np.r_[0, np.cumsum(sizes)]), shape=(count, total))
    postings.sort_indices()
    del rows, weights
    weights = asked_weights
    norm = np.bincount(asked_rows, weights=weights * weights, minlength=total)  # in column order, as a row's
    parts = [(asked_rows, first[asked_cols] + own, weights)]
    for step in (-1, 1) if newer else (-1,):
        there = (own + step >= 0) & (own + step < eras[asked_cols])
        parts.append((asked_rows[there], first[asked_cols[there]] + own[there] + step, weights[there]))
    asked_rows, asked_cols, weights = (np.concatenate(part) for part in zip(*parts))
    query = _csr(weights, asked_rows, asked_cols, (total, count))
    # An era is known across updates by its word's id and its number.
    ids = np.repeat(order, eras) * 2 ** 32 + (np.arange(count) - np.repeat(first, eras))
    return _Signal(query, norm, postings, ids)


def _label_signal(rows: np.ndarray, ids: np.ndarray, total: int, order: np.ndarray, newest: np.ndarray) -> _Signal:
    """Tags or names: every one used by two documents or more is an entry, weighted by its rarity in the
    query; each keeps the POSTINGS newest documents."""
    width = len(order)
    column = np.empty(width, dtype=np.int64)
    column[order] = np.arange(width)
    df = np.bincount(ids, minlength=width)
    used = df[ids] >= 2
    rows, ids = rows[used], ids[used]
    cols = column[ids]
    query = _csr(_rarity(df)[ids], rows, cols, (total, width))
    norm = np.bincount(np.repeat(np.arange(total), np.diff(query.indptr)), weights=query.data, minlength=total)
    by_date = np.argsort(newest)
    cols, places = _best_in_groups(cols, newest[rows], total, POSTINGS)
    postings = _csr(np.ones(len(cols)), cols, by_date[places], (width, total))
    return _Signal(query, norm, postings, order)


def _csr(data: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """A canonical CSR matrix (indices sorted in every row) from distinct (row, column) entries."""
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=shape)
    matrix.sort_indices()
    return matrix


def _best_in_rows(rows: np.ndarray, count: int, key: np.ndarray, limit: int):
    """The `limit` smallest keys (distinct within a row, >= 0) of each of `count` rows, given row after
    row: (rows, keys, places 0..limit-1)."""
    lengths = np.bincount(rows, minlength=count)
    position = np.arange(len(rows)) - (np.cumsum(lengths) - lengths)[rows]
    wide = lengths > _WIDE_ROW  # a few very long rows get a grid of their own
    found = []
    for members in (np.flatnonzero(~wide), np.flatnonzero(wide)) if wide.any() else (None,):
        if members is None:  # every row
            entries, slots = slice(None), rows
        elif len(members):
            slot = np.full(count, -1)
            slot[members] = np.arange(len(members))
            entries = np.flatnonzero(slot[rows] >= 0)
            slots = slot[rows[entries]]
        else:
            continue
        grid = np.full((count if members is None else len(members), int(lengths.max() if members is None else
                        lengths[members].max())), np.iinfo(np.int64).max, dtype=np.int64)
        grid[slots, position[entries]] = key[entries]
        grid.sort(axis=1)
        grid = grid[:, :limit]
        at, place = np.nonzero(grid < np.iinfo(np.int64).max)
        found.append((at if members is None else members[at], grid[at, place], place))
    if not found:
        return (np.zeros(0, dtype=np.int64),) * 3
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _best_per_row(rows: np.ndarray, count: int, score: np.ndarray, limit: int) -> np.ndarray:
    """Which entries (given row after row) have one of the `limit` highest scores of their row, ties
    with the last included."""
    if limit <= 0:
        return np.zeros(len(rows), dtype=bool)
    lengths = np.bincount(rows, minlength=count)
    kept = np.ones(len(rows), dtype=bool)
    if len(rows) == 0 or lengths.max() <= limit:
        return kept
    position = np.arange(len(rows)) - (np.cumsum(lengths) - lengths)[rows]
    long = np.flatnonzero(lengths > limit)
    wide = lengths[long] > _WIDE_ROW  # a few very long rows get a grid of their own
    for part in (long[~wide], long[wide]):
        if len(part) == 0:
            continue
        at = np.full(count, -1)
        at[part] = np.arange(len(part))
        entries = np.flatnonzero(at[rows] >= 0)
        grid = np.full((len(part), int(lengths[part].max())), np.inf)
        grid[at[rows[entries]], position[entries]] = -score[entries]
        cut = np.partition(grid, limit - 1, axis=1)[:, limit - 1]
        kept[entries] = -score[entries] <= cut[at[rows[entries]]]
    return kept


def _best_in_groups(groups: np.ndarray, key: np.ndarray, span: int, limit: int):
    """The `limit` smallest keys (distinct within a group, 0 <= key < span) of each group: (groups, keys)."""
    if len(groups) == 0:
        return groups, key
    size = np.bincount(groups)
    big = size[groups] > limit
    if not big.any():
        return groups, key
    small_groups, small_keys = groups[~big], key[~big]
    crowded = np.flatnonzero(size > limit)  # in order, as the sort below leaves them
    starts = np.cumsum(size[crowded]) - size[crowded]
    first = (starts[:, None] + np.arange(limit)[None, :]).ravel()  # the best `limit` of each
    if (int(groups.max()) + 1) * span < _KEY_LIMIT:
        combined = groups[big].astype(np.int64)
        combined *= span
        combined += key[big]
        combined.sort()
        big_groups, big_keys = np.divmod(combined[first], span)
    else:
        index = np.lexsort((key[big], groups[big]))[first]
        big_groups, big_keys = groups[big][index], key[big][index]
    return np.concatenate((small_groups, big_groups)), np.concatenate((small_keys, big_keys))

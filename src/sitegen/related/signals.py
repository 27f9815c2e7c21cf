"""The sparse matrices behind an index: for each signal (text words, tags), each article's query,
each entry's postings and each article's vector, built vectorised from all articles' features."""

from __future__ import annotations

import numpy as np
from scipy import sparse

TERMS_PER_DOC = 64  # the strongest words of each article's vector are kept: they carry nearly all of its length
QUERY_TERMS = 16  # of those, the ones that look up candidates
ERA = 32  # a word's articles, oldest first, in eras of this many: a query reaches its own era and the one before
POSTINGS = 64  # articles kept per tag: the newest
_DOCS_PER_BLOCK = 8192  # articles whose words are weighed at a time
WIDE_ROW = 512  # rows longer than this are sorted apart (see _best_in_rows), not widening a whole grid
KEY_LIMIT = 2 ** 63  # sort keys that would not fit an int64 take the slower lexsort


class Signal:
    """One index (text words or tags): each row's query (its entries, columns in text order)
    against the postings (for each entry, the documents kept for it), to find candidates; and each row's
    vector, to score a pair exactly."""

    def __init__(self, query: sparse.csr_matrix, norm: np.ndarray, postings: sparse.csr_matrix, ids: np.ndarray,
                 vectors: sparse.csr_matrix, features: np.ndarray, marks: sparse.csr_matrix | None = None):
        self.query = query  # documents × entries
        self.norm = norm  # what a document matching its whole query scores, to scale to 0..1
        self.postings = postings  # entries × documents
        self.ids = ids  # column → an id that stays the same across updates, to compare with an earlier state
        self.vectors = vectors  # documents × features (columns in text order): what an article looks for
        self.marks = vectors if marks is None else marks  # the same: what an article offers
        self.features = features  # vector column → its id, as `ids`

    def similarity(self, chunk: np.ndarray) -> sparse.csr_matrix:
        """Each chunk row's share (0..1) of its own query weight that a candidate matches in the postings."""
        found = self.query[chunk] @ self.postings
        scale = np.divide(1.0, self.norm[chunk], out=np.zeros(len(chunk)), where=self.norm[chunk] > 0)
        scale_rows(found, scale)
        np.minimum(found.data, 1.0, out=found.data)
        return found

    def scores(self, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
        """For each pair, the share (0..1) of the row's vector that the other's matches: all of their shared
        features, not only those the postings offer."""
        return pair_scores(self.vectors, self.marks, rows, others, self.norm)

    def querying(self, columns: np.ndarray) -> np.ndarray:
        """For each row: does its query hold one of these columns (a mask)?"""
        total = self.query.shape[0]
        rows = np.zeros(total, dtype=bool)
        rows[np.repeat(np.arange(total), np.diff(self.query.indptr))[columns[self.query.indices]]] = True
        return rows


def pair_scores(vectors: sparse.csr_matrix, marks: sparse.csr_matrix, rows: np.ndarray, others: np.ndarray,
                norm: np.ndarray | None = None) -> np.ndarray:
    """vectors[row] · marks[other] for each pair (divided by norm[row], at most 1, when given); each sum is
    taken in column order, so the same pair scores the same whatever else is computed with it."""
    found = np.asarray(vectors[rows].multiply(marks[others]).sum(axis=1)).ravel()
    if norm is not None:
        found = np.minimum(np.divide(found, norm[rows], out=np.zeros(len(rows)), where=norm[rows] > 0), 1.0)
    return found


def changed_rows(before: sparse.csr_matrix, after: sparse.csr_matrix, hit: np.ndarray | None = None) -> np.ndarray:
    """For each row: does it differ between the two matrices, or hold a column in `hit`?"""
    changed = np.diff((before != after).indptr) > 0
    if hit is not None:
        for matrix in (before, after):
            changed[np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))[hit[matrix.indices]]] = True
    return changed


def remap(matrix: sparse.csr_matrix, row_to: np.ndarray | None, column_to: np.ndarray | None,
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


def scale_rows(matrix: sparse.csr_matrix, scale: np.ndarray) -> None:
    matrix.data *= np.repeat(scale, np.diff(matrix.indptr))


def rarity(df: np.ndarray, total: int) -> np.ndarray:
    """log(1 + scale / df), the scale being the number of articles rounded up to a power of two: as sharp
    as the classic idf, yet the same until the site doubles or halves, so that one article's edit changes
    the rarity of only the words (or tags) it adds or removes."""
    scale = 2.0 ** max(1, int(np.ceil(np.log2(max(total, 2)))))
    return np.log1p(scale / np.maximum(df, 1))


def text_signal(terms: list[np.ndarray], order: np.ndarray, cap: float, newest: np.ndarray,
                 newer: bool) -> Signal:
    """Words. Each document's vector: (1 + ln tf) × rarity for all its words, scaled to length 1; of it,
    the TERMS_PER_DOC strongest words that another document can share (used by 2 to `cap` documents; ties
    in text order) are kept, as the signal's vectors (documents × words in text order), which score a pair
    by the cosine of the two. The QUERY_TERMS strongest are the document's query, to find
    candidates: a word's documents, oldest first, make eras of ERA, and the query reaches the era of the
    document and the one before (and the one after, if newer articles may be listed), so that a word
    used by many documents offers the ones nearest in time."""
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
    weight_of_df = rarity(df, total)
    # Every weight is (1 + ln tf) × rarity(df): a small table of them gives each weight an integer rank
    # (equal weights, equal ranks), so that (weight, column) is one integer key to sort.
    f_values = np.flatnonzero(frequencies).astype(np.float64)
    f_index = np.cumsum(frequencies > 0) - 1
    d_values, d_index = np.unique(df, return_inverse=True)
    table = (1 + np.log(np.maximum(f_values, 1)))[:, None] * rarity(d_values, total)[None, :]
    negated, weight_rank = np.unique(-table, return_inverse=True)
    key_of = weight_rank.reshape(table.shape).astype(np.int64) * width  # + column: the key of an entry
    span = max(len(negated), 1)

    found, length = [], np.zeros(total)
    for number, block in enumerate(blocks):
        lengths = np.fromiter((t.shape[1] for t in block), dtype=np.int64, count=len(block))
        ids, frequency = np.concatenate(block, axis=1)
        rows = np.repeat(np.arange(len(block)), lengths)
        weights = (1 + np.log(np.maximum(frequency, 1))) * weight_of_df[ids]
        here = slice(number * _DOCS_PER_BLOCK, number * _DOCS_PER_BLOCK + len(block))
        length[here] = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(block)))
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
    vectors = _csr(-negated[weight_rank] / length[rows], rows, cols, (total, width))
    # Entries by word, then age (oldest first, ties by key): a word's eras are runs of ERA of them.
    age = total - 1 - newest
    if width * total * span * 2 < KEY_LIMIT:  # one integer key holds it all, so one sort
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
    weights /= length[rows]
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
    norm = (np.diff(vectors.indptr) > 0).astype(np.float64)  # a vector's length is 1: its share is its score
    parts = [(asked_rows, first[asked_cols] + own, weights)]
    for step in (-1, 1) if newer else (-1,):
        there = (own + step >= 0) & (own + step < eras[asked_cols])
        parts.append((asked_rows[there], first[asked_cols[there]] + own[there] + step, weights[there]))
    asked_rows, asked_cols, weights = (np.concatenate(part) for part in zip(*parts))
    query = _csr(weights, asked_rows, asked_cols, (total, count))
    # An era is known across updates by its word's id and its number.
    ids = np.repeat(order, eras) * 2 ** 32 + (np.arange(count) - np.repeat(first, eras))
    return Signal(query, norm, postings, ids, vectors, order)


def label_signal(rows: np.ndarray, ids: np.ndarray, total: int, order: np.ndarray, newest: np.ndarray) -> Signal:
    """Tags: every one used by two documents or more is an entry, weighted by its rarity in the
    query; each keeps the POSTINGS newest documents."""
    width = len(order)
    column = np.empty(width, dtype=np.int64)
    column[order] = np.arange(width)
    df = np.bincount(ids, minlength=width)
    used = df[ids] >= 2
    rows, ids = rows[used], ids[used]
    cols = column[ids]
    query = _csr(rarity(df, total)[ids], rows, cols, (total, width))
    norm = np.bincount(np.repeat(np.arange(total), np.diff(query.indptr)), weights=query.data, minlength=total)
    by_date = np.argsort(newest)
    cols, places = _best_in_groups(cols, newest[rows], total, POSTINGS)
    postings = _csr(np.ones(len(cols)), cols, by_date[places], (width, total))
    marks = query.copy()
    marks.data[:] = 1.0
    return Signal(query, norm, postings, order, query, order, marks)


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
    wide = lengths > WIDE_ROW  # a few very long rows get a grid of their own
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


def best_per_row(rows: np.ndarray, count: int, score: np.ndarray, limit: int) -> np.ndarray:
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
    wide = lengths[long] > WIDE_ROW  # a few very long rows get a grid of their own
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
    if (int(groups.max()) + 1) * span < KEY_LIMIT:
        combined = groups[big].astype(np.int64)
        combined *= span
        combined += key[big]
        combined.sort()
        big_groups, big_keys = np.divmod(combined[first], span)
    else:
        index = np.lexsort((key[big], groups[big]))[first]
        big_groups, big_keys = groups[big][index], key[big][index]
    return np.concatenate((small_groups, big_groups)), np.concatenate((small_keys, big_keys))

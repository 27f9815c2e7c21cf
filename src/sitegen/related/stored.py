"""A related-posts index as plain arrays, to be kept in the build cache and taken up again.

A patch build (patch.py) whose edit changes what the related step reads of an article (its title, tags,
the start of its text) would otherwise make the whole index again, counting the words of every article:
8 s at 10,000 articles. Taken up from what the full build kept, the index is updated with the edited
articles only, as the preview server updates the one it holds (the same lists: tests/test_related.py).

What is kept: for each language, its vocabularies (words, tags), each document's word and tag ids with
their counts, the candidates and neighbours the ranking found, and the lists; the documents themselves
are those the caller has (the full build's, kept by patch.py) in key order. Everything is a numpy array
in one `.npz`, read with `allow_pickle=False`, so that reading it back runs no code; and every array is
checked against the documents (shapes, ids in range, sorted offsets) before it is used: one that does
not fit is a miss, and the index is made afresh.
"""

from __future__ import annotations

import io
import zipfile
from typing import Iterable

import numpy as np
from scipy import sparse

from . import FALLBACK, LATEST, PICKED, SIMILAR, RelatedByLanguage, RelatedDoc, RelatedLink
from .index import RelatedIndex, _Features, _Ids, _State

_REASONS = (PICKED, SIMILAR, FALLBACK, LATEST)
_SEPARATOR = "\n"  # between the texts of a vocabulary: words and tag slugs never hold one (checked on saving)


def saved_index(index: RelatedByLanguage) -> bytes | None:
    """The index as `.npz` bytes; None when it cannot be kept (a tag slug with a line break in it)."""
    arrays: dict[str, np.ndarray] = {}
    for number, (language, one) in enumerate(sorted(index.indexes.items())):
        if one._state is None or any(_SEPARATOR in text for text in (*one.words.texts, *one.tag_ids.texts)):
            return None
        keys = one._state.keys
        features = [one.features[key] for key in keys]
        lists = [one.lists.get(key, ()) for key in keys]
        row_of = one._state.row_of
        prefix = f"{number}."
        arrays[prefix + "language"] = _text(language)
        arrays[prefix + "words"] = _text(_SEPARATOR.join(one.words.texts))
        arrays[prefix + "tag_names"] = _text(_SEPARATOR.join(one.tag_ids.texts))
        arrays[prefix + "terms"] = np.concatenate([f.terms for f in features], axis=1) if features else np.zeros(
            (2, 0), dtype=np.int32)
        arrays[prefix + "term_counts"] = np.array([f.terms.shape[1] for f in features], dtype=np.int64)
        arrays[prefix + "tags"] = np.concatenate([f.tags for f in features]) if features else np.zeros(0, np.int32)
        arrays[prefix + "tag_counts"] = np.array([len(f.tags) for f in features], dtype=np.int64)
        for name in ("candidates", "neighbours"):
            matrix = getattr(one._state, name)
            arrays[f"{prefix}{name}.data"] = matrix.data.astype(np.float64)
            arrays[f"{prefix}{name}.indices"] = matrix.indices.astype(np.int64)
            arrays[f"{prefix}{name}.indptr"] = matrix.indptr.astype(np.int64)
        links = [link for found in lists for link in found]
        arrays[prefix + "list_lengths"] = np.array([len(found) for found in lists], dtype=np.int64)
        arrays[prefix + "list_rows"] = np.array([row_of.get(link.key, -1) for link in links], dtype=np.int64)
        arrays[prefix + "list_scores"] = np.array([link.score for link in links], dtype=np.float64)
        arrays[prefix + "list_reasons"] = np.array([_REASONS.index(link.reason) for link in links], dtype=np.int8)
        if (arrays[prefix + "list_rows"] < 0).any():
            return None
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def restored_index(data: bytes, docs: Iterable[RelatedDoc], settings, jobs: int = 0) -> RelatedByLanguage | None:
    """The index `saved_index` kept, for these documents (those it was made from), or None when the data does
    not fit them."""
    by_language: dict[str, list[RelatedDoc]] = {}
    for doc in docs:
        by_language.setdefault(doc.language, []).append(doc)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    whole = RelatedByLanguage(settings, jobs)
    number = 0
    while f"{number}.language" in arrays:
        prefix = f"{number}."
        try:
            language = _read_text(arrays[prefix + "language"])
            one = _restored(arrays, prefix, language, sorted(by_language.pop(language, ()), key=lambda d: d.key),
                            settings, jobs)
        except (KeyError, ValueError, IndexError, TypeError, UnicodeDecodeError):
            return None
        if one is None:
            return None
        whole.indexes[language] = one
        whole._language_of.update((key, language) for key in one.features)
        number += 1
    return None if by_language else whole


def _restored(arrays: dict[str, np.ndarray], prefix: str, language: str, docs: list[RelatedDoc], settings,
              jobs: int) -> RelatedIndex | None:
    total = len(docs)
    index = RelatedIndex(settings, language or "en", jobs)
    words = _read_text(arrays[prefix + "words"]).split(_SEPARATOR)
    stop = index.words.texts
    if words[:len(stop)] != stop or len(set(words)) != len(words):
        return None
    tag_names = _read_text(arrays[prefix + "tag_names"])
    tag_texts = tag_names.split(_SEPARATOR) if tag_names else []
    if len(set(tag_texts)) != len(tag_texts):
        return None
    index.words, index.tag_ids = _Ids(words), _Ids(tag_texts)
    terms, term_counts = arrays[prefix + "terms"], arrays[prefix + "term_counts"]
    tags, tag_counts = arrays[prefix + "tags"], arrays[prefix + "tag_counts"]
    if not (terms.dtype == np.int32 and terms.ndim == 2 and terms.shape[0] == 2 and tags.dtype == np.int32
            and tags.ndim == 1 and _counts_fit(term_counts, total, terms.shape[1])
            and _counts_fit(tag_counts, total, len(tags))
            and _within(terms[0], len(words)) and (terms[1] > 0).all() and _within(tags, len(tag_texts))):
        return None
    term_parts = np.split(terms, np.cumsum(term_counts)[:-1], axis=1) if total else []
    tag_parts = np.split(tags, np.cumsum(tag_counts)[:-1]) if total else []
    index.features = {doc.key: _Features(doc, part, tag_part) for doc, part, tag_part in zip(docs, term_parts,
                                                                                              tag_parts)}
    lengths, rows = arrays[prefix + "list_lengths"], arrays[prefix + "list_rows"]
    scores, reasons = arrays[prefix + "list_scores"], arrays[prefix + "list_reasons"]
    if not (_counts_fit(lengths, total, len(rows)) and len(scores) == len(rows) == len(reasons)
            and _within(rows, total) and _within(reasons, len(_REASONS)) and scores.dtype == np.float64):
        return None
    keys, bounds = [doc.key for doc in docs], np.concatenate(([0], np.cumsum(lengths))).tolist()
    links = [RelatedLink(keys[row], score, _REASONS[reason])
             for row, score, reason in zip(rows.tolist(), scores.tolist(), reasons.tolist())]
    index.lists = {key: tuple(links[bounds[row]:bounds[row + 1]]) for row, key in enumerate(keys)}
    state = _State(index)
    for name in ("candidates", "neighbours"):
        matrix = _csr(arrays, f"{prefix}{name}", total)
        if matrix is None:
            return None
        setattr(state, name, matrix)
    index._state = state
    return index


def _csr(arrays: dict[str, np.ndarray], name: str, total: int) -> sparse.csr_matrix | None:
    """A total × total matrix, or None when its arrays do not make one."""
    data, indices, indptr = arrays[name + ".data"], arrays[name + ".indices"], arrays[name + ".indptr"]
    if not (data.dtype == np.float64 and indices.dtype == np.int64 and indptr.dtype == np.int64
            and data.ndim == indices.ndim == indptr.ndim == 1 and len(data) == len(indices)
            and len(indptr) == total + 1 and (total == 0 or indptr[0] == 0) and indptr[-1] == len(indices)
            and (np.diff(indptr) >= 0).all() and _within(indices, total) and np.isfinite(data).all()):
        return None
    matrix = sparse.csr_matrix((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=(total, total))
    matrix.sort_indices()
    return matrix


def _counts_fit(counts: np.ndarray, total: int, size: int) -> bool:
    """Whether `counts` gives each of `total` documents its share of `size` items."""
    return (counts.dtype == np.int64 and counts.ndim == 1 and len(counts) == total and (counts >= 0).all()
            and int(counts.sum()) == size)


def _within(values: np.ndarray, size: int) -> bool:
    return values.ndim == 1 and (len(values) == 0 or (int(values.min()) >= 0 and int(values.max()) < size))


def _text(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _read_text(array: np.ndarray) -> str:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError("not text")
    return array.tobytes().decode("utf-8")

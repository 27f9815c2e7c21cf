""""You may also like": a pure function from documents to ranked related lists.

Knows only a small document interface (`RelatedDoc`), never the site model.
Candidates come from inverted indexes over tags and text terms, so an
article is only compared with articles that share something with it, never
with all others. The score blends, with weights from site.yaml:

- tags: shared tags, each weighted by its rarity (IDF), normalised;
- text: cosine similarity of TF-IDF vectors of title + summary + body;
  (these two make the content score, a weighted mean in 0..1)
- section: a boost factor for the same section (0.25 = +25 %);
- recency: the share of the score that decays with the time between the
  two articles (exponential decay over `recency_days`).

Hand-picked keys always come first. When nothing passes `threshold`, the
latest articles of the same section are offered, marked as a fallback.
Ties break by date then key, and inputs are sorted first, so the result does
not depend on the order in which files were read.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import islice

from .config import RelatedConfig
from .stopwords import STOP_WORDS

PICKED, SIMILAR, FALLBACK = "picked", "similar", "fallback"
TERMS_PER_DOC = 40  # the strongest terms of each text vector
TITLE_WEIGHT = 3
MAX_DOC_FREQUENCY = 0.5  # terms in more than this share of documents are noise
QUERY_TERMS = 12  # the strongest terms of an article look up its candidates
MAX_POSTINGS = 100  # a term keeps the documents where it weighs most; a tag this common finds no candidates
_LOG = [0.0] + [math.log(n) for n in range(1, 256)]  # sublinear term frequency, capped
_WORD = re.compile(r"[^\W\d_]{3,}")


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


def terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def related_posts(docs: list[RelatedDoc], settings: RelatedConfig) -> dict[str, tuple[RelatedLink, ...]]:
    ordered = sorted(docs, key=lambda d: d.key)
    index = _Index(ordered)
    return {doc.key: _rank(i, index, settings) for i, doc in enumerate(ordered)}


class _Index:
    """Normalised text vectors, tag weights and the postings that find candidates."""

    def __init__(self, docs: list[RelatedDoc]):
        self.docs = docs
        self.position = {doc.key: i for i, doc in enumerate(docs)}
        total = len(docs)
        counts = [Counter(terms(d.text)) + Counter({t: TITLE_WEIGHT for t in terms(d.title)}) for d in docs]
        term_df = Counter(t for c in counts for t in c)
        idf = {t: math.log(1 + total / n) for t, n in term_df.items() if n > 1}  # a term of one text matches none
        self.vectors = [_vector(c, idf) for c in counts]
        limit = max(2, MAX_DOC_FREQUENCY * total)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vector in enumerate(self.vectors):
            for term, weight in vector.items():
                if term_df[term] <= limit:
                    postings[term].append((i, weight))
        # Impact-ordered and cut: what a document shares with thousands of others says little.
        self.term_postings = {term: sorted(found, key=lambda p: (-p[1], p[0]))[:MAX_POSTINGS]
                              for term, found in postings.items()}
        self.tag_sets = [frozenset(d.tags) for d in docs]
        tag_df = Counter(t for tags in self.tag_sets for t in tags)
        self.tag_idf = {t: math.log(1 + total / n) for t, n in tag_df.items()}
        self.tag_norms = [sum(self.tag_idf[t] for t in tags) for tags in self.tag_sets]
        self.common_tags = {t for t, n in tag_df.items() if n > MAX_POSTINGS}  # scored, but find no candidates
        self.tag_postings: dict[str, list[int]] = defaultdict(list)
        for i, tags in enumerate(self.tag_sets):
            for tag in sorted(tags - self.common_tags):
                self.tag_postings[tag].append(i)
        self.by_section_date: dict[str, list[int]] = defaultdict(list)
        for i in sorted(range(total), key=lambda i: (-docs[i].published, docs[i].key)):
            self.by_section_date[docs[i].section].append(i)


def _vector(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    """The strongest TF-IDF terms, normalised, strongest first."""
    weights = ((t, (1 + _LOG[min(n, 255)]) * idf[t]) for t, n in counts.items() if t in idf)
    top = heapq.nlargest(TERMS_PER_DOC, weights, key=lambda item: (item[1], item[0]))
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: w / norm for t, w in top}


def _rank(i: int, index: _Index, settings: RelatedConfig) -> tuple[RelatedLink, ...]:
    doc = index.docs[i]
    picked = [RelatedLink(key, 1.0, PICKED) for key in dict.fromkeys(doc.picked)
              if key in index.position and key != doc.key]
    wanted = max(settings.count - len(picked), 0)
    best = [RelatedLink(index.docs[j].key, score, SIMILAR)
            for score, j in _best_matches(i, index, settings, {index.position[p.key] for p in picked}, wanted)]
    if picked or best:
        return tuple(picked + best)
    return tuple(RelatedLink(index.docs[j].key, 0.0, FALLBACK) for j in _fallback(i, index, settings))


def _best_matches(i: int, index: _Index, settings: RelatedConfig, skip: set[int],
                  wanted: int) -> list[tuple[float, int]]:
    """The `wanted` best-scoring candidates at or above the threshold, best first."""
    if wanted == 0:
        return []
    doc = index.docs[i]
    text_scores: dict[int, float] = defaultdict(float)
    for term, weight in islice(index.vectors[i].items(), QUERY_TERMS):  # vectors are sorted by weight
        for j, other_weight in index.term_postings.get(term, ()):
            text_scores[j] += weight * other_weight
    tag_scores: dict[int, float] = defaultdict(float)
    own_tags = index.tag_sets[i]
    for tag in own_tags - index.common_tags:
        for j in index.tag_postings[tag]:
            tag_scores[j] += index.tag_idf[tag]
    own_common = own_tags & index.common_tags
    tag_norm = index.tag_norms[i] or 1.0
    content_weight = (settings.tags + settings.text) or 1.0
    contents = []
    for j in text_scores.keys() | tag_scores.keys():
        if j in skip or j == i or (not settings.include_newer and index.docs[j].published > doc.published):
            continue
        shared_tags = tag_scores.get(j, 0.0) + sum(index.tag_idf[t] for t in own_common if t in index.tag_sets[j])
        content = (settings.text * min(text_scores.get(j, 0.0), 1.0)
                   + settings.tags * shared_tags / tag_norm) / content_weight
        contents.append((content, j))
    # Section and recency only scale the content score, so once even the best possible
    # scaling of the next candidate cannot beat the current last place, the rest can't either.
    boost = 1 + settings.section
    recency = min(settings.recency, 1.0)
    ranked: list[tuple[float, float, str, int]] = []
    for content, j in sorted(contents, key=lambda c: (-c[0], c[1])):
        floor = ranked[-1][0] if len(ranked) >= wanted else settings.threshold
        if content * boost < floor:
            break
        other = index.docs[j]
        same_section = doc.section != "" and doc.section == other.section
        decay = math.exp(-abs(doc.published - other.published) / 86400 / max(settings.recency_days, 1))
        score = content * (1 + settings.section * same_section) * (1 - recency + recency * decay)
        if score >= settings.threshold:
            ranked.append((score, other.published, other.key, j))
            ranked.sort(key=lambda r: (-r[0], -r[1], r[2]))
            del ranked[wanted:]
    return [(score, j) for score, _, _, j in ranked]


def _fallback(i: int, index: _Index, settings: RelatedConfig) -> list[int]:
    """The latest articles of the same section (older ones only, unless include_newer)."""
    doc = index.docs[i]
    latest_first = index.by_section_date[doc.section]
    start = 0
    if not settings.include_newer:  # skip straight past the newer ones
        start = bisect.bisect_left(latest_first, -doc.published, key=lambda j: -index.docs[j].published)
    found = []
    for j in latest_first[start:]:
        if len(found) >= settings.count:
            break
        if j != i:
            found.append(j)
    return found

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

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .config import RelatedConfig
from .stopwords import STOP_WORDS

PICKED, SIMILAR, FALLBACK = "picked", "similar", "fallback"
TERMS_PER_DOC = 40
TITLE_WEIGHT = 3
MAX_DOC_FREQUENCY = 0.5  # terms and tags in more than this share of documents don't find candidates
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
        tag_df = Counter(t for d in docs for t in set(d.tags))
        self.tag_idf = {t: math.log(1 + total / n) for t, n in tag_df.items()}
        self.vectors = [_vector(c, term_df, total) for c in counts]
        limit = max(2, MAX_DOC_FREQUENCY * total)
        self.term_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vector in enumerate(self.vectors):
            for term, weight in vector.items():
                if term_df[term] <= limit:
                    self.term_postings[term].append((i, weight))
        self.tag_postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for tag in sorted(set(doc.tags)):
                if tag_df[tag] <= limit:
                    self.tag_postings[tag].append(i)
        self.by_date = sorted(range(total), key=lambda i: (-docs[i].published, docs[i].key))

    def tag_score(self, a: RelatedDoc, b: RelatedDoc) -> float:
        own = sum(self.tag_idf[t] for t in set(a.tags))
        shared = sum(self.tag_idf[t] for t in set(a.tags) & set(b.tags))
        return shared / own if own else 0.0


def _vector(counts: Counter, df: Counter, total: int) -> dict[str, float]:
    weights = {t: (1 + math.log(n)) * math.log(1 + total / df[t]) for t, n in counts.items() if df[t] > 1}
    top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:TERMS_PER_DOC]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: w / norm for t, w in top}


def _rank(i: int, index: _Index, settings: RelatedConfig) -> tuple[RelatedLink, ...]:
    doc = index.docs[i]
    picked = [RelatedLink(key, 1.0, PICKED) for key in dict.fromkeys(doc.picked)
              if key in index.position and key != doc.key]
    text_scores: dict[int, float] = defaultdict(float)
    for term, weight in index.vectors[i].items():
        for j, other_weight in index.term_postings.get(term, ()):
            text_scores[j] += weight * other_weight
    candidates = set(text_scores)
    for tag in set(doc.tags):
        candidates.update(index.tag_postings.get(tag, ()))
    taken = {link.key for link in picked} | {doc.key}
    content_weight = (settings.tags + settings.text) or 1.0
    scored = []
    for j in candidates:
        other = index.docs[j]
        if other.key in taken or not _allowed(doc, other, settings):
            continue
        content = (settings.text * min(text_scores.get(j, 0.0), 1.0)
                   + settings.tags * index.tag_score(doc, other)) / content_weight
        same_section = doc.section != "" and doc.section == other.section
        decay = math.exp(-abs(doc.published - other.published) / 86400 / max(settings.recency_days, 1))
        recency = min(settings.recency, 1.0)
        score = content * (1 + settings.section * same_section) * (1 - recency + recency * decay)
        if score >= settings.threshold:
            scored.append((-score, -other.published, other.key))
    wanted = max(settings.count - len(picked), 0)
    best = [RelatedLink(key, -neg, SIMILAR) for neg, _, key in sorted(scored)[:wanted]]
    if picked or best:
        return tuple(picked + best)
    return tuple(RelatedLink(index.docs[j].key, 0.0, FALLBACK) for j in _fallback(i, index, settings))


def _allowed(doc: RelatedDoc, other: RelatedDoc, settings: RelatedConfig) -> bool:
    return settings.include_newer or other.published <= doc.published


def _fallback(i: int, index: _Index, settings: RelatedConfig) -> list[int]:
    doc = index.docs[i]
    found: list[int] = []
    for j in index.by_date:
        if len(found) >= settings.count:
            break
        other = index.docs[j]
        if j != i and other.section == doc.section and _allowed(doc, other, settings):
            found.append(j)
    return found

"""A harder generated news corpus with hidden topic labels, for judging related-post rankings.

corpus.py's story clusters are separable by construction (any ranking scores
near 1). Here the topics (about count/40, each with ~25 words and names of its
own) are hard to recover from any one signal:

- topics come in families of about four, and every topic uses its family's
  shared words (6-10 % of a text) as much as its own (4-8 %, of which 30 % are
  words of its siblings): siblings are genuinely confusable;
- every article also has a facet (a place or beat, about 0.7 per topic,
  independent of the topic) whose words make 8-12 % of its text: same-facet
  articles of other topics are strong decoys for word overlap;
- the rest (about 75 %) is a general Zipf vocabulary shared by everything;
- a quarter of the articles have a secondary topic of the same family;
- 35 % have no tags, and a quarter of the other tags are noise (the family's,
  or generic ones like "Analysis"); sections follow families 80 % of the time;
- 15 % are near-duplicate follow-ups of an earlier article of the same topic
  (50-70 % of its sentences, 1-5 days later): easy hits a ranking must not miss;
- topics have active periods, but a third of their articles fall outside them.

A related pick is good when it shares a hidden topic with the article
(`LabelledDoc.topics`); `precision_at` scores the lists of a ranking. On 2,000
articles, full-text TF-IDF cosine gets a precision@5 of about 0.59 and random
picks 0.04 (on 500, with only 12 topics: 0.83 and 0.15). Deterministic for
(count, seed); 100,000 articles take under a minute.

    python bench/hard_corpus.py 2000      # samples, precision@5 of TF-IDF cosine and of random picks
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sitegen.related import RelatedDoc, RelatedLink  # noqa: E402
from sitegen.stopwords import ENGLISH  # noqa: E402

SECTIONS = ("world", "politics", "economy", "technology", "science", "culture")
GENERIC_TAGS = "Analysis Opinion Live Explainer Interview Video Photos Breaking Weekend Local Data Podcast".split()
_SYLLABLES = "ka lo mi ra su te vo ne di ba po li ga re to mu sa fe ni co zu ve ki da pe ro ta me lu bi go na".split()
START, DAY, SPAN_DAYS = 1546300800.0, 86400.0, 6 * 365  # from 2019-01-01 UTC, over six years
TOPIC_RATE, FAMILY_RATE, FACET_RATE = (0.04, 0.08), (0.06, 0.10), (0.08, 0.12)  # per article, uniform in these
FACETS = 0.7  # facets per topic
BORROWED = 0.3  # the share of a topic's own draws that are its siblings' words
SECONDARY, FOLLOW_UP, UNTAGGED, NOISE_TAG, IN_BURST = 0.25, 0.15, 0.35, 0.25, 0.65


@dataclass(frozen=True)
class LabelledDoc:
    doc: RelatedDoc
    topics: frozenset[int]  # hidden labels; a related pick is good when it shares one with the article


def _pool(ids: np.ndarray, weights: np.ndarray | None = None, exponent: float = 0.7) -> tuple[np.ndarray, ...]:
    """Word ids to draw from, and their cumulative weights (Zipf with `exponent` by default), ending at 1."""
    weights = np.cumsum(1 / np.arange(1, len(ids) + 1) ** exponent if weights is None else weights)
    return ids, weights / weights[-1]


class _Model:
    """The vocabularies, names, tags and active periods of the topics, families and facets."""

    def __init__(self, rng: np.random.Generator, topics: int):
        self.rng, self.words, self._seen = rng, [], set(ENGLISH.split())
        self.topics, self.families = topics, max(3, round(topics / 4))
        self.general = _pool(self._fresh(4000), exponent=1.07)
        self.family_words = [_pool(self._fresh(60)) for _ in range(self.families)]
        self.facets = [_pool(self._fresh(30)) for _ in range(max(8, round(topics * FACETS)))]  # places, beats
        family_names = [self._fresh(5, names=True) for _ in range(self.families)]  # multi-use: siblings share them
        self.family_tags = [[tag.title() for tag in self._new(3)] for _ in range(self.families)]
        self.family_of = [t % self.families for t in range(topics)]
        own = [self._fresh(21) for _ in range(topics)]
        self.pools, self.tags, self.bursts = [], [], []
        for t in range(topics):
            names = np.concatenate([self._fresh(2, names=True), rng.choice(family_names[self.family_of[t]], 2, False)])
            borrowed = np.concatenate([rng.choice(own[s], 8 // len(self.siblings(t)) + 1, False)
                                       for s in self.siblings(t)])  # deliberate overlap
            zipf = 1 / np.arange(1, 26) ** 0.8  # own words and names, in a random order, then the borrowed ones
            weights = np.concatenate([zipf * (1 - BORROWED) / zipf.sum(), np.full(len(borrowed), BORROWED)])
            weights[25:] /= len(borrowed)
            ids = np.concatenate([rng.permutation(np.concatenate([own[t], names])), borrowed])
            self.pools.append(_pool(ids, weights))
            self.tags.append([tag.title() for tag in self._new(5)])
            self.bursts.append([(rng.uniform(0, SPAN_DAYS), rng.uniform(15, 90)) for _ in range(rng.integers(2, 6))])
        self.popularity = _pool(np.arange(topics), rng.permutation(1 / np.arange(1, topics + 1) ** 0.5))[1]

    def siblings(self, topic: int) -> list[int]:
        return [s for s in range(self.family_of[topic], self.topics, self.families) if s != topic]

    def _new(self, n: int) -> list[str]:
        """n made-up words of 2 to 4 syllables, never made before (nor English stop words)."""
        out: list[str] = []
        while len(out) < n:
            lengths = self.rng.integers(2, 5, size=2 * n).tolist()
            for length, row in zip(lengths, self.rng.integers(len(_SYLLABLES), size=(2 * n, 4)).tolist()):
                word = "".join(_SYLLABLES[s] for s in row[:length])
                if len(out) < n and word not in self._seen:
                    self._seen.add(word)
                    out.append(word)
        return out

    def _fresh(self, n: int, names: bool = False) -> np.ndarray:
        """n new words (or two-word names) in the lexicon, as their ids."""
        words = self._new(2 * n if names else n)
        self.words.extend([f"{a.title()} {b.title()}" for a, b in zip(words[::2], words[1::2])] if names else words)
        return np.arange(len(self.words) - n, len(self.words))

    def draw(self, n: int, topics: list[int], mix: tuple) -> list[str]:
        """n words; mix = (topic rate, family rate, facet rate, facet): topic words (a third of them from the
        secondary topic, if any), family words, words of the facet, general words for the rest."""
        second = mix[0] * 0.35 if len(topics) > 1 else 0.0
        kind = np.searchsorted(np.cumsum([mix[0] - second, second, mix[1], mix[2]]), self.rng.random(n), "right")
        pools = (self.pools[topics[0]], self.pools[topics[-1]], self.family_words[self.family_of[topics[0]]],
                 self.facets[mix[3]], self.general)
        ids = np.empty(n, dtype=np.int64)
        for k, (pool, cum) in enumerate(pools):
            at = np.flatnonzero(kind == k)
            ids[at] = pool[np.searchsorted(cum, self.rng.random(at.size), "right")]
        words = self.words
        return [words[i] for i in ids.tolist()]

    def sentences(self, topics: list[int], mix: tuple, chars: int = 0, count: int | None = None) -> list[str]:
        """`count` sentences of 8 to 18 words, or (no count) enough for at least `chars` characters."""
        words = self.draw(18 * count if count is not None else chars // 5 + 40, topics, mix)
        out, used, start = [], 0, 0
        for length in self.rng.integers(8, 19, size=len(words) // 8).tolist():
            sentence = " ".join(words[start:start + length])
            if len(out) == count or start + length > len(words) or (count is None and used >= chars):
                break
            out.append(sentence[0].upper() + sentence[1:] + ".")
            used, start = used + len(sentence) + 2, start + length
        return out

    def title(self, topics: list[int], facet: int) -> str:
        words = self.draw(2, topics, (1, 0, 0, facet)) + self.draw(1, topics, (0, 1, 0, facet))
        words += self.draw(int(self.rng.integers(2, 8)), topics, (0, 0, 0.15, facet))
        words = [words[i] for i in self.rng.permutation(len(words))]
        title = " ".join(words)
        return title[0].upper() + title[1:]

    def tag_set(self, topics: list[int]) -> tuple[str, ...]:
        rng, tags = self.rng, set()
        if rng.random() < UNTAGGED:
            return ()
        for _ in range(rng.integers(1, 5)):
            topic = topics[-1] if len(topics) > 1 and rng.random() < 0.35 else topics[0]
            if rng.random() >= NOISE_TAG:
                tags.add(self.tags[topic][min(int(rng.pareto(1.0)), 4)])
            elif rng.random() < 0.5:
                tags.add(self.family_tags[self.family_of[topic]][rng.integers(3)])
            else:
                tags.add(GENERIC_TAGS[min(int(rng.pareto(0.8)), len(GENERIC_TAGS) - 1)])
        return tuple(sorted(tags))

    def day(self, topic: int) -> float:
        """Days after START: mostly in one of the topic's active periods."""
        if self.rng.random() < IN_BURST:
            center, width = self.bursts[topic][self.rng.integers(len(self.bursts[topic]))]
            return float(np.clip(self.rng.normal(center, width), 0, SPAN_DAYS - 1))
        return self.rng.uniform(0, SPAN_DAYS)


def generate_hard(count: int, seed: int = 11) -> list[LabelledDoc]:
    """`count` labelled articles, the same for the same (count, seed)."""
    rng = np.random.default_rng(seed)
    model = _Model(rng, max(12, count // 40))
    out: list[LabelledDoc] = []
    by_topic: list[list[int]] = [[] for _ in range(model.topics)]  # indexes of each primary topic's articles
    facet_of: list[int] = []
    for i in range(count):
        primary = int(np.searchsorted(model.popularity, rng.random(), "right"))
        facet = int(rng.integers(len(model.facets)))
        rates = (rng.uniform(*TOPIC_RATE), rng.uniform(*FAMILY_RATE), rng.uniform(*FACET_RATE))
        if by_topic[primary] and rng.random() < FOLLOW_UP:
            index = by_topic[primary][-1 - int(rng.integers(min(20, len(by_topic[primary]))))]
            parent, facet = out[index], facet_of[index]
            topics = [primary] + sorted(parent.topics - {primary})
            old = re.split(r"(?<=\.) ", parent.doc.text)
            kept = sorted(rng.choice(len(old), max(1, round(len(old) * rng.uniform(0.5, 0.7))), replace=False))
            sentences = [old[k] for k in kept]
            for new in model.sentences(topics, rates + (facet,), count=len(old) - len(kept)):
                sentences.insert(int(rng.integers(len(sentences) + 1)), new)
            tags = parent.doc.tags if rng.random() < 0.6 else model.tag_set(topics)
            section, published = parent.doc.section, parent.doc.published + rng.uniform(1, 5) * DAY
        else:
            topics = [primary]
            if rng.random() < SECONDARY:
                topics.append(int(rng.choice(model.siblings(primary))))
            chars = int(rng.integers(300, 501) if rng.random() < 0.05 else rng.integers(1500, 5901))
            sentences = model.sentences(topics, rates + (facet,), chars=chars)
            tags = model.tag_set(topics)
            section = SECTIONS[model.family_of[primary] % len(SECTIONS)] if rng.random() < 0.8 else \
                SECTIONS[rng.integers(len(SECTIONS))]
            published = START + (model.day(primary) + rng.random()) * DAY
        doc = RelatedDoc(key=f"/hard/{i:06d}/", title=model.title(topics, facet), text=" ".join(sentences),
                         tags=tags, section=section, published=published)
        out.append(LabelledDoc(doc, frozenset(topics)))
        by_topic[primary].append(i)
        facet_of.append(facet)
    return out


def precision_at(lists: dict[str, tuple], labelled: list[LabelledDoc], k: int = 5) -> float:
    """Good picks over all k slots of every article, as a reader sees the lists: every link is judged,
    whatever its reason (a fallback pick can be good too), and a slot left empty counts as a miss."""
    topics = {item.doc.key: item.topics for item in labelled}
    good = sum(bool(topics[item.doc.key] & topics.get(link.key, frozenset())) for item in labelled
               for link in lists[item.doc.key][:k])
    return good / max(k * len(labelled), 1)


def labelled_set(path: Path) -> list[LabelledDoc]:
    """tests/data/related_labelled.yaml (hand-written articles, each with its hidden topics) as documents."""
    import yaml
    from datetime import datetime, timezone

    articles = yaml.safe_load(path.read_text(encoding="utf-8"))["articles"]
    return [LabelledDoc(RelatedDoc(key=a["key"], title=a["title"], text=f"{a['summary']} {a['body']}",
                                   tags=tuple(a["tags"]), section=a["section"], language=a["language"],
                                   published=datetime(a["date"].year, a["date"].month, a["date"].day,
                                                      tzinfo=timezone.utc).timestamp()),
                        frozenset(a["topics"])) for a in articles]


def tfidf_baseline(docs: list[RelatedDoc], k: int = 5) -> dict[str, tuple]:
    """Top k by cosine of (1 + ln tf) * ln(N / df) over the title (three times) and the text."""
    from scipy import sparse

    vocabulary, rows, columns, counts = {}, [], [], []
    for row, doc in enumerate(docs):
        terms = Counter(re.findall(r"[a-z]{3,}", doc.text.lower()))
        for term in re.findall(r"[a-z]{3,}", doc.title.lower()):
            terms[term] += 3
        for term, n in terms.items():
            rows.append(row)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            counts.append(n)
    x = sparse.csr_matrix((1 + np.log(counts), (rows, columns)), shape=(len(docs), len(vocabulary)))
    df = np.bincount(columns, minlength=len(vocabulary))
    x = x @ sparse.diags(np.log(len(docs) / df))
    x = sparse.diags(1 / np.maximum(np.sqrt(x.multiply(x).sum(axis=1)).A1, 1e-12)) @ x
    scores = (x @ x.T).astype(np.float32).toarray()
    np.fill_diagonal(scores, -np.inf)
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    return {doc.key: tuple(RelatedLink(docs[c].key, float(scores[row, c]), "similar")
                           for c in sorted(top[row], key=lambda c: -scores[row, c])) for row, doc in enumerate(docs)}


def random_picks(docs: list[RelatedDoc], k: int = 5, seed: int = 0) -> dict[str, tuple]:
    rng = np.random.default_rng(seed)
    return {doc.key: tuple(RelatedLink(docs[c + (c >= row)].key, 0.0, "similar")
                           for c in rng.choice(len(docs) - 1, k, replace=False)) for row, doc in enumerate(docs)}


def main(count: int) -> None:
    started = time.perf_counter()
    labelled = generate_hard(count)
    print(f"{count:,} articles in {time.perf_counter() - started:.1f} s")
    for item in labelled[:: max(1, count // 3)][:3]:
        d = item.doc
        print(f"\n{d.key} topics={sorted(item.topics)} section={d.section} tags={list(d.tags)} "
              f"{time.strftime('%Y-%m-%d', time.gmtime(d.published))} {len(d.text)} chars\n"
              f"  {d.title}\n  {d.text[:240]}...")
    docs = [item.doc for item in labelled]
    print(f"\nuntagged {sum(not d.tags for d in docs) / count:.2f}, two topics "
          f"{sum(len(i.topics) > 1 for i in labelled) / count:.2f}, "
          f"mean text {sum(len(d.text) for d in docs) / count:,.0f} chars")
    if count <= 5000:
        print(f"precision@5 TF-IDF cosine: {precision_at(tfidf_baseline(docs), labelled):.3f}")
    print(f"precision@5 random:        {precision_at(random_picks(docs), labelled):.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]))

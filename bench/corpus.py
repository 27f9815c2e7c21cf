"""A deterministic generated news corpus with known topic clusters.

Each cluster is a news story line (its own words, names and tags) written in
a shared general vocabulary; sections follow clusters loosely, tags follow a
Zipf law, dates spread over years. Used by the related-posts benchmark and
evaluation (the cluster says which related picks are right), and writable as
Markdown files for whole-build benchmarks.

    python bench/corpus.py 1000 /tmp/site      # a site folder with content/ and site.yaml
"""

from __future__ import annotations

import random
import sys
from itertools import accumulate
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sitegen.related import RelatedDoc  # noqa: E402

SECTIONS = ("world", "politics", "economy", "technology", "science", "culture")
_SYLLABLES = "ka lo mi ra su te vo ne di ba po li ga re to mu sa fe ni co".split()


@dataclass(frozen=True)
class Article:
    doc: RelatedDoc
    cluster: int
    summary: str
    body: str


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


def generate(count: int, seed: int = 7, clusters: int | None = None, text_chars: int | None = None) -> list[Article]:
    """`text_chars`: keep only that much of each text and no summary or body (what the related step reads);
    the random draws, and so the corpus, are the same."""
    rng = random.Random(seed)
    clusters = clusters or max(8, count // 25)
    general = [_word(rng, rng.randint(2, 4)) for _ in range(3000)]
    general_weights = list(accumulate(1 / (i + 1) ** 1.07 for i in range(len(general))))  # cumulative, once
    global_tags = [f"{_word(rng, 2).title()} {_word(rng, 2).title()}" for _ in range(60)]
    stories = []
    for c in range(clusters):
        stories.append({
            "words": [_word(rng, rng.randint(2, 4)) for _ in range(25)],
            "names": [_word(rng, 2).title() + " " + _word(rng, 3).title() for _ in range(4)],
            "tags": [f"{_word(rng, 3).title()}" for _ in range(4)],
            "section": SECTIONS[c % len(SECTIONS)] if rng.random() < 0.85 else rng.choice(SECTIONS),
        })
    start = datetime(2016, 1, 1, tzinfo=timezone.utc)
    articles = []
    for i in range(count):
        c = min(int(rng.paretovariate(0.6)) - 1, clusters - 1) if rng.random() < 0.3 else rng.randrange(clusters)
        story = stories[c]

        def sentence() -> str:
            words = rng.choices(general, cum_weights=general_weights, k=rng.randint(10, 18))
            for _ in range(rng.randint(1, 3)):
                words.insert(rng.randrange(len(words)), rng.choice(story["words"]))
            return " ".join(words).capitalize() + "."

        name = rng.choice(story["names"])
        title = f"{name} {' '.join(rng.sample(story['words'], 3))} {rng.choice(general)}"
        paragraphs = [" ".join(sentence() for _ in range(rng.randint(3, 6))) for _ in range(rng.randint(4, 10))]
        tags = set(rng.sample(story["tags"], rng.randint(0, 3)))
        if rng.random() < 0.4:
            tags.add(global_tags[min(int(rng.paretovariate(1.1)) - 1, len(global_tags) - 1)])
        published = start + timedelta(minutes=rng.randrange(60 * 24 * 365 * 9))
        section = story["section"] if rng.random() < 0.9 else rng.choice(SECTIONS)
        text = " ".join(paragraphs)
        doc = RelatedDoc(key=f"{section}/story-{i}/", title=title, text=text[:text_chars] if text_chars else text,
                         tags=tuple(sorted(tags)), section=section, published=published.timestamp())
        if text_chars:
            articles.append(Article(doc, c, "", ""))
        else:
            articles.append(Article(doc, c, paragraphs[0][:200], "\n\n".join(paragraphs)))
    return articles


def write_site(articles: list[Article], folder: Path) -> None:
    """The corpus as a sitegen site: site.yaml and content/<section>/story-N.md."""
    (folder / "content").mkdir(parents=True, exist_ok=True)
    (folder / "site.yaml").write_text("title: Bench News\nbase_url: https://bench.example.com/\npage_size: 20\n")
    for article in articles:
        doc = article.doc
        path = folder / "content" / doc.key.rstrip("/").replace("/", "/") 
        path = path.with_suffix(".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        date = datetime.fromtimestamp(doc.published, timezone.utc).isoformat()
        tags = ", ".join(doc.tags)
        path.write_text(f"---\ntitle: {doc.title}\ndate: {date}\ntags: [{tags}]\nsummary: {article.summary}\n---\n\n"
                        f"{article.body}\n", encoding="utf-8")


if __name__ == "__main__":
    write_site(generate(int(sys.argv[1])), Path(sys.argv[2]))

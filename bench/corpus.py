"""A deterministic generated news corpus with known topic clusters.

Each cluster is a news story line (its own words, names and tags) written in
a shared general vocabulary; sections follow clusters loosely, tags follow a
Zipf law (some articles have none), dates spread over years. Used by the
related-posts benchmark and evaluation (the cluster says which related picks
are right), and writable as Markdown files for whole-build benchmarks.

Written articles look like news copy, so that builds do realistic work: 400 to
1,500 words of paragraphs under `##` headings, with bulleted and numbered lists, quotes, inline
links (to the web and to earlier articles of the same story), now and then a
fenced code block, and for about a third a lead image (one of a few small
JPEG and PNG files). That dressing draws from its own random generator, so
the related-posts documents (`Article.doc`) are the same as without it.

`generate(count, links=True)` is the link-heavy variant (issue 21): real news text links more, and
Python-Markdown's link and bracket matching is most of its cost. On top of the same articles, each
gets 3 to 4 more inline links (4 to 6 in all: to the web and to earlier stories), about ten emphasised phrases, an
inline image, and four tags from a pool of about 300 (so its related-posts documents differ from
the plain corpus's: their tags do; their texts do not).

    python bench/corpus.py 1000 /tmp/site          # a site folder: site.yaml, content/, assets/images/
    python bench/corpus.py 1000 /tmp/site links    # the link-heavy variant
"""

from __future__ import annotations

import random
import sys
from itertools import accumulate
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sitegen.related import RelatedDoc  # noqa: E402

SECTIONS = ("world", "politics", "economy", "technology", "science", "culture")
IMAGES = ("photo-1.jpg", "photo-2.jpg", "photo-3.jpg", "photo-4.jpg", "photo-5.jpg", "chart-1.png")
IMAGE_SHARE = 0.35
WORDS = (400, 1500)
_SYLLABLES = "ka lo mi ra su te vo ne di ba po li ga re to mu sa fe ni co".split()
_CODE_BLOCKS = (
    ("python", "import csv\n\nwith open(\"{w}.csv\") as rows:\n    total = sum(float(r[\"{v}\"]) for r in csv.DictReader(rows))\nprint(round(total, 2))"),
    ("json", "{{\n  \"story\": \"{w}\",\n  \"figures\": [{n}, {m}],\n  \"source\": \"{v}\"\n}}"),
    ("sh", "curl -s https://data.example.org/{w}.csv | grep {v} | wc -l"),
)


@dataclass(frozen=True)
class Article:
    doc: RelatedDoc
    cluster: int
    summary: str
    body: str  # Markdown; "" when generated with text_chars
    image: str = ""  # a name from IMAGES, served at /images/<name>
    image_alt: str = ""


@dataclass(frozen=True)
class _Vocabulary:
    general: list[str]
    cum_weights: list[float]

    def sentence(self, rng: random.Random, story_words: list[str]) -> str:
        words = rng.choices(self.general, cum_weights=self.cum_weights, k=rng.randint(10, 18))
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words)), rng.choice(story_words))
        return " ".join(words).capitalize() + "."


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


def generate(count: int, seed: int = 7, clusters: int | None = None, text_chars: int | None = None,
             links: bool = False) -> list[Article]:
    """`text_chars`: keep only that much of each text and no summary or body (what the related step reads);
    the random draws, and so the corpus, are the same. `links`: the link-heavy variant (the module's
    docstring)."""
    rng = random.Random(seed)
    clusters = clusters or max(8, count // 25)
    general = [_word(rng, rng.randint(2, 4)) for _ in range(3000)]
    vocabulary = _Vocabulary(general, list(accumulate(1 / (i + 1) ** 1.07 for i in range(len(general)))))
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
    link_tags = [f"{_word(random.Random(f'{seed}:tag:{n}'), 2).title()} {n}" for n in range(300)] if links else []
    articles = []
    latest_in_story: dict[int, str] = {}  # cluster -> key of its latest article so far, for links
    for i in range(count):
        c = min(int(rng.paretovariate(0.6)) - 1, clusters - 1) if rng.random() < 0.3 else rng.randrange(clusters)
        story = stories[c]
        name = rng.choice(story["names"])
        title = f"{name} {' '.join(rng.sample(story['words'], 3))} {rng.choice(general)}"
        paragraphs = [" ".join(vocabulary.sentence(rng, story["words"]) for _ in range(rng.randint(3, 6)))
                      for _ in range(rng.randint(4, 10))]
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
            continue
        dress = random.Random(f"{seed}:{i}")  # its own draws: the documents above stay as they were
        body = _markdown(dress, vocabulary, story, paragraphs, latest_in_story.get(c))
        if links:
            body = _linked(random.Random(f"{seed}:links:{i}"), body, story, list(latest_in_story.values()))
            pool = random.Random(f"{seed}:tags:{i}")
            doc = replace(doc, tags=tuple(sorted({*story["tags"][:1], *pool.sample(link_tags, 3)})))
        image = dress.choice(IMAGES) if dress.random() < IMAGE_SHARE else ""
        image_alt = f"{name} at {' '.join(dress.sample(story['words'], 2))}" if image else ""
        articles.append(Article(doc, c, paragraphs[0][:200], body, image, image_alt))
        latest_in_story[c] = doc.key
    return articles


def _markdown(rng: random.Random, vocabulary: _Vocabulary, story: dict, paragraphs: list[str],
              earlier: str | None) -> str:
    """News copy around the article's paragraphs: headings every few paragraphs, lists, a quote,
    links, now and then code, cut or padded to a word count drawn from WORDS."""
    target = rng.randint(*WORDS)
    texts = list(paragraphs)
    while sum(len(t.split()) for t in texts) > target and len(texts) > 3:
        texts.pop()
    while sum(len(t.split()) for t in texts) < target:
        texts.append(" ".join(vocabulary.sentence(rng, story["words"]) for _ in range(rng.randint(3, 6))))
    link_at = rng.randrange(1, len(texts))
    texts[link_at] = _with_link(rng, texts[link_at], f"https://www.example.org/{rng.choice(story['words'])}/report")
    if earlier and rng.random() < 0.6:
        at = rng.randrange(1, len(texts))
        texts[at] = _with_link(rng, texts[at], f"/{earlier}")
    blocks = [texts[0]]
    for number, text in enumerate(texts[1:], 1):
        if number % rng.randint(2, 3) == 0:
            blocks.append("## " + " ".join(rng.sample(story["words"], 2) + rng.sample(vocabulary.general[:300], 2)).capitalize())
        blocks.append(text)
    extras = []
    if rng.random() < 0.6:
        items = [vocabulary.sentence(rng, story["words"])[:-1] for _ in range(rng.randint(3, 6))]
        marker = (lambda n: f"{n}.") if rng.random() < 0.4 else (lambda n: "-")
        extras.append("\n".join(f"{marker(n)} {item}" for n, item in enumerate(items, 1)))
    if rng.random() < 0.4:
        extras.append(f"> {vocabulary.sentence(rng, story['words'])}\n>\n> — {rng.choice(story['names'])}")
    if rng.random() < 0.08:
        language, code = rng.choice(_CODE_BLOCKS)
        words = rng.sample(story["words"], 2)
        extras.append(f"```{language}\n" + code.format(w=words[0], v=words[1], n=rng.randint(1, 999),
                                                         m=rng.randint(1, 999)) + "\n```")
    for extra in extras:
        blocks.insert(rng.randrange(2, len(blocks) + 1), extra)
    return "\n\n".join(blocks)


def _linked(rng: random.Random, body: str, story: dict, earlier: list[str]) -> str:
    """The body with 3 to 4 more links (4 to 6 in all), about ten emphasised phrases and an inline image, in its
    paragraphs (not in headings, lists, quotes or code)."""
    blocks = body.split("\n\n")
    prose = [n for n, block in enumerate(blocks) if block[:1].isalpha()]
    for _ in range(rng.randint(3, 4)):
        at = rng.choice(prose)
        url = (f"/{rng.choice(earlier)}" if earlier and rng.random() < 0.4
               else f"https://{rng.choice(('www.example.org', 'news.example.net', 'data.example.com'))}/"
                    f"{rng.choice(story['words'])}/{rng.randint(1, 9999)}")
        blocks[at] = _with_link(rng, blocks[at], url)
    for _ in range(rng.randint(8, 12)):
        at = rng.choice(prose)
        words = blocks[at].split(" ")
        start = rng.randrange(len(words) - 2)
        if not any(mark in " ".join(words[start:start + 2]) for mark in "[]()*_"):
            words[start:start + 2] = [f"*{' '.join(words[start:start + 2])}*"]
            blocks[at] = " ".join(words)
    at = rng.choice(prose)
    blocks[at] += f" ![{' '.join(rng.sample(story['words'], 2))}](/images/{rng.choice(IMAGES)})"
    return "\n\n".join(blocks)


def _with_link(rng: random.Random, text: str, url: str) -> str:
    """`text` with a run of two or three of its words made into a link to `url`."""
    words = text.split(" ")
    start = rng.randrange(len(words) - 3)
    end = start + rng.randint(2, 3)
    return " ".join(words[:start] + [f"[{' '.join(words[start:end])}]({url})"] + words[end:])


def write_site(articles: list[Article], folder: Path, description: str = "") -> None:
    """The corpus as a sitegen site: site.yaml, content/<section>/story-N.md and assets/images/."""
    (folder / "content").mkdir(parents=True, exist_ok=True)
    (folder / "site.yaml").write_text("title: Bench News\nbase_url: https://bench.example.com/\npage_size: 20\n"
                                      + (f"description: {description}\n" if description else ""))
    write_images(folder / "assets" / "images")
    for article in articles:
        fields = {"title": article.doc.title, "date": published(article).isoformat(),
                  "tags": f"[{', '.join(article.doc.tags)}]", "summary": article.summary}
        if article.image:
            fields |= {"image": f"/images/{article.image}", "image_alt": article.image_alt}
        write_markdown(folder / "content" / source_path(article), fields, article.body)


def source_path(article: Article) -> str:
    """`<section>/story-N.md`, the same for every tool that reads the corpus."""
    return article.doc.key.rstrip("/") + ".md"


def published(article: Article) -> datetime:
    return datetime.fromtimestamp(article.doc.published, timezone.utc)


def write_markdown(path: Path, fields: dict[str, str], body: str) -> None:
    """A Markdown file with YAML front matter; values are written as they are (the corpus needs no quoting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    front = "".join(f"{key}: {value}\n" for key, value in fields.items())
    path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")


def write_images(folder: Path) -> None:
    """The IMAGES as small real pictures (about 20 to 60 KB): a sky gradient, hills and a sun, drawn with Pillow."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(IMAGES):
        rng = random.Random(name)
        width, height = 960, 540
        image = Image.new("RGB", (width, height))
        draw = ImageDraw.Draw(image)
        top, bottom = [tuple(rng.randrange(40, 230) for _ in range(3)) for _ in range(2)]
        for y in range(height):
            draw.line([(0, y), (width, y)], fill=tuple(a + (b - a) * y // height for a, b in zip(top, bottom)))
        x, y = rng.randrange(100, width - 100), rng.randrange(60, height // 2)
        draw.ellipse([x - 50, y - 50, x + 50, y + 50], fill=(250, 220, 120))
        for hill in range(4):
            points = [(x, height - 120 + hill * 30 + rng.randrange(-60, 60)) for x in range(-40, width + 80, 80)]
            draw.polygon(points + [(width, height), (0, height)], fill=tuple(rng.randrange(20, 120) for _ in range(3)))
        image.save(folder / name, **({"quality": 82} if name.endswith(".jpg") else {"optimize": True}))


if __name__ == "__main__":
    write_site(generate(int(sys.argv[1]), links=sys.argv[3:4] == ["links"]), Path(sys.argv[2]))

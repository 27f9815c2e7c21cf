"""The related-posts function on its own: signals, picks, fallback, determinism."""

import random

from sitegen.config import RelatedConfig
from sitegen.related import FALLBACK, PICKED, SIMILAR, RelatedDoc, related_posts

DAY = 86400.0
DEFAULTS = RelatedConfig(include_newer=True)


def doc(key, text="", tags=(), section="world", day=0, title="", picked=()):
    return RelatedDoc(key=key, title=title or key, text=text, tags=tuple(tags), section=section,
                      published=1_700_000_000 + day * DAY, picked=tuple(picked))


def keys(links):
    return [link.key for link in links]


FILLER = [doc(f"filler-{i}", text=f"gardening recipe number{'x' * i} tomatoes basil soup", tags=["food"],
              section="life", day=i) for i in range(6)]


def test_shared_rare_tag_beats_shared_common_tag():
    docs = [
        doc("a", tags=["diplomacy", "north-korea"]),
        doc("rare", tags=["north-korea"], day=-1),
        doc("common", tags=["diplomacy"], day=-1),
        *[doc(f"c{i}", tags=["diplomacy"], section="other", day=-30 - i) for i in range(2)],
        *FILLER,
    ]
    assert keys(related_posts(docs, DEFAULTS)["a"])[:2] == ["rare", "common"]


def test_text_similarity_finds_related_articles_without_tags():
    docs = [
        doc("pact", text="Putin and Kim signed a defense pact in Pyongyang; missiles and weapons supply"),
        doc("missiles", text="North Korea tested missiles after the defense pact with Putin, weapons supply", day=-2),
        doc("festival", text="The film festival opened with a documentary about fishermen", day=-1),
        *FILLER,
    ]
    result = related_posts(docs, DEFAULTS)
    assert keys(result["pact"]) == ["missiles"]
    assert result["pact"][0].reason == SIMILAR


def test_same_section_and_recency_break_otherwise_equal_candidates():
    docs = [doc("a", tags=["x"]), doc("same-section", tags=["x"], day=-5),
            doc("other-section", tags=["x"], section="economy", day=-5),
            doc("old-same-section", tags=["x"], day=-400), *FILLER]
    assert keys(related_posts(docs, DEFAULTS)["a"]) == ["same-section", "other-section", "old-same-section"]


def test_never_itself_and_never_more_than_count():
    docs = [doc(f"d{i}", tags=["x"], day=-i) for i in range(10)] + FILLER
    result = related_posts(docs, RelatedConfig(count=3, include_newer=True))
    for key in (f"d{i}" for i in range(10)):
        assert key not in keys(result[key]) and len(result[key]) == 3


def test_hand_picked_come_first_even_when_unrelated():
    docs = [doc("a", tags=["x"], picked=["unrelated", "a", "missing"]), doc("b", tags=["x"], day=-1),
            doc("unrelated", text="something else entirely", section="culture", day=-9), *FILLER]
    result = related_posts(docs, DEFAULTS)["a"]
    assert keys(result) == ["unrelated", "b"]
    assert result[0].reason == PICKED


def test_newer_articles_are_left_out_unless_include_newer():
    docs = [doc("old", tags=["x"]), doc("newer", tags=["x"], day=10), doc("older", tags=["x"], day=-10), *FILLER]
    assert keys(related_posts(docs, RelatedConfig())["old"]) == ["older"]
    assert keys(related_posts(docs, DEFAULTS)["old"]) == ["newer", "older"]


def test_fallback_is_the_latest_of_the_section_and_marked():
    docs = [doc("lonely", text="zebra quantum", tags=["unique"]),
            doc("s1", text="farm harvest", day=-1), doc("s2", text="rain forecast", day=-3),
            doc("elsewhere", section="economy", day=-2), *FILLER]
    result = related_posts(docs, RelatedConfig())["lonely"]
    assert keys(result) == ["s1", "s2"]
    assert {link.reason for link in result} == {FALLBACK}


def test_threshold_filters_weak_matches():
    docs = [doc("a", tags=["x", "y", "z", "w"]), doc("weak", tags=["w"], section="other", day=-300), *FILLER]
    assert keys(related_posts(docs, RelatedConfig(include_newer=True, threshold=0.9))["a"]) == []


def test_same_lists_whatever_the_input_order():
    rng = random.Random(7)
    words = "pact missile vote budget climate energy film museum moon comet election court".split()
    docs = [doc(f"d{i}", text=" ".join(rng.choices(words, k=30)), tags=rng.sample(words, 2),
                section=rng.choice(["world", "economy"]), day=rng.randint(-90, 0)) for i in range(40)]
    expected = related_posts(docs, DEFAULTS)
    for _ in range(5):
        rng.shuffle(docs)
        assert related_posts(docs, DEFAULTS) == expected

"""Pure text stages: slugs, dates, Markdown."""

import logging
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.dates import DateProblem, parse_date
from sitegen.markdown import new_converter, quick_pass_fits, render_markdown, word_count
from sitegen.slugs import slugify

from conftest import REPO

MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize("text, slug", [
    ("Notícies d'avui", "noticies-davui"),
    ("Col·legi electoral", "collegi-electoral"),
    ("Straße & Œuvre", "strasse-oeuvre"),
    ("  Hello,   World!  ", "hello-world"),
    ("Łódź 2024", "lodz-2024"),
    ("../../etc/passwd", "etc-passwd"),
    ("日本", ""),
])
def test_slugify(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize("value, expected", [
    ("2024-06-21", datetime(2024, 6, 21, tzinfo=MADRID)),
    ("2024-06-21 09:30", datetime(2024, 6, 21, 9, 30, tzinfo=MADRID)),
    ("2024-06-21T09:30:00+02:00", datetime(2024, 6, 21, 9, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("2024-06-21T07:30:00Z", datetime(2024, 6, 21, 7, 30, tzinfo=timezone.utc)),
    ("2024/06/21", datetime(2024, 6, 21, tzinfo=MADRID)),
    ("2024-6-1", datetime(2024, 6, 1, tzinfo=MADRID)),
    ("June 21, 2024", datetime(2024, 6, 21, tzinfo=MADRID)),
    ("Fri, 21 Jun 2024 09:30:00 +0200", datetime(2024, 6, 21, 9, 30, tzinfo=timezone(timedelta(hours=2)))),
])
def test_dates_in_the_forms_blogs_use(value, expected):
    parsed = parse_date(value, MADRID)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("value, message", [
    ("2024-02-30", "not a real date"),
    ("2023-13-01", "not a real date"),
    ("next tuesday", "cannot read"),
    (2024, "is not a date"),
    ("", "is not a date"),
])
def test_impossible_or_unreadable_dates(value, message):
    with pytest.raises(DateProblem, match=message):
        parse_date(value, MADRID)


def test_markdown_extensions_a_newsroom_needs():
    text = """Intro with "quotes" and it's.

## First part {#first .wide}

| a | b |
|---|---|
| 1 | 2 |

```python
x = 1
```

A claim[^1].

[^1]: The source.
"""
    rendered = render_markdown(text)
    assert "&ldquo;quotes&rdquo;" in rendered.html and "it&rsquo;s" in rendered.html
    assert '<h2 class="wide" id="first">First part</h2>' in rendered.html
    assert "<table>" in rendered.html
    assert '<div class="highlight"><pre>' in rendered.html and '<span class="n">x</span>' in rendered.html
    assert 'class="footnote-ref"' in rendered.html
    assert [(h.level, h.anchor, h.title) for h in rendered.headings] == [(2, "first", "First part")]


def test_heading_anchors_are_generated():
    rendered = render_markdown("## Putin’s warnings\n\ntext\n")
    assert rendered.headings[0].anchor == "putins-warnings"


def test_first_paragraph_and_word_count_ignore_markup_and_code():
    rendered = render_markdown("A *bold* start, here.\n\n```\nnot counted words here\n```\n\nEnd.\n")
    assert rendered.first_paragraph == "A bold start, here."
    assert rendered.word_count == 5
    assert "not counted" not in rendered.plain_text


_WORDS = re.compile(r"\w+(?:['’-]\w+)*")  # what a word is: "don't", "well-known" and "l’home" are one


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from("ab1_ '’-—.\n\t\xa0\u2003éß٣Ⅻ«»,…"), max_size=60) | st.text(max_size=60))
def test_a_word_is_counted_once_whatever_surrounds_it(text):
    assert word_count(text) == len(_WORDS.findall(text))


def test_words_joined_by_apostrophes_and_hyphens_count_once():
    assert word_count("don't stop-the-music — 'quoted' a--b _x_ 3.5 l’home … «hola» 12-13 -a- a' 'a") == 14


def test_converter_is_reset_between_documents():
    render_markdown("Text[^a].\n\n[^a]: note\n\n## Same\n")
    second = render_markdown("## Same\n")
    assert second.headings[0].anchor == "same"
    assert "footnote" not in second.html


def _with_plain_processors(safe: bool):
    """sitegen's converter with Python-Markdown's own inline and smarty processors."""
    return new_converter(safe=safe, quick=False)


_TYPOGRAPHY = st.lists(st.sampled_from([*"ab '\"-.<>`*_&\n#[]():!x1\\^@/;", "  \n", "&amp;", "[^1]", "<b>",
                                        "http://x.y", "[a]: /u", "a@b.c"]), max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=_TYPOGRAPHY, safe=st.booleans())
def test_quick_processors_give_exactly_what_python_markdown_gives(text, safe):
    assert render_markdown(text, safe=safe).html == _with_plain_processors(safe).convert(text)


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(["[", "]", "![", "](", ")", "(", "a", " ", "\n", "[^1]", "[x]: /u", '"t"', "<",
                                      ">", "`", "\\", "*", "/u", "\n\n"]), max_size=40).map("".join))
def test_links_images_and_references_as_python_markdown_reads_them(text):
    """The quick bracket search (_QuickBrackets) against Python-Markdown's own, on text made of brackets."""
    assert render_markdown(text).html == _with_plain_processors(False).convert(text)


def test_quick_processors_on_real_articles_and_skips_text_they_cannot_change(caplog):
    plain = _with_plain_processors(False)
    for path in sorted((REPO / "content").rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        plain.reset()
        assert render_markdown(body).html == plain.convert(body), path
    assert quick_pass_fits(), "Python-Markdown renamed the method _Quick overrides: the shortcut no longer applies"
    with caplog.at_level(logging.INFO, logger="sitegen"):
        new_converter()
    assert "runs in full" not in caplog.text, \
        "Python-Markdown has an inline pattern _INLINE_TRIGGERS does not know: the main shortcut is off"

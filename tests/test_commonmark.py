"""The CommonMark engine (`markdown.engine: commonmark`, pyromark): the default engine's ids, code, footnote and
embed markup, CommonMark's own syntax, safe_mode, the setting's errors, and that it never raises."""

import re

import pytest
from hypothesis import given, settings, strategies as st

from conftest import MINIMAL_CONFIG, article, build_site, built_page, make_site
from sitegen.commonmark import render_commonmark
from sitegen.markdown import render_markdown

VIDEO = "dQw4w9WgXcQ"
SHARED = f"""\
Intro with a note[^1] and *emphasis*.

## The first "heading"

```python
total = 1 < 2
```

## The first "heading"

@[youtube]({VIDEO} "The mayor's interview")

#### Deep

[^1]: The note.
"""


def test_the_engines_write_the_same_ids_code_footnotes_and_embeds():
    default, commonmark = render_markdown(SHARED), render_commonmark(SHARED)
    assert commonmark.headings == default.headings
    assert re.findall(r' id="[^"]+"', commonmark.html) == re.findall(r' id="[^"]+"', default.html)
    for pattern in (r'<div class="highlight">.*?</div>', r'<div class="footnote">.*?</div>', r"<figure.*?</figure>",
                    r"<sup .*?</sup>"):
        assert re.findall(pattern, commonmark.html, re.S) == re.findall(pattern, default.html, re.S), pattern
    assert commonmark.word_count == default.word_count and commonmark.first_paragraph == default.first_paragraph


def test_commonmark_syntax_the_default_engine_reads_otherwise():
    text = "- a\n  - nested with two spaces\n- [x] done\n\n~~gone~~ and a list right after:\n- one\n- two\n"
    html = render_commonmark(text).html
    assert "<ul>\n<li>nested with two spaces</li>" in html.replace("<li>a\n<ul>", "<ul>")
    assert '<input disabled="" type="checkbox" checked="">' in html and "<del>gone</del>" in html
    assert "<li>one</li>" in html
    assert "<del>" not in render_markdown(text).html  # the default engine's dialect has no strikethrough


def test_heading_attributes_and_definition_lists():
    html = render_commonmark("## Results {#results .wide}\n\nTerm\n: Its definition\n").html
    assert '<h2 id="results" class="wide">Results</h2>' in html and "<dt>Term</dt>" in html


@pytest.mark.parametrize("text, forbidden, present", [
    ("<script>alert(1)</script>\n", r"<script", "&lt;script&gt;"),
    ("Hi <img src=x onerror=alert(1)> there\n", r"<img", "&lt;img"),
    ("[x](javascript:alert(1)) [y](JaVaScRiPt:x)\n", r"(?i)href=\"javascript", 'href="#"'),
    ("## Title {onclick=alert(1)}\n", r"<h2[^>]* onclick", "<h2"),
    ("àà <b>bold</b> ü\n", r"<b>", "&lt;b&gt;"),
    ("<img src=x onerror=javascript:text/html,<script>alert(1)</script>>\n", r"<(img|script)", "&lt;img"),
    ("<a x=<b x=<c x=<d>>>>\n", r"<[abcd]", "&lt;a x=&lt;b x=&lt;c x=&lt;d&gt;&gt;&gt;&gt;"),
    ('a <b title="&quot;">b</b> &amp; c\n', r"<b", "&lt;b title=“&amp;quot;”&gt;b&lt;/b&gt; &amp; c"),
])
def test_safe_mode_shows_raw_html_as_text_and_drops_script_links(text, forbidden, present):
    html = render_commonmark(text, safe=True).html
    assert not re.search(forbidden, html) and present in html, html


def test_a_site_on_the_commonmark_engine_and_the_switch_back(tmp_path):
    site = make_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + "markdown:\n  engine: commonmark\n",
                                "content/world/a.md": article("A", "2024-06-10", body=SHARED + "\n~~old~~ new\n")})
    run = build_site(site)
    assert run.code == 0 and "warning" not in run.err, run.err
    page = built_page(site, "world/a")
    assert "<del>old</del>" in page and 'id="the-first-heading_1"' in page and "embed-youtube" in page
    (site / "site.yaml").write_text(MINIMAL_CONFIG)  # the memos of one engine are not the other's
    assert build_site(site).code == 0
    assert "<del>" not in built_page(site, "world/a") and "~~old~~" in built_page(site, "world/a")


def test_the_setting_is_checked(tmp_path, monkeypatch):
    site = make_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + "markdown:\n  engine: comonmark\n",
                                "content/a.md": article()})
    run = build_site(site)
    assert run.code == 1 and "site.yaml:5: error: unknown markdown.engine 'comonmark'\n" \
                             "  hint: did you mean 'commonmark'?" in run.err
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyromark" else real(name, *a))
    (site / "site.yaml").write_text(MINIMAL_CONFIG + "markdown:\n  engine: commonmark\n")
    run = build_site(site)
    assert run.code == 1 and ("site.yaml:5: error: markdown.engine 'commonmark' needs the pyromark package, which "
                              "is not installed\n  hint: pip install 'sitegen[commonmark]'") in run.err


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab #*_[]()<>!@`~-:|{}=\n\\\"'&^.1")), max_size=200),
       st.booleans())
def test_neither_engine_ever_raises_on_random_text(text, safe):
    for render in (render_markdown, render_commonmark):
        rendered = render(text, "default", safe)
        assert isinstance(rendered.html, str)
        if safe:
            assert "<script" not in rendered.html


QUOTED = 'Ella va dir "prou" i l\'home va riure; "typed" as “these” stay, and `"code"` too.\n\n## Un "títol"\n'


@pytest.mark.parametrize("engine", ["python-markdown", "commonmark"])
def test_straight_double_quotes_become_the_quotes_of_the_article_language(tmp_path, engine):
    """Catalan at the root and German under /de/: each article's quotes are its language's, typed curly quotes
    and code stay as written, apostrophes are ’ in both; the heading's id does not change with them."""
    config = (MINIMAL_CONFIG + f"markdown:\n  engine: {engine}\nlanguage: ca\n"
              "languages:\n  ca: {title: El Diari}\n  de: {title: Die Zeitung}\n  en: {title: The Daily}\n")
    site = make_site(tmp_path, {"site.yaml": config, "content/world/a.md": article("A", body=QUOTED),
                                "content/world/a.de.md": article("A", body=QUOTED),
                                "content/world/a.en.md": article("A", body=QUOTED)})
    run = build_site(site)
    assert run.code == 0, run.err
    expected = {"world/a": ("«prou»", "«títol»"), "de/world/a": ("„prou“", "„títol“"),
                "en/world/a": ("“prou”", "“títol”")}
    for path, (said, heading) in expected.items():
        page = re.sub(r"&[lr]dquo;", lambda m: "“" if m.group(0) == "&ldquo;" else "”", built_page(site, path))
        page = page.replace("&rsquo;", "’")
        assert said in page and heading in page, path
        assert "l’home" in page and "“these”" in page and '<code>"code"</code>' in page, path
        assert 'id="un-titol"' in page, path


@pytest.mark.parametrize("engine", ["python-markdown", "commonmark"])
def test_a_new_site_language_brings_its_quotes(tmp_path, engine):
    config = MINIMAL_CONFIG + f"markdown:\n  engine: {engine}\nlanguage: ca\n"
    site = make_site(tmp_path, {"site.yaml": config, "content/world/a.md": article("A", body=QUOTED)})
    assert build_site(site).code == 0 and "«prou»" in built_page(site, "world/a")
    (site / "site.yaml").write_text(config.replace("language: ca", "language: de"))
    assert build_site(site).code == 0  # the memos of one language's quotes are not another's
    assert "„prou“" in built_page(site, "world/a")


def test_quotes_by_language_tag():
    from sitegen.languages import double_quotes

    assert double_quotes("de-CH") == ("«", "»") and double_quotes("de-AT") == ("„", "“")
    assert double_quotes("pt-PT") == ("«", "»") and double_quotes("pt-BR") == ("“", "”")
    assert double_quotes("fr") == ("«\u00a0", "\u00a0»") and double_quotes("zz") == ("“", "”")


def test_text_holding_private_use_characters_is_shown_as_written():
    """The characters that stand for others while pyromark reads (typed quotes, safe_mode's '<' and '&') are
    ones the text holds neither as characters nor as references; a text holding all of them still renders."""
    html = render_commonmark("x &#xE000; y &#57345; z <b>", safe=True).html
    assert html == "<p>x \ue000 y \ue001 z &lt;b&gt;</p>"
    every = "".join(map(chr, [*range(0xE000, 0xF900), *range(0xF0000, 0xFFFFE), *range(0x100000, 0x10FFFE)]))
    html = render_commonmark(every + ' <b>x</b> "q"', safe=True, quotes=("«", "»")).html
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_typed_quotes_and_safe_mode_together():
    """safe_mode's stand-ins and those of the typed quotes are four different characters."""
    assert render_commonmark('Il a dit “oui” et "non".\n', safe=True, quotes=("«", "»")).html == \
        "<p>Il a dit “oui” et «non».</p>"
    assert render_commonmark('“oui” <b>x</b> "n"\n', safe=True, quotes=("«", "»")).html == \
        "<p>“oui” &lt;b&gt;x&lt;/b&gt; «n»</p>"


def test_tags_that_unfold_one_at_a_time_are_all_shown_as_text():
    """Each round of escaping lets the tag around the last one parse: after a few rounds every '<' is text."""
    html = render_commonmark("<a b=" * 2000 + "c> and `<code>` and <https://example.com/>\n", safe=True).html
    assert "<a b" not in html and html.count("&lt;a b=") == 2000 and "<code>&lt;code&gt;</code>" in html


def test_typed_quotes_survive_when_the_text_holds_private_use_characters():
    text = 'Private \ue000 and \ue001, typed “kept”, straight "changed".\n'
    html = render_commonmark(text, quotes=("«", "»")).html
    assert "\ue000" in html and "\ue001" in html and "“kept”" in html and "«changed»" in html

"""The CommonMark engine (`markdown.engine: commonmark`): pyromark (pulldown-cmark, Zola's parser), then
sitegen's passes over its HTML, so that nothing downstream can tell which engine ran.

pyromark renders GitHub's dialect: tables, footnotes, strikethrough, task lists, smart punctuation,
definition lists and `{#id .class}` on headings. What it does not do as the default engine does is done
after it, on the HTML: heading ids with Python-Markdown's toc slugs (and its `_1` suffixes), code blocks
highlighted by Pygments with the default engine's markup and CSS, footnotes with its ids and markup.
Under safe_mode the source ranges pyromark reads as raw HTML are escaped before rendering (its events
give them), and links that would run a script are dropped as with the default engine.

Embeds (`@[youtube](…)`, which CommonMark would read as '@' and a link) are lifted out before rendering, as
the default engine reads them (the first line of a block, not in code), and put back as the same facades.
"""

from __future__ import annotations

import html
import re
from contextlib import suppress
from functools import cache
from itertools import chain

from markdown.extensions.toc import slugify, unique
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from .embeds import embed_lines, facade, parse_embed
from .languages import ENGLISH_QUOTES
from .markdown import Heading, RenderedMarkdown, drop_unsafe_urls, first_paragraph, plain_text, word_count

ENGINE = "commonmark"
PACKAGE = "pyromark"  # the optional extra: pip install 'sitegen[commonmark]'
_HEADING = re.compile(r"<h([1-6])((?: [^>]*)?)>(.*?)</h\1>", re.S)
_ID = re.compile(r'\sid="([^"]*)"')
_CODE = re.compile(r'<pre><code(?: class="language-([^"]+)")?>(.*?)</code></pre>', re.S)
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-reference"><a href="#([^"]+)">([^<]*)</a></sup>')
_FOOTNOTE_DEFINITION = re.compile(
    r'<div class="footnote-definition" id="([^"]+)"><sup class="footnote-definition-label">[^<]*</sup>\s*(.*?)</div>\n?',
    re.S)
_RAW_HTML = ("Html", "InlineHtml", "InlineMath", "DisplayMath")
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"((?: title="[^"]*")?) />')  # as the default engine writes it
_VOID = re.compile(r"<((?:br|hr|input)\b[^<>]*?) ?/>")  # HTML's <br>, not XHTML's <br />, as the default engine
_TABLE = re.compile(r"<table>.*?</table>", re.S)
_TABLE_PARTS = re.compile(r'(<(?:/?(?:table|thead|tbody|tr)|/t[hd])>)\s*(?=<)|( style="text-align: \w+)(")')
_ESCAPE_ROUNDS = 3
_NUMERIC_REFERENCE = re.compile(r"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
_PLACEHOLDER = re.compile(r"<p>SITEGENEMBED(\d+)E</p>")


def _options(safe: bool):
    """pyromark's options; `{#id .class key=value}` on headings not under safe_mode (a `key` could be `onclick`),
    as the default engine leaves out attr_list then."""
    import pyromark

    option = pyromark.Options
    chosen = (option.ENABLE_TABLES | option.ENABLE_FOOTNOTES | option.ENABLE_STRIKETHROUGH | option.ENABLE_TASKLISTS
              | option.ENABLE_SMART_PUNCTUATION | option.ENABLE_DEFINITION_LIST)
    return chosen if safe else chosen | option.ENABLE_HEADING_ATTRIBUTES


def render_commonmark(text: str, pygments_style: str = "default", safe: bool = False,
                      quotes: tuple[str, str] = ENGLISH_QUOTES) -> RenderedMarkdown:
    """HTML of a Markdown body read as CommonMark, with the default engine's ids, code and footnote markup;
    straight double quotes become `quotes`."""
    import pyromark

    options = _options(safe)
    text, lifted = _lifted_embeds(text, safe)
    # (chosen together: safe_mode's two and the typed quotes' two; English text outside safe_mode needs none)
    spare = _unused_characters(text, 4) if safe or quotes != ENGLISH_QUOTES else None
    shown_as_text = typed = None
    if safe:
        text, shown_as_text = _escaped_raw_html(text, options, spare[:2] if spare else None)
    if spare and quotes != ENGLISH_QUOTES:
        typed = spare[2:]  # curly quotes the author typed are set aside: only the straight ones pyromark curls change
        text = text.replace("“", typed[0]).replace("”", typed[1])
    body = _IMAGE.sub(r'<img alt="\2" src="\1"\3>', pyromark.html(text, options=options).rstrip("\n"))
    body = _VOID.sub(r"<\1>", body)
    if "<table>" in body:
        body = _TABLE.sub(_table_lines, body)
    if shown_as_text:
        body = body.replace(shown_as_text[0], "&lt;").replace(shown_as_text[1], "&amp;")
    if typed:
        body = body.replace("“", quotes[0]).replace("”", quotes[1]).replace(typed[0], "“").replace(typed[1], "”")
    if lifted:
        body = _PLACEHOLDER.sub(lambda match: lifted[int(match.group(1))], body)
    body, headings = _with_heading_ids(body)
    body = _CODE.sub(lambda match: _highlighted(match, pygments_style), body)
    body = _footnotes(body)
    if safe:
        body = drop_unsafe_urls(body)
    plain = plain_text(body)
    return RenderedMarkdown(html=body, headings=headings, plain_text=plain, first_paragraph=first_paragraph(body),
                            word_count=word_count(plain))


def _table_lines(match: re.Match) -> str:
    """A table as the default engine writes it: a line for each row and cell, `text-align: left;`."""
    return _TABLE_PARTS.sub(lambda part: part.group(1) + "\n" if part.group(1) else part.group(2) + ";\"",
                            match.group(0))


def _unused_characters(text: str, count: int) -> tuple[str, ...] | None:
    """`count` private-use characters that `text` does not hold, as characters or as numeric references: to
    stand for others while pyromark reads it (the curly quotes the author typed, the '<' and '&' of raw HTML
    under safe_mode); None for a text that holds all 137,000."""
    held = set(text)
    for reference in _NUMERIC_REFERENCE.finditer(text):
        number = reference.group(1)
        with suppress(ValueError, OverflowError):
            held.add(chr(int(number[1:], 16) if number[0] in "xX" else int(number)))
    unused = (chr(code) for code in chain(range(0xE000, 0xF900), range(0xF0000, 0xFFFFE), range(0x100000, 0x10FFFE))
              if chr(code) not in held)
    found = tuple(character for _, character in zip(range(count), unused))
    return found if len(found) == count else None


def _lifted_embeds(text: str, safe: bool) -> tuple[str, list[str]]:
    """`text` with each embed line (the first line of a block, outside fenced code, as the default engine reads
    it) in place of a placeholder paragraph, and the HTML of each: its facade, or the line as text when it is
    not a valid embed (the build warns of it, fields.py)."""
    lines, lifted = text.split("\n"), []
    for number in embed_lines(lines):
        if number and lines[number - 1].strip():
            continue
        embed = parse_embed(lines[number], safe)
        lifted.append(facade(embed) if not isinstance(embed, str) else f"<p>{html.escape(lines[number].strip())}</p>")
        lines[number] = f"SITEGENEMBED{len(lifted) - 1}E\n"
    return "\n".join(lines), lifted


def _escaped_raw_html(text: str, options, stand_ins: tuple[str, ...] | None) -> tuple[str, tuple[str, ...] | None]:
    """`text` with the '<' and '&' of each range pyromark reads as raw HTML replaced by the two `stand_ins`
    (characters the text does not hold), which the caller makes '&lt;' and '&amp;' in the HTML: it is shown
    as text (safe_mode); and the stand-ins used. Until no raw HTML is left, as escaping some can make raw HTML
    of the text around it (in `<img x=a,<b>` only `<b>` is a tag; once that is text, the `<img …>` before it
    is one); after `_ESCAPE_ROUNDS` rounds (text written to unfold one tag a round), every '<' and '&' is
    shown as text."""
    import pyromark

    if stand_ins is None:  # (a text of every private-use character: entities of them all, autolinks lost)
        return text.replace("&", "&amp;").replace("<", "&lt;"), None
    less, ampersand = stand_ins
    for _ in range(_ESCAPE_ROUNDS):
        ranges = [(span["start"], span["end"]) for event, span in pyromark.events_with_range(text, options=options)
                  if isinstance(event, dict) and next(iter(event)) in _RAW_HTML]
        if not ranges:
            return text, stand_ins
        encoded = text.encode("utf-8")  # (the ranges count bytes)
        for start, end in sorted(ranges, reverse=True):
            shown = encoded[start:end].decode("utf-8").replace("&", ampersand).replace("<", less)
            encoded = encoded[:start] + shown.encode("utf-8") + encoded[end:]
        text = encoded.decode("utf-8")
    return text.replace("&", ampersand).replace("<", less), stand_ins  # (in code too, where they read the same)


def _with_heading_ids(body: str) -> tuple[str, tuple[Heading, ...]]:
    """Every heading with an id (its own `{#id}`, else the default engine's slug of its text, made unique as
    its toc extension does), and the headings of levels 2 to 4, for the table of contents."""
    used: set[str] = set()
    found: list[Heading] = []

    def add(match: re.Match) -> str:
        level, attributes, inner = int(match.group(1)), match.group(2), match.group(3)
        title = plain_text(inner)
        given = _ID.search(attributes)
        anchor = given.group(1) if given else unique(slugify(title, "-"), used)
        used.add(anchor)
        if 2 <= level <= 4:
            found.append(Heading(level, anchor, title))
        if given:
            return match.group(0)
        return f'<h{level} id="{anchor}"{attributes}>{inner}</h{level}>'

    return _HEADING.sub(add, body), tuple(found)


def _highlighted(match: re.Match, pygments_style: str) -> str:
    """A code block as the default engine's codehilite writes it (no guessing of the language)."""
    language, code = match.group(1), html.unescape(match.group(2))
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(code, lexer, _formatter(pygments_style)).rstrip("\n")


@cache
def _formatter(pygments_style: str) -> HtmlFormatter:
    """One formatter per style (making one works out the style's CSS rules; formatting keeps no state)."""
    return HtmlFormatter(cssclass="highlight", style=pygments_style, wrapcode=True)


def _footnotes(body: str) -> str:
    """Footnote marks and notes with the default engine's ids (fnref:N, fn:N) and markup."""
    numbers: dict[str, int] = {}

    def mark(match: re.Match) -> str:
        number = numbers.setdefault(match.group(1), len(numbers) + 1)
        return f'<sup id="fnref:{number}"><a class="footnote-ref" href="#fn:{number}">{number}</a></sup>'

    body = _FOOTNOTE_REF.sub(mark, body)
    notes: list[tuple[int, str]] = []

    def note(match: re.Match) -> str:
        number = numbers.get(match.group(1))
        if number is not None:
            back = (f'&#160;<a class="footnote-backref" href="#fnref:{number}" '
                    f'title="Back to reference {number}">&#8617;</a>')
            content = match.group(2).rstrip()
            content = content[:-4] + back + "</p>" if content.endswith("</p>") else content + back
            notes.append((number, f'<li id="fn:{number}">\n{content}\n</li>'))
        return ""

    body = _FOOTNOTE_DEFINITION.sub(note, body)
    if notes:
        body = body.rstrip("\n") + '\n<div class="footnote">\n<hr>\n<ol>\n' + "\n".join(
            item for _, item in sorted(notes)) + "\n</ol>\n</div>"
    return body

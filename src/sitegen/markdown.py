"""Markdown to HTML with the extensions a newsroom needs; a pure text stage.

One Python-Markdown instance is built per process and reset between
documents (building one costs more than converting a short article).
"""

from __future__ import annotations

import html
import logging
import re
import signal
import threading
from dataclasses import dataclass
from functools import lru_cache

import markdown as python_markdown
from markdown.extensions import Extension
from markdown.treeprocessors import InlineProcessor

from .embeds import EmbedExtension
from .languages import ENGLISH_QUOTES
from .urls import runs_script

_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|li|ul|ol|h[1-6]|br|hr|tr|td|th|table|blockquote|dl|dt|dd|figure|figcaption)\b[^>]*>", re.I)
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_SKIPPED_BLOCKS = re.compile(r"<(pre|script|style)\b.*?</\1>", re.S | re.I)
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=)"([^"]*)"', re.I)
_FOOTNOTES = re.compile(r'<div class="footnote">.*?</div>', re.S)
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    title: str


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    headings: tuple[Heading, ...]
    plain_text: str
    first_paragraph: str
    word_count: int


@lru_cache(maxsize=None)
def _converter(pygments_style: str, safe: bool, quotes: tuple[str, str]) -> python_markdown.Markdown:
    return new_converter(pygments_style, safe, quotes=quotes)


def new_converter(pygments_style: str = "default", safe: bool = False, quick: bool = True,
                  quotes: tuple[str, str] = ENGLISH_QUOTES) -> python_markdown.Markdown:
    """A Python-Markdown converter as sitegen sets it up, its smart double quotes `quotes` (the language's);
    with `quick=False`, Python-Markdown's own inline and smarty passes in place of the quick ones (the same
    HTML, slower: what the quick passes are tested against)."""
    converter = python_markdown.Markdown(extensions=[*_extensions(safe, pygments_style, quotes), EmbedExtension(safe)],
                                         output_format="html")
    if safe:  # raw HTML is shown as text, not passed through
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
    if not quick:
        return converter
    if not quick_pass_fits():
        _log.info("Markdown is converted without sitegen's quick inline pass (slower, the same HTML): this "
                  "Python-Markdown (%s) no longer runs InlineProcessor.__handleInline, which it overrides "
                  "(tested: %s)", python_markdown.__version__, TESTED)
        return converter
    for name, priority in _BRACKETED.items():  # (in Python-Markdown's own order, at its own priorities)
        if name in converter.inlinePatterns:
            processor = converter.inlinePatterns[name]
            quick = type(f"Quick{type(processor).__name__}", (_QuickBrackets, type(processor)), {})
            converter.inlinePatterns.register(quick(processor.pattern, converter), name, priority)
    inline = converter.treeprocessors["inline"]
    known = [name for name in _INLINE_TRIGGERS if name in inline.inlinePatterns]
    if len(known) == len(inline.inlinePatterns):  # every pattern known: its shortcut is exact
        triggers = tuple(sorted({text for name in known for text in _INLINE_TRIGGERS[name]}))
        converter.treeprocessors.register(_Quick(converter, inline.inlinePatterns, triggers), "inline", 20)
    else:
        _log.info("Markdown's inline pass runs in full: an inline pattern sitegen does not know is registered")
    smarty = converter.treeprocessors["smarty"]
    converter.treeprocessors.register(_Quick(converter, smarty.inlinePatterns, SMARTY_TRIGGERS), "smarty", 6)
    return converter  # (both registered in their place: Python-Markdown registers them at 20 and 6)


TESTED = ">=3.7,<3.12"  # the Python-Markdown versions the quick pass was tested with (pinned in pyproject.toml)


def quick_pass_fits() -> bool:
    """Whether Python-Markdown's inline processor still runs through the name-mangled method that `_Quick`
    overrides, which is not part of its API: a version that renamed it would leave the override unused."""
    name = "_InlineProcessor__handleInline"
    return callable(getattr(InlineProcessor, name, None)) and name in InlineProcessor.run.__code__.co_names


# Text without any of these can match none of smarty's patterns (dashes, ellipses, angled and plain quotes).
SMARTY_TRIGGERS = ("--", "...", "<<", ">>", "'", '"')
# For each of Python-Markdown's own inline patterns, texts one of which is in anything it matches.
_INLINE_TRIGGERS = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[",), "reference": ("[",), "link": ("[",),
    "image_link": ("[",), "image_reference": ("[",), "short_reference": ("[",), "short_image_ref": ("[",),
    "autolink": ("<",), "automail": ("<",), "linebreak": ("  \n",), "html": ("<",), "entity": ("&",),
    "em_strong": ("*", "_"), "em_strong2": ("_",), "not_strong": ("*", "_"),
}


class _Quick(InlineProcessor):
    """An inline processor (Python-Markdown's main one, or smarty) passing over text it cannot change.

    It tries each of its patterns on every piece of text of a document, one after the other; text
    with none of the `triggers` (one of which is in any text a pattern matches) can match none of
    them, and most of a news article's text is like that. Skipping it gives the same HTML
    (tests/test_text_stages.py compares both with Python-Markdown's own) and makes a conversion about
    twice as fast. (`in` looks for each trigger ten times faster than one regular expression does.)
    """

    def __init__(self, converter: python_markdown.Markdown, patterns, triggers: tuple[str, ...]):
        super().__init__(converter)
        self.inlinePatterns, self.triggers = patterns, triggers

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if patternIndex == 0 and not any(trigger in data for trigger in self.triggers):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)  # type: ignore[misc]


# Python-Markdown's link and image patterns (priorities as it registers them), whose `getText` finds a '['s ']'.
_BRACKETED = {"reference": 170, "link": 160, "image_link": 150, "image_reference": 140, "short_reference": 130,
              "short_image_ref": 125}
_BRACKETS = re.compile(r"[\[\]]")


class _QuickBrackets:
    """`getText` (the text of a link or image, up to the ']' that closes its '[') finding the brackets with a
    regular expression. Python-Markdown (3.11) walks the paragraph character by character to find the
    ']' of every position at once, and does it again after each link it replaces (the text has changed):
    a paragraph with ten links is walked ten times, which was half of the time a link-heavy article
    took. Visiting only the brackets gives the same answer (tests/test_text_stages.py compares with
    Python-Markdown's own) in a fraction of it."""

    _ends_of: str | None = None
    _ends: dict[int, int] = {}

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802 - Python-Markdown's name
        if index == 0 or data[index - 1] != "[":  # (never, from its patterns: each ends with the '[')
            return super().getText(data, index)  # type: ignore[misc]
        if self._ends_of is not data:
            ends, opened = {}, []
            for bracket in _BRACKETS.finditer(data):
                if bracket.group() == "[":
                    opened.append(bracket.end())
                elif opened:
                    ends[opened.pop()] = bracket.end()
            self._ends_of, self._ends = data, ends
        end = self._ends.get(index)
        if end is None:  # a '[' never closed
            return data[index:], len(data), False
        return data[index:end - 1], end, True


def _extensions(safe: bool, pygments_style: str, quotes: tuple[str, str]) -> list[Extension]:
    """Python-Markdown's extensions as sitegen sets them up, made here rather than named: a name is looked up
    among every installed package's entry points first (50 ms, in each process that makes a converter).
    attr_list would let '{: onerror=... }' put event handlers on elements: not for untrusted text."""
    from markdown.extensions.abbr import AbbrExtension
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.codehilite import CodeHiliteExtension
    from markdown.extensions.def_list import DefListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.smarty import SmartyExtension
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    language_quotes = {} if quotes == ENGLISH_QUOTES else {  # (English: smarty's own entities, as always)
        "substitutions": {"left-double-quote": quotes[0], "right-double-quote": quotes[1]}}
    return [FencedCodeExtension(),
            CodeHiliteExtension(guess_lang=False, css_class="highlight", pygments_style=pygments_style),
            TableExtension(), FootnoteExtension(BACKLINK_TITLE="Back to reference %d"),
            TocExtension(permalink=False, toc_depth="2-4"), *([] if safe else [AttrListExtension()]),
            SmartyExtension(smart_angled_quotes=True, **language_quotes), SaneListExtension(), AbbrExtension(),
            DefListExtension()]


def render_markdown(text: str, pygments_style: str = "default", safe: bool = False,
                    quotes: tuple[str, str] = ENGLISH_QUOTES) -> RenderedMarkdown:
    """HTML of a Markdown body; `safe` (site.yaml safe_mode) for text from people the site doesn't trust:
    raw HTML is escaped and links to javascript:, vbscript: or data: URLs are dropped. `quotes`: the
    double quotes that "straight" ones become (languages.double_quotes)."""
    converter = _converter(pygments_style, safe, quotes)
    converter.reset()
    body_html = converter.convert(text)
    if safe:
        body_html = drop_unsafe_urls(body_html)
    headings = tuple(_flatten(getattr(converter, "toc_tokens", [])))
    plain = plain_text(body_html)
    return RenderedMarkdown(
        html=body_html,
        headings=headings,
        plain_text=plain,
        first_paragraph=first_paragraph(body_html),
        word_count=word_count(plain),
    )


def first_paragraph(body_html: str) -> str:
    """The text of the first paragraph (the summary of an article that gives none)."""
    first = _FIRST_PARAGRAPH.search(body_html)
    return plain_text(first.group(1)) if first else ""


def word_count(plain: str) -> int:
    """The words of a text (`_WORD`: "don't" and "well-known" are one). A word never spans white space, and a
    token of letters and digits alone is one word, so only the other tokens are searched (2.5× quicker)."""
    tokens = plain.split()
    others = [token for token in tokens if not token.isalnum()]
    return len(tokens) - len(others) + len(_WORD.findall(" ".join(others)))


def drop_unsafe_urls(body_html: str) -> str:
    """safe_mode: '#' for each link or image address that would run code."""
    return _URL_ATTRIBUTE.sub(_drop_unsafe_url, body_html)


class TooSlow(BaseException):
    """Rendering one body took longer than its time budget. (A BaseException: code that catches Exception,
    Pygments' lexers for one, must not turn it into an error of its own.)"""


DEFAULT_ENGINE = "python-markdown"


def render_with(engine: str, text: str, pygments_style: str = "default", safe: bool = False,
                quotes: tuple[str, str] = ENGLISH_QUOTES) -> RenderedMarkdown:
    """The body rendered by `engine` (markdown.engine in site.yaml): this module's, or commonmark.py's."""
    if engine == DEFAULT_ENGINE:
        return render_markdown(text, pygments_style, safe, quotes)
    from .commonmark import render_commonmark

    return render_commonmark(text, pygments_style, safe, quotes)


_STOP_AGAIN_SECONDS = 0.05


def render_within(seconds: float, text: str, pygments_style: str = "default", safe: bool = False,
                  engine: str = DEFAULT_ENGINE, quotes: tuple[str, str] = ENGLISH_QUOTES) -> RenderedMarkdown:
    """`render_markdown`, or TooSlow once `seconds` have passed: Python-Markdown takes quadratic time on some
    inputs (80 KB of '[a](' never finishes), and one article must not stall a build. In the main thread
    of a process (the command line's, a worker's) a timer signal stops the work; elsewhere (the preview
    server's build thread, where signals cannot be had) it runs in a thread of its own, which is left to
    finish on its own past the time, with a converter of its own."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def expired(signum, frame):
            raise TooSlow()

        previous = signal.signal(signal.SIGALRM, expired)
        # (and again every 50 ms: a TooSlow raised while a garbage-collector callback or a __del__ runs is
        # printed and dropped by Python, "Exception ignored in …", and the work would go on to its end)
        signal.setitimer(signal.ITIMER_REAL, seconds, _STOP_AGAIN_SECONDS)
        try:
            return render_with(engine, text, pygments_style, safe, quotes)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    outcome: list = []

    def work() -> None:
        try:
            outcome.append(render_with(engine, text, pygments_style, safe, quotes))
        except BaseException as exc:  # raised in the caller's thread below
            outcome.append(exc)

    worker = threading.Thread(target=work, name="sitegen-markdown", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        _converter.cache_clear()  # the runaway thread keeps the converter it has; the next render gets another
        raise TooSlow()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


_SLOW_CONSTRUCTS = (  # what makes Python-Markdown slow, and how many of each an article can have without it
    (re.compile(r"\[[^\]\n]*\]\(|\[\("), 2000, "link openings '[…]('"),
    (re.compile(r"\]\[[^\]\n]*\]"), 1000, "reference links '[…][…]'"),
    (re.compile(r"\[\^[^\]\n]*\]"), 2000, "footnote marks '[^…]'"),
    (re.compile(r"[*_]{1,3}"), 20000, "emphasis marks"),
    (re.compile(r"<"), 20000, "'<' characters"),
)


def slow_constructs(body: str) -> str:
    """The constructs an over-long render can be blamed on, as a phrase ('' when none stands out)."""
    found = [f"{len(matches):,} {name}" for pattern, usual, name in _SLOW_CONSTRUCTS
             if len(matches := pattern.findall(body)) > usual]
    return ", ".join(found)


def _drop_unsafe_url(match: re.Match) -> str:
    """'#' for a URL that would run code."""
    return f'{match.group(1)}"#"' if runs_script(match.group(2)) else match.group(0)


def plain_text(fragment: str) -> str:
    """Readable text of an HTML fragment: no tags, no code blocks, no footnotes."""
    text = _FOOTNOTES.sub(" ", _SKIPPED_BLOCKS.sub(" ", fragment))
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", text))
    return " ".join(html.unescape(text).split())


def _flatten(tokens: list[dict]) -> list[Heading]:
    out: list[Heading] = []
    for token in tokens:
        out.append(Heading(token["level"], token["id"], html.unescape(_TAG.sub("", token["name"]))))
        out.extend(_flatten(token.get("children", [])))
    return out

"""The CommonMark spec's 652 examples (0.31.2, tests/commonmark/) through the CommonMark engine, compared as the
spec's own test runner compares HTML (entities resolved, attributes sorted, whitespace at block tags dropped)."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.commonmark import render_commonmark

EXAMPLES = json.loads((Path(__file__).parent / "commonmark/spec-0.31.2.json").read_text(encoding="utf-8"))
_BLOCK = ("blockquote", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre",
          "table", "tbody", "td", "th", "thead", "tr", "ul")
# Code blocks are highlighted by Pygments, in both engines alike: the language becomes colours (highlight.css)
# rather than a class, and a block's leading and trailing blank lines are dropped.
PYGMENTS_MARKUP = {24, 34, 126, 127, 129, 130, 142, 143, 144, 146, 237, 318}


class _Normal(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.pre = [], 0

    def handle_starttag(self, tag, attrs):
        self._at_block(tag)
        self.pre += tag == "pre"
        self.out.append("<" + tag + "".join(f' {k}="{v}"' for k, v in sorted(attrs, key=lambda a: a[0])) + ">")

    def handle_startendtag(self, tag, attrs):  # <br /> as <br>: void elements have no end
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.pre -= tag == "pre"
        self._at_block(tag)
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))

    def _at_block(self, tag):
        if tag in _BLOCK and self.out and not self.out[-1].startswith("<") and not self.pre:
            self.out[-1] = self.out[-1].rstrip()


def normal(html: str) -> str:
    parser = _Normal()
    parser.feed(html)
    parser.close()
    return re.sub(r"(</?(?:%s)\b[^>]*>)\s+" % "|".join(_BLOCK), r"\1", "".join(parser.out)).strip()


def as_spec_writes_it(html: str) -> str:
    """The engine's HTML less what it adds to CommonMark's: heading ids, Pygments' spans, smart punctuation."""
    html = re.sub(r'<div class="highlight"><pre>(.*?)</pre></div>',
                  lambda m: "<pre>" + re.sub(r"</?span[^>]*>", "", m.group(1)) + "</pre>", html, flags=re.S)
    html = re.sub(r'<h([1-6]) id="[^"]*"', r"<h\1", html)
    for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("—", "---"), ("–", "--"), ("…", "...")):
        html = html.replace(curly, straight)
    return html


def test_the_spec_file_is_whole():
    assert len(EXAMPLES) == 652 and [e["example"] for e in EXAMPLES] == list(range(1, 653))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e['example']}-{e['section']}")
def test_each_spec_example(example):
    rendered = as_spec_writes_it(render_commonmark(example["markdown"]).html)
    if example["example"] in PYGMENTS_MARKUP:
        expected = re.sub(r'<code class="language-[^"]*">', "<code>", example["html"])
        assert normal(rendered).replace("\n", "") == normal(expected).replace("\n", "")
    else:
        assert normal(rendered) == normal(example["html"])

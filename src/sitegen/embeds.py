"""Video and other embeds in Markdown: `@[youtube](URL "Title")` on a line of its own.

An embed is published as a facade: a link to the video, styled as a player,
that makes no request to the video site. js/embed.js swaps in the real
iframe when the reader clicks, so nothing of YouTube or Vimeo loads (no
cookies, no scripts, no thumbnails) until the reader asks for it, and
without JavaScript the link still leads to the video.

    @[youtube](https://www.youtube.com/watch?v=dQw4w9WgXcQ "The mayor's interview")
    @[vimeo](https://vimeo.com/76979871 "Harbour timelapse")
    @[iframe](https://maps.example.org/embed?id=42 "Flood map")

A YouTube or Vimeo address or a bare id is accepted. Generic iframes must be
https:// and are sandboxed; under `safe_mode` they stay a plain link, since
an untrusted author could frame anything, while YouTube and Vimeo ids are
checked characters that cannot carry markup.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.util import AtomicString

_EMBED = re.compile(r'^@\[(?P<kind>[^\]]*)\]\(\s*(?P<target>[^\s")]*)\s*(?:"(?P<title>[^"]*)"\s*)?\)\s*$')
_STARTS_LIKE_EMBED = re.compile(r"^ {0,3}@\[[A-Za-z]+\]\(")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
KINDS = ("youtube", "vimeo", "iframe")
HINT = 'write it on a line of its own, like @[youtube](https://www.youtube.com/watch?v=ID "Title")'
SANDBOX = "allow-scripts allow-same-origin allow-popups allow-presentation"


@dataclass(frozen=True)
class Embed:
    kind: str
    link: str  # where the video is, for readers without JavaScript
    frame: str  # what the iframe loads once clicked; '' for a plain link
    title: str  # the link's text and the iframe's accessible name


def parse_embed(line: str, safe: bool = False) -> Embed | str:
    """The embed a line asks for, or what is wrong with it."""
    match = _EMBED.match(line.strip())
    if not match:
        return "an embed needs a kind and an address in brackets: @[kind](address \"optional title\")"
    kind, target, title = match["kind"].lower(), match["target"], (match["title"] or "").strip()
    if kind == "youtube":
        video = _youtube_id(target)
        if not video:
            return f"'{target}' is not a YouTube video address or id"
        return Embed(kind, f"https://www.youtube.com/watch?v={video}",
                     f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1", title or "YouTube")
    if kind == "vimeo":
        video = _vimeo_id(target)
        if not video:
            return f"'{target}' is not a Vimeo video address or id"
        return Embed(kind, f"https://vimeo.com/{video}", f"https://player.vimeo.com/video/{video}?autoplay=1&dnt=1",
                     title or "Vimeo")
    if kind == "iframe":
        parts = urlsplit(target)
        if parts.scheme != "https" or not parts.netloc:
            return f"an iframe embed needs an https:// address, not '{target}'"
        return Embed(kind, target, "" if safe else target, title or parts.hostname or target)
    return f"unknown embed '{match['kind']}'; sitegen embeds {', '.join(KINDS)}"


def _youtube_id(target: str) -> str:
    if _YOUTUBE_ID.match(target):
        return target
    parts = urlsplit(target)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    if parts.scheme not in ("http", "https"):
        return ""
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif host in ("youtube.com", "youtube-nocookie.com"):
        path = parts.path.strip("/").split("/")
        candidate = parse_qs(parts.query).get("v", [""])[0] if path == ["watch"] else (
            path[1] if len(path) == 2 and path[0] in ("embed", "shorts", "live") else "")
    else:
        return ""
    return candidate if _YOUTUBE_ID.match(candidate) else ""


def _vimeo_id(target: str) -> str:
    if _VIMEO_ID.match(target):
        return target
    parts = urlsplit(target)
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path.strip("/").split("/")
    if parts.scheme not in ("http", "https") or host not in ("vimeo.com", "player.vimeo.com"):
        return ""
    candidate = path[1] if host == "player.vimeo.com" and len(path) == 2 and path[0] == "video" else path[0]
    return candidate if len(path) <= 2 and _VIMEO_ID.match(candidate) else ""


def embed_lines(lines: list[str]) -> Iterator[int]:
    """The index of each line that starts like an embed, outside fenced code."""
    fenced = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _STARTS_LIKE_EMBED.match(line):
            yield number


def embed_problems(markdown: str) -> list[tuple[int, str]]:
    """(line index, problem) for each line that starts like an embed but is not a valid one; code is skipped."""
    lines = markdown.split("\n")
    return [(number, found) for number in embed_lines(lines) if isinstance(found := parse_embed(lines[number]), str)]


class _EmbedProcessor(BlockProcessor):
    """A block whose first line is an embed: that line becomes a facade, the rest is read as usual."""

    def __init__(self, parser, safe: bool):
        super().__init__(parser)
        self.safe = safe

    def test(self, parent, block) -> bool:
        return bool(_STARTS_LIKE_EMBED.match(block))

    def run(self, parent, blocks) -> None:
        first, _, rest = blocks.pop(0).partition("\n")
        if rest.strip():
            blocks.insert(0, rest)
        embed = parse_embed(first, self.safe)
        if isinstance(embed, str):  # shown as written, so the author sees it; the build warns (fields.py)
            ET.SubElement(parent, "p").text = AtomicString(first.strip())
            return
        ET.SubElement(parent, "p").text = self.parser.md.htmlStash.store(facade(embed))  # (put in as it is)


def facade(embed: Embed) -> str:
    """The HTML of an embed: a link to the video, styled as a player, that js/embed.js turns into the iframe
    once clicked (nothing is loaded from the other site before). Both Markdown engines write it."""
    attributes = {"class": "embed-facade", "href": embed.link}
    if embed.frame:
        attributes |= {"data-embed-src": embed.frame, "data-embed-title": embed.title}
        if embed.kind == "iframe":
            attributes["data-embed-sandbox"] = SANDBOX
    written = " ".join(f'{name}="{html.escape(value, quote=False).replace(chr(34), "&quot;")}"'  # as Python-
                       for name, value in sorted(attributes.items()))  # Markdown writes them: ' stays
    play = '<span aria-hidden="true" class="embed-play"></span>' if embed.frame else ""
    return (f'<figure class="embed embed-{embed.kind}"><a {written}>{play}'
            f'<span class="embed-title">{html.escape(embed.title, quote=False)}</span></a></figure>')


class EmbedExtension(Extension):
    def __init__(self, safe: bool = False):
        super().__init__()
        self.safe = safe

    def extendMarkdown(self, md) -> None:  # noqa: N802 (Python-Markdown's name)
        md.parser.blockprocessors.register(_EmbedProcessor(md.parser, self.safe), "embed", 15)

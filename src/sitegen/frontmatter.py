"""Split a Markdown file's text into its YAML front matter and its body.

A pure text stage: a string in, a `SplitText` (or a `FrontMatterError` with
the line in the file) out. Tolerates a BOM, CRLF line ends and blank lines
before the opening `---`.
"""

from __future__ import annotations

from dataclasses import dataclass

FENCE = "---"
_CLOSERS = ("---", "...")


@dataclass(frozen=True)
class SplitText:
    front_matter: str
    front_matter_line: int  # 1-based line of the first front matter line
    body: str
    body_line: int  # 1-based line where the body starts


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int, hint: str):
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


def normalize_text(text: str) -> str:
    """Drop a BOM and turn CRLF/CR line ends into LF."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> SplitText:
    lines = normalize_text(text).split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise FrontMatterError("the file is empty", 1, "start it with '---', a 'title: ...' line and '---'")
    opener = lines[start].rstrip()
    if opener != FENCE:
        hint = "start the file with a line '---', then 'title: ...' and the other fields, then '---'"
        if opener == "+++":
            hint = "sitegen reads YAML front matter between '---' lines; TOML ('+++') is not supported"
        raise FrontMatterError("no front matter: the file must start with a '---' line", start + 1, hint)
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() in _CLOSERS:
            return SplitText(
                front_matter="\n".join(lines[start + 1:end]),
                front_matter_line=start + 2,
                body="\n".join(lines[end + 1:]),
                body_line=end + 2,
            )
    raise FrontMatterError(
        "the front matter opened here is never closed",
        start + 1,
        "add a line '---' after the last front matter field, before the article's text",
    )

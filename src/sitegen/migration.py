"""What blogs moved from Jekyll, Hugo or Pelican bring along, and how sitegen reads it.

Fields that mean what one of sitegen's means are read as it (`READ_AS`: Hugo's `lastmod`
is `updated`), so a migrated blog builds without a warning its author cannot act on. Those
sitegen has no equivalent for are kept (in page.extra) with a warning that says what to
write instead; the few that hide an article are honoured, so nothing unpublished goes live
by accident. Jekyll's dated file names give the slug and, when the front matter has none,
the date.
"""

from __future__ import annotations

import re
from typing import Any

# Other generators' fields (lowercased: Hugo's keys are case-insensitive) → the sitegen field they are read as,
# when the article does not give that one itself.
READ_AS = {
    "description": "summary",  # Hugo (and many themes)
    "excerpt": "summary",  # Jekyll
    "lastmod": "updated",  # Hugo
    "last_modified_at": "updated",  # Jekyll (jekyll-last-modified-at)
    "modified": "updated",  # Pelican
    "expirydate": "expires",  # Hugo
    "redirect_from": "aliases",  # Jekyll (jekyll-redirect-from)
    "category": "section",  # Pelican: one category per article
}
# Hugo's publishDate is when Hugo publishes the page (it holds back a future one): the article's date, even
# when `date` (Hugo's date of writing) is given too.
PUBLISH_DATE = "publishdate"
FOREIGN_FIELDS = {
    "published": "sitegen hides an article with 'draft: true'",
    "status": "sitegen hides an article with 'draft: true'",
    "permalink": "set 'slug:' (and 'section:'), 'permalinks:' in site.yaml, and 'aliases:' for old URLs",
    "url": "set 'slug:' (and 'section:'), 'permalinks:' in site.yaml, and 'aliases:' for old URLs",
    "categories": "use 'section:' for the main one and 'tags:' for the rest",
}
FOREIGN_LAYOUTS = frozenset({"post", "posts", "single", "default"})  # Jekyll's and Hugo's article layouts
_DATED_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")


def with_own_names(data: dict[str, Any], key_lines: dict[str, int]) -> tuple[dict[str, Any], dict[str, int]]:
    """Front matter with other generators' fields (READ_AS, PUBLISH_DATE) also under sitegen's names, each at
    the line of the field it was read from; sitegen's own, when given, win (except over publishDate), and an
    empty field is not given."""
    found = {key.lower(): key for key in data if read_as(key)}
    if not found:
        return data, key_lines
    data, key_lines = dict(data), dict(key_lines)
    for lowered, key in found.items():
        if data[key] in (None, ""):  # 'publishDate:' left empty, as Hugo reads it: not given
            continue
        own = "date" if lowered == PUBLISH_DATE else READ_AS[lowered]
        if own not in data or lowered == PUBLISH_DATE or data[own] in (None, ""):
            data[own] = data[key]
            if key in key_lines:
                key_lines[own] = key_lines[key]
    return data, key_lines


def read_as(key: str) -> bool:
    """Whether a front matter key is another generator's name for one of sitegen's fields."""
    lowered = key.lower()
    return lowered in READ_AS or lowered == PUBLISH_DATE


def hidden_by_foreign_field(data: dict[str, Any]) -> bool:
    """Jekyll's `published: false` and Pelican's `status: draft` (or hidden)."""
    lowered = {str(key).lower(): value for key, value in data.items()}
    published = lowered.get("published")
    status = str(lowered.get("status", "")).strip().lower()
    return published is False or str(published).lower() in ("false", "no", "off") or status in ("draft", "hidden")


def split_dated_name(stem: str) -> tuple[str, str]:
    """'2024-06-21-hello-world' → ('2024-06-21', 'hello-world'); ('', stem) otherwise."""
    match = _DATED_NAME.match(stem)
    return (match.group(1), match.group(2)) if match else ("", stem)

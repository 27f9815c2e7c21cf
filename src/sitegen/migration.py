"""What blogs moved from Jekyll, Hugo or Pelican bring along, and how sitegen reads it.

Their front matter fields are kept (in page.extra) with a warning that names
sitegen's own field; the few that hide an article are honoured, so nothing
unpublished goes live by accident. Jekyll's dated file names give the slug
and, when the front matter has none, the date.
"""

from __future__ import annotations

import re
from typing import Any

FOREIGN_FIELDS = {
    "published": "sitegen hides an article with 'draft: true'",
    "status": "sitegen hides an article with 'draft: true'",
    "permalink": "set 'slug:' (and 'section:'), 'permalinks:' in site.yaml, and 'aliases:' for old URLs",
    "url": "set 'slug:' (and 'section:'), 'permalinks:' in site.yaml, and 'aliases:' for old URLs",
    "lastmod": "use 'updated:'",
    "modified": "use 'updated:'",
    "last_modified_at": "use 'updated:'",
    "categories": "use 'section:' for the main one and 'tags:' for the rest",
    "category": "use 'section:'",
    "excerpt": "use 'summary:'",
    "keywords": "use 'tags:'",
    "redirect_from": "use 'aliases:' (old URLs that redirect here)",
}
FOREIGN_LAYOUTS = frozenset({"post", "posts", "single", "default"})  # Jekyll's and Hugo's article layouts
_DATED_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")


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

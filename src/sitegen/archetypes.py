"""Archetypes: the site's templates of new articles and pages, for `sitegen new`.

As in Hugo, `archetypes/<section>.md` is the template of a new article of that section, else
`archetypes/article.md` (or Hugo's `archetypes/default.md`), and `archetypes/page.md` of a new page.
A template is an article file whose text may hold placeholders: `{{ title }}`, `{{ date }}`,
`{{ section }}`, `{{ slug }}`, `{{ author }}`, `{{ subtitle }}`, `{{ image }}` (Hugo's `{{ .Title }}`,
`{{ .Date }}` too). They are replaced as text, never run: in the front matter by a quoted YAML value
(a headline with ': ' or quotes in it stays one value), in the body by the text itself, except in code
(fenced blocks and `spans`), which is left as written. The fields
the command sets that the template lacks are added; the rest of the template is kept as written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from .errors import SiteError, error
from .yamlfile import YamlProblem, load_mapping

ARCHETYPES_DIR = "archetypes"
PLACEHOLDERS = ("title", "date", "section", "slug", "author", "subtitle", "image")
_PLACEHOLDER = re.compile(r"""(["']?)\{\{-?\s*\.?([A-Za-z_][\w.]*)[^}]*?-?\}\}\1""")
# Code in a body (fenced blocks, `spans`): split() gives prose and code by turns.
_CODE = re.compile(r"((?:^(?:```|~~~)[^\n]*\n.*?^(?:```|~~~)[^\n]*$)|`[^`\n]+`)", re.M | re.S)


def archetype_for(site_dir: Path, section: str, page: bool) -> Path | None:
    """The site's template for a new page, or a new article of `section`; None when it has none."""
    folder = site_dir / ARCHETYPES_DIR
    names = ["page.md"] if page else [f"{section}.md"] * bool(section) + ["article.md", "default.md"]
    return next((folder / name for name in names if (folder / name).is_file()), None)


def fill(template: str, shown: str, values: dict[str, str], fields: dict[str, object]) -> str:
    """The template's text with its placeholders replaced by `values`, and the `fields` (front matter key →
    value) it does not set added at the top of its front matter; SiteError naming the template's line for
    an unknown placeholder or front matter that is not YAML."""
    text = template.replace("\r\n", "\n")
    if not text.startswith("---\n") or "\n---" not in text[3:]:
        raise SiteError([error(shown, 1, "an archetype starts with front matter between '---' lines",
                               "write it like an article: '---', 'title: {{ title }}', '---', then the body")])
    end = text.index("\n---", 3) + 1
    front, body = text[4:end], text[end:]
    unknown = [(front[:m.start()].count("\n") + 2, m.group(2)) for m in _PLACEHOLDER.finditer(front)
               if m.group(2).lower() not in PLACEHOLDERS]
    parts = _CODE.split(body)
    prose = "".join(re.sub(r"[^\n]", " ", part) if index % 2 else part for index, part in enumerate(parts))
    unknown += [(text[:end].count("\n") + body[:m.start()].count("\n") + 1, m.group(2))
                for m in _PLACEHOLDER.finditer(prose) if m.group(2).lower() not in PLACEHOLDERS]
    if unknown:
        raise SiteError([error(shown, line, f"unknown placeholder '{name}' (placeholders are replaced as text, "
                               "not run as a template)", f"use {', '.join('{{ ' + p + ' }}' for p in PLACEHOLDERS)}")
                         for line, name in unknown])
    front = _PLACEHOLDER.sub(lambda m: json.dumps(values.get(m.group(2).lower(), ""), ensure_ascii=False), front)
    body = "".join(part if index % 2 else _PLACEHOLDER.sub(
        lambda m: m.group(1) + values.get(m.group(2).lower(), "") + m.group(1), part)
        for index, part in enumerate(parts))
    try:
        given = load_mapping(front, 2).data
    except YamlProblem as exc:
        raise SiteError([error(shown, exc.line, f"front matter: {exc.message}",
                               "quote values that contain ': ', or leave placeholders unquoted")]) from None
    added = "".join(yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=1000)
                    for key, value in fields.items() if key not in given)
    return "---\n" + added + front + body

"""Section files: `content/<section>/_index.md`, Hugo's page of a section, read as Hugo means it.

Its `title` names the section wherever the section is shown (navigation, kicker, breadcrumb, the
section page) unless site.yaml's `sections:` names it, and its text is the introduction of the
section page (its `summary`, or else the text's first paragraph, is that page's description).
`_index.<code>.md` is the same for one language of a multilingual site. The title is read with the
settings (`with_section_titles`), so that every stage sees one name; the introduction with the
content (`load_intros`), as Markdown, reporting problems at their lines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from markupsafe import Markup

from .errors import Diagnostic, error, warning
from .fields import TextStages, markdown_settings, split_article
from .frontmatter import SplitText
from .i18n import base_language
from .markdown import TooSlow
from .slugs import slugify
from .yamlfile import YamlProblem, load_mapping, one_line

SECTION_FILE = "_index"  # with .md, or .<language code>.md


@dataclass(frozen=True)
class SectionIntro:
    """A section's introduction, from its section file, in one language (its title names the section through
    the settings: with_section_titles)."""

    summary: str  # the section page's description
    html: Markup


def section_files(content_dir: Path, codes: tuple[str, ...]) -> list[tuple[Path, str, str]]:
    """Each section file: (path, section slug, language code); a file in no language of the site is left
    alone (content.py reports it)."""
    found = []
    try:
        folders = [entry for entry in os.scandir(content_dir) if entry.is_dir()]
    except OSError:
        return []
    for folder in sorted(folders, key=lambda entry: entry.name):
        if folder.name.startswith("_"):
            continue
        for path in sorted(Path(folder.path).glob(f"{SECTION_FILE}*.md")):
            code = language_of(path.name, codes)
            slug = slugify(folder.name, code) if code else ""  # as its articles' section is (fields.py)
            if slug:
                found.append((path, slug, code))
    return found


def language_of(name: str, codes: tuple[str, ...]) -> str | None:
    """'_index.md' → the default language, '_index.en.md' → 'en'; None for another name."""
    if name == f"{SECTION_FILE}.md":
        return codes[0]
    middle = name.removeprefix(f"{SECTION_FILE}.").removesuffix(".md")
    return next((code for code in codes if middle.lower() in (code.lower(), base_language(code))), None)


def with_section_titles(config):
    """The settings with each section file's `title` as its section's name where site.yaml gives none."""
    codes = tuple(language.code for language in config.all_languages)
    titles: dict[str, dict[str, str]] = {}
    for path, slug, code in section_files(config.site_path(config.content_dir), codes):
        title = _title(path)
        if title:
            titles.setdefault(code, {})[slug] = title
    if not titles:
        return config

    def named(given: dict[str, str], code: str) -> dict[str, str]:  # site.yaml's first: it sets the order too
        return {**given, **{slug: title for slug, title in titles.get(code, {}).items() if slug not in given}}

    if not config.languages:
        return replace(config, sections=named(config.sections, codes[0]))
    return replace(config, languages=tuple(replace(language, sections=named(language.sections, language.code))
                                           for language in config.languages))


def _title(path: Path) -> str:
    """A section file's title, '' when it has none or cannot be read (load_intros reports why)."""
    read = _read(path, str(path), [])
    title = read[0].get("title") if read else None
    return one_line(title) if isinstance(title, str) else ""


def _read(path: Path, source: str, problems: list[Diagnostic]) -> tuple[dict, SplitText] | None:
    """A section file's front matter and its text (a file of text alone is all text, as Hugo takes it); None
    when it cannot be read, with the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(error(source, 0, f"cannot be read: {exc.strerror or exc}"))
        return None
    if not raw.lstrip(b"\xef\xbb\xbf").startswith(b"---"):
        raw = b"---\n---\n" + raw
    split = split_article(source, raw, problems)
    if split is None:
        return None
    try:
        return load_mapping(split.front_matter, split.front_matter_line).data, split
    except YamlProblem as exc:
        problems.append(error(source, exc.line, f"front matter: {exc.message}", exc.hint
                              or "check indentation, and quote values that contain ': '"))
        return None


def load_intros(config, stages: TextStages) -> tuple[dict[tuple[str, str], SectionIntro], list[Diagnostic]]:
    """Every section file's introduction, by (language code, section slug), and the problems found."""
    codes = tuple(language.code for language in config.all_languages)
    intros: dict[tuple[str, str], SectionIntro] = {}
    problems: list[Diagnostic] = []
    content = config.site_path(config.content_dir)
    for path, slug, code in section_files(content, codes):
        source = f"{config.content_dir}/{path.relative_to(content).as_posix()}"
        read = _read(path, source, problems)
        if read is None:
            continue
        data, split = read
        try:
            rendered = stages.markdown(split.body, *markdown_settings(config, code))
        except TooSlow:
            problems.append(error(source, split.body_line, f"the Markdown took more than "
                                  f"{config.limits.markdown_seconds:g} s to convert", "split or simplify it"))
            continue
        if data.get("draft") is True:
            problems.append(warning(source, 1, "'draft' does nothing in a section file: its title and text are shown "
                                    "as long as the section has published articles", "remove the line"))
        summary = data.get("summary", data.get("description"))
        intros[(code, slug)] = SectionIntro(one_line(summary) if isinstance(summary, str) else rendered.first_paragraph,
                                            Markup(rendered.html))
    return intros, problems

"""Menus: the `menus:` setting, checked into entries, and each entry made a link in each language.

Entries are written as Hugo writes them (`name`, `url` or `page`/`pageRef`, `weight`, `identifier`,
`parent`), so a migrated site's menus carry over. A `page` names something the site builds: an
article or page by its file under content/ ('pages/about.md', or 'about' as Hugo's pageRef: /about
names it), a section by its folder
('world'), a tag or author page ('tags/energy', 'authors/ana-puig'), or the tag or author index
('tags', 'authors'). Which it is can only be told once the content is loaded, so site.yaml is checked
for the form of the entries (config stage) and the pages are looked up in the model (`menu_links`):
an entry naming nothing the site has is an error on its line of site.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .errors import Diagnostic, did_you_mean, error, warning
from .languages import CONFIG_NAME
from .urls import runs_script

ENTRY_KEYS = ("name", "url", "page", "pageRef", "weight", "identifier", "parent")
_HINT = "write an entry like '- {name: World, page: world}' or '- {name: Newsletter, url: https://…}'"


@dataclass(frozen=True)
class MenuEntry:
    """One entry of a menu as site.yaml declares it."""

    menu: str
    names: tuple[tuple[str, str], ...]  # (language code, label); code '' for the label of every language
    page: str  # what the entry points at in the site (see the module docstring), or ''
    url: str  # or an address: '/newsletter/', 'https://…'
    weight: int
    identifier: str  # for `parent` of other entries; the name when not given
    parent: str
    line: int = field(compare=False, repr=False)  # (not in the settings' repr, which every page reads)

    def name_in(self, language: str) -> str:
        labels = dict(self.names)
        return labels.get(language) or labels.get("") or next(iter(labels.values()), "")


@dataclass(frozen=True)
class MenuLink:
    """An entry of a menu as a layout sees it, in the language of the page."""

    name: str
    url: str  # ready to print
    external: bool  # to another site
    section: str  # the slug of the section it points at ('' if none), to mark the articles of that section
    children: tuple[MenuLink, ...] = ()  # entries whose `parent` is this one

    def current(self, page: Any) -> str:
        """The aria-current value for this link on `page`: 'page' when it is the page itself, 'true' when the
        page is in the section it points at, '' otherwise."""
        if getattr(page, "url", None) == self.url:
            return "page"
        if self.section:
            section = getattr(page, "section", None) or (
                getattr(page, "term", None) if getattr(page, "kind", "") == "section" else None)
            if section is not None and getattr(section, "slug", "") == self.section:
                return "true"
        return ""


def check_menus(raw: Any, line_of, codes: Iterable[str], problems: list[Diagnostic]) -> tuple[MenuEntry, ...]:
    """The `menus:` setting as entries, in menu order (weight, then as written); every problem with its line."""
    codes = set(codes)
    if not isinstance(raw, dict):
        problems.append(error(CONFIG_NAME, line_of("menus"), "'menus' maps a menu's name to its entries",
                              "write it like 'menus: {main: [{name: World, page: world}]}'"))
        return ()
    entries = []
    for menu, items in raw.items():
        where = line_of(f"menus.{menu}")
        if not isinstance(items, list):
            problems.append(error(CONFIG_NAME, where, f"'menus.{menu}' must be a list of entries", _HINT))
            continue
        for position, item in enumerate(items):
            entry = _entry(str(menu), position, item, line_of, codes, problems)
            if entry is not None:
                entries.append((entry.weight, len(entries), entry))
    return tuple(entry for _, _, entry in sorted(entries, key=lambda e: e[:2]))


def _entry(menu: str, position: int, item: Any, line_of, codes: set[str],
           problems: list[Diagnostic]) -> MenuEntry | None:
    key = f"menus.{menu}.{position}"
    where = line_of(key, line_of(f"menus.{menu}"))
    label = f"entry {position + 1} of menu '{menu}'"
    if not isinstance(item, dict):
        problems.append(error(CONFIG_NAME, where, f"{label} must be a mapping, not {item!r}", _HINT))
        return None
    count = len(problems)
    for name in item:
        if name not in ENTRY_KEYS:
            problems.append(error(CONFIG_NAME, line_of(f"{key}.{name}", where), f"unknown key '{name}' in {label}",
                                  did_you_mean(str(name), ENTRY_KEYS) or f"use {', '.join(ENTRY_KEYS)}"))
    page, url = item.get("page", item.get("pageRef")), item.get("url")
    if (page is None) == (url is None) and len(problems) == count:  # (a misspelt 'url' said so already)
        problems.append(error(CONFIG_NAME, where, f"{label} needs either 'page' (something the site builds) or "
                              "'url' (an address), and not both", _HINT))
    for name, value in (("page", page), ("url", url), ("identifier", item.get("identifier")),
                        ("parent", item.get("parent"))):
        if value is not None and not (isinstance(value, str) and value.strip()):
            problems.append(error(CONFIG_NAME, line_of(f"{key}.{name}", where), f"'{name}' of {label} must be text"))
    if isinstance(url, str) and url.strip() and (runs_script(url) or not (
            url.strip().startswith("/") or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", url.strip()))):
        problems.append(error(CONFIG_NAME, line_of(f"{key}.url", where), f"'url' of {label} must be a path of the "
                              f"site starting with '/' or an address with its scheme, not {url!r}",
                              "write '/newsletter/' or 'https://lists.example.org/join' (no javascript:)"))
    weight = item.get("weight", 0)
    if not isinstance(weight, int) or isinstance(weight, bool):
        problems.append(error(CONFIG_NAME, line_of(f"{key}.weight", where),
                              f"'weight' of {label} must be a whole number (lower comes first)"))
    names = _names(item.get("name"), page, f"{key}.name", label, line_of, where, codes, problems)
    if len(problems) > count:
        return None
    identifier = item.get("identifier") or dict(names).get("") or (names[0][1] if names else page)
    return MenuEntry(menu, names, (page or "").strip(), (url or "").strip(), weight, identifier.strip(),
                     (item.get("parent") or "").strip(), where)


def _names(name: Any, page: Any, key: str, label: str, line_of, where: int, codes: set[str],
           problems: list[Diagnostic]) -> tuple[tuple[str, str], ...]:
    """The entry's label, one for every language or one per language code."""
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = str(name)  # 'name: 2024'
    if isinstance(name, str) and name.strip():
        return (("", name.strip()),)
    if isinstance(name, dict) and name and all(isinstance(v, str) and v.strip() for v in name.values()):
        unknown = [code for code in name if code not in codes]
        if unknown:
            problems.append(error(CONFIG_NAME, line_of(key, where), f"{label} has a label in {unknown[0]!r}, "
                                  "which is not a language of the site", f"use {', '.join(sorted(codes))}"))
        return tuple((str(code), text.strip()) for code, text in name.items())
    if name is None and isinstance(page, str):
        return ()  # a section's or tag's own name (menu_links); an article's must be given
    problems.append(error(CONFIG_NAME, line_of(key, where), f"{label} needs a 'name': the text of the link, "
                          "or one per language ('name: {en: World, ca: Món}')"))
    return ()


def menu_links(entries: tuple[MenuEntry, ...], targets: dict[str, tuple[str, str, str]], code: str, home: str,
               problems: list[Diagnostic] | None = None,
               hidden: dict[str, str] | None = None) -> dict[str, tuple[MenuLink, ...]]:
    """The menus of one language: `targets` maps each `page` name an entry may use to (title, site path, section
    slug) in this language; `home` is the base path. An entry naming an article this build leaves out (`hidden`:
    name → why, 'a draft') is left out with a warning; one naming nothing is an error. Both go to `problems`."""
    made: dict[str, list[tuple[MenuEntry, MenuLink]]] = {}
    for entry in entries:
        if entry.page:
            target = targets.get(page_name(entry.page))
            why = (hidden or {}).get(page_name(entry.page))
            if target is None and why:
                if problems is not None:
                    problems.append(warning(CONFIG_NAME, entry.line, f"menu '{entry.menu}' links to {entry.page!r}, "
                                            f"{why}, so the entry is left out of this build",
                                            "build with --drafts, --future or --expired to preview it"))
                continue
            if target is None:
                if problems is not None:
                    problems.append(error(CONFIG_NAME, entry.line, f"menu '{entry.menu}' links to page "
                                          f"{entry.page!r}, which the site does not build",
                                          did_you_mean(page_name(entry.page), targets) or
                                          "name a file under content/ ('pages/about.md'), a section ('world'), "
                                          "a tag or author page ('tags/energy'), or 'tags'"))
                continue
            title, path, section = target
            if not entry.names and not title:
                if problems is not None:
                    problems.append(error(CONFIG_NAME, entry.line, f"the entry for {entry.page!r} in menu "
                                          f"'{entry.menu}' needs a 'name'", "add e.g. 'name: About us'"))
                continue
            link = MenuLink(entry.name_in(code) or title, home + path.lstrip("/"), False, section)
        else:
            internal = entry.url.startswith("/") and not entry.url.startswith("//")
            link = MenuLink(entry.name_in(code), home + entry.url.lstrip("/") if internal else entry.url,
                            not internal and "://" in entry.url or entry.url.startswith("//"), "")
        made.setdefault(entry.menu, []).append((entry, link))
    return {menu: _nested(pairs, menu, problems) for menu, pairs in made.items()}


def _nested(pairs: list[tuple[MenuEntry, MenuLink]], menu: str,
            problems: list[Diagnostic] | None) -> tuple[MenuLink, ...]:
    """Top-level links with their children (one level, as a header menu shows them)."""
    identifiers = {entry.identifier for entry, _ in pairs if not entry.parent}
    children: dict[str, list[MenuLink]] = {}
    for entry, link in pairs:
        if entry.parent:
            if entry.parent in identifiers:
                children.setdefault(entry.parent, []).append(link)
            elif problems is not None:
                problems.append(error(CONFIG_NAME, entry.line, f"'parent: {entry.parent}' in menu '{menu}' is not "
                                      "the identifier (or name) of a top-level entry of that menu",
                                      did_you_mean(entry.parent, identifiers) or "menus nest one level deep"))
    return tuple(link if entry.identifier not in children else
                 MenuLink(link.name, link.url, link.external, link.section, tuple(children[entry.identifier]))
                 for entry, link in pairs if not entry.parent)


def page_name(page: str) -> str:
    """What a menu's `page` names, and what an article is named by: '/pages/about.md', 'content/pages/about',
    'posts/x/index.md' (a page bundle), 'world/' → 'pages/about', 'pages/about', 'posts/x', 'world'."""
    name = page.strip().strip("/")
    name = name.removeprefix("content/")
    if name.endswith((".md", ".markdown")):
        name = name.rsplit(".", 1)[0]
    return name.removesuffix("/index").removesuffix("/_index")

"""`sitegen init`, `new` and `eject`: a new site, a new article with its front matter, a theme file to edit."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from . import __version__

from .config import CONFIG_NAME, SiteConfig, load_config
from .errors import SiteError, did_you_mean, error
from .archetypes import archetype_for, fill
from .fields import PAGES_FOLDER, PLACEHOLDER
from .slugs import slugify
from .theme import theme_dir

SITE_YAML = """\
# Settings of this site; every setting and its default: sitegen help configuration
title: {title}
description: News, as it happens.
base_url: https://news.example.com/   # the site's address (a path like /news/ under it works too)
language: en           # interface words and dates: en, ca, ...
timezone: UTC          # for front matter dates written without one
page_size: 10          # articles per page of the home page, sections, tags, authors and archives
sections:              # display names for section folders (optional)
  news: News
"""

FIRST_ARTICLE = """\
---
title: Welcome to your news site
date: {date}
section: news
tags: [Announcements]
summary: The first story of a new site.
---

This is the first article. Edit it in `content/news/welcome.md`, or write a new one with
`sitegen new "Your headline" --section news`, then run `sitegen build`.

## What goes where

- `content/`: articles in Markdown with YAML front matter, one folder per section.
- `layouts/`: your own Jinja layouts; a file here replaces the theme's file of the same name.
- `assets/`: CSS, images and other files copied to the site as they are.
"""

# A new article's text when the site has no archetype: every field `sitegen new` fills in is added to its front matter.
SITE_FILES = Path(__file__).parent / "site_files"  # written by `sitegen init` as they are
OWN_ARCHETYPE = f"---\n---\n\n{PLACEHOLDER} Set `draft: false` to publish it.\n"

LAYOUTS_README = """\
Layouts placed here replace the default theme's file of the same name
(article.html, page.html, home.html, section.html, tag.html, author.html, archive.html,
term.html, terms.html, search.html, redirect.html, 404.html, base.html, partials/...). See 'sitegen help layouts' for the variables and helpers they receive.
"""


def requirements() -> str:
    """requirements.txt of a new site: the sitegen that made it, as a CI runner can install it ('sitegen help
    deploy')."""
    from importlib.metadata import PackageNotFoundError, distribution

    head = "# The sitegen this site is built with (sitegen help deploy); CI installs it: pip install -r requirements.txt\n"
    try:
        found = distribution("sitegen")
    except PackageNotFoundError:  # run from a source folder, not installed
        found = None
    origin = json.loads(found.read_text("direct_url.json") or "{}") if found else {}
    url, vcs = origin.get("url", ""), origin.get("vcs_info")
    if isinstance(vcs, dict) and url:
        return head + f"sitegen @ {vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}\n"
    if "archive_info" in origin and url.startswith(("https://", "http://")):
        return head + f"sitegen @ {url}\n"
    # Installed from a folder of this machine, or from a package index: a CI runner has no such folder, and
    # PyPI's 'sitegen' is another project, so the name alone would install that. The line is left for the
    # site's owner to write: `pip install -r` then installs nothing, and the build step says 'sitegen: not found'.
    return head + ("# Write where a CI runner can get the sitegen you use (PyPI's 'sitegen' is another project:\n"
                   "# never install it by name alone), e.g.:\n"
                   f"# sitegen @ git+https://github.com/YOUR-ORG/sitegen@v{found.version if found else __version__}\n")


def init_site(target: Path, force: bool = False) -> list[Path]:
    """Create a new site in `target` (which must be empty or missing, unless `force`: then only the files it
    lacks are written, and none it has is touched). Returns the files written."""
    if target.exists() and not target.is_dir():
        raise SiteError([error(str(target), 0, "there is already a file here",
                               "choose a new folder name: sitegen init my-new-site")])
    if target.exists() and any(target.iterdir()) and not force:
        raise SiteError([error(str(target), 0, "there is already a folder that is not empty here",
                               f"choose a new folder name (sitegen init my-new-site), or add what a site needs "
                               f"to this one, leaving its files as they are: sitegen init --force {target}")])
    today = datetime.now().date().isoformat()
    title = target.resolve().name.replace("-", " ").strip() or "My news site"
    files = {
        CONFIG_NAME: SITE_YAML.format(title=yaml.safe_dump(title, allow_unicode=True, default_style='"').strip()),
        "content/news/welcome.md": FIRST_ARTICLE.format(date=today),
        "layouts/README.txt": LAYOUTS_README,
        "assets/images/.keep": "",
        ".gitignore": "# built by sitegen: the output, and the build cache and preview folder\n/public/\n.sitegen-cache/\n",
        "requirements.txt": requirements(),
        ".github/workflows/site.yml": (SITE_FILES / "github-workflow.yml").read_text(encoding="utf-8"),
    }
    written = []
    for relative, text in files.items():
        path = target / relative
        if path.exists() or path.is_symlink():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def new_article(site_dir: Path, title: str, section: str, tags: list[str], slug: str = "",
                now: datetime | None = None, author: str = "", image: str = "", subtitle: str = "",
                page: bool = False) -> Path:
    """Write content/<section>/<slug>.md (content/pages/<slug>.md for a `page`) from the site's archetype, or
    sitegen's own, with its front matter filled in, as a draft."""
    config = load_config(site_dir)
    wanted = slug or title
    slug = _short(slugify(wanted))
    if not slug:
        what = "the slug" if wanted != title else "the title"
        raise SiteError([error(wanted, 0, f"{what} has no ASCII letters or digits to make a file name from",
                               "give one with --slug, e.g. --slug tokyo-earthquake")])
    if section and not slugify(section):
        raise SiteError([error(section, 0, "the section name has no ASCII letters or digits",
                               "use a name like 'world' or 'culture'")])
    folder = config.site_path(config.content_dir) / (PAGES_FOLDER if page else slugify(section) if section else "")
    path = folder / f"{slug}.md"
    if path.exists():
        raise SiteError([error(str(path), 0, "an article with this file name already exists",
                               "pick another title, or edit the existing file")])
    moment = (now or datetime.now(ZoneInfo(config.timezone))).replace(microsecond=0)
    fields = {"title": title, "subtitle": subtitle or None, "date": None if page else moment.isoformat(),
              "section": section if section and not page else None, "slug": slug if slug != slugify(title) else None,
              "author": author or None, "tags": tags or ([] if not page else None), "image": image or None,
              "image_alt": "" if image else None, "summary": "", "draft": True}
    values = {"title": title, "date": moment.isoformat(), "section": section, "slug": slug, "author": author,
              "subtitle": subtitle, "image": image}
    template = archetype_for(site_dir, slugify(section), page)
    shown = template.relative_to(site_dir).as_posix() if template else "(sitegen's own archetype)"
    text = fill(template.read_text(encoding="utf-8") if template else OWN_ARCHETYPE, shown, values,
                {key: value for key, value in fields.items() if value is not None})
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _short(slug: str, limit: int = 80) -> str:
    """A slug cut at a word boundary, so file names and URLs stay manageable."""
    return slug if len(slug) <= limit else slug[:limit].rsplit("-", 1)[0]


def theme_files(config: SiteConfig) -> list[tuple[str, bool]]:
    """The theme's layouts and assets (as 'layouts/article.html', 'assets/css/site.css'), each with whether
    the site has its own file of that name, which is used instead."""
    theme = theme_dir(config)
    own = _own_folders(config)
    found = []
    for folder in ("layouts", "assets"):
        for path in sorted((theme / folder).rglob("*")):
            if path.is_file():
                inside = path.relative_to(theme / folder)
                found.append((f"{folder}/{inside.as_posix()}", (own[folder] / inside).exists()))
    return found


def eject(site_dir: Path, name: str) -> Path:
    """Copy the theme's file `name` ('article.html', 'partials/card.html', 'css/site.css', or with its
    'layouts/' or 'assets/' folder) into the site's layouts/ or assets/, to be edited there."""
    config = load_config(site_dir)
    theme = theme_dir(config)
    names = [relative for relative, _ in theme_files(config)]
    wanted = name.strip("/")
    found = next((relative for relative in (wanted, f"layouts/{wanted}", f"assets/{wanted}") if relative in names),
                 None)
    if found is None:
        raise SiteError([error(name, 0, f"the theme has no file '{name}'",
                               did_you_mean(wanted, names + [n.split("/", 1)[1] for n in names])
                               or "sitegen eject --list shows the theme's files")])
    folder, inside = found.split("/", 1)
    target = _own_folders(config)[folder] / inside
    if target.exists():
        raise SiteError([error(str(target.relative_to(config.site_dir)), 0,
                               "the site already has this file, which is used instead of the theme's",
                               "edit it; or delete it and eject again for the theme's")])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((theme / found).read_bytes())
    return target


def _own_folders(config: SiteConfig) -> dict[str, Path]:
    """The site's folders whose files replace the theme's of the same name."""
    return {"layouts": config.site_path(config.layouts_dir), "assets": config.site_path(config.assets_dir)}

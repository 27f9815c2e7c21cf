"""The demo site in this repository (Catalan at the root, English under /en/): a golden article page and a
link check.

After a deliberate change to the theme or the demo content, refresh with:
    python -m pytest tests/test_demo_site.py --update-golden
"""

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

GOLDEN = Path(__file__).parent / "golden"
SEED_PAGE = "world/putin-strengthens-ties/index.html"
SEED_ALT = ("dos homes amb vestit donant-se la mà en una habitació amb altres homes amb vestit i corbata al fons, "
            "Boris Vladimirski, trets facials simètrics, una foto d'estoc, realisme socialista")


def test_seed_article_page_matches_the_golden_copy(demo, request):
    page = (demo / SEED_PAGE).read_text(encoding="utf-8")
    golden = GOLDEN / SEED_PAGE
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(page, encoding="utf-8")
    assert page == golden.read_text(encoding="utf-8")


def test_seed_article_reproduces_the_real_page(demo):
    page = (demo / SEED_PAGE).read_text(encoding="utf-8")
    text = html.unescape(page)
    assert re.search(r'<li><a href="/">Inici</a></li>\s*<li><span aria-current="page">'
                     r"Vladimir Putin strengthens ties with North Korea and Vietnam</span>", page)
    assert "<h1>Vladimir Putin strengthens ties with North Korea and Vietnam</h1>" in page
    assert f'alt="{SEED_ALT}"' in text
    assert '<p class="standfirst">Vladimir Putin strengthens international relations</p>' in page
    body = page[page.index('<div class="article-body">'):page.index('<section class="related"')]
    headings = re.findall(r'<h2 id="[^"]+">([^<]+)</h2>', body)
    assert headings == ["Defense agreement with North Korea", "International reactions", "Content of the pact",
                        "NATO and South Korea concerns", "Putin’s warnings"]
    related = page[page.index('<section class="related"'):]
    assert "També et pot interessar" in related and len(re.findall(r'class="card-title"', related)) >= 3
    assert '<html lang="ca">' in page and "21 de juny de 2024" in page and "2 min de lectura" in page


def test_the_seed_article_has_its_english_translation(demo):
    page = (demo / SEED_PAGE).read_text(encoding="utf-8")
    english = (demo / "en" / SEED_PAGE).read_text(encoding="utf-8")
    assert '<a href="/en/world/putin-strengthens-ties/" hreflang="en" lang="en" rel="alternate">English</a>' in page
    assert '<a href="/world/putin-strengthens-ties/" hreflang="ca" lang="ca" rel="alternate">Català</a>' in english
    assert '<li><a href="/en/">Home</a></li>' in english and "You may also like" in english
    related = english[english.index('<section class="related"'):]
    assert len(re.findall(r'class="card-title"><a href="/en/', related)) >= 3


def test_no_page_carries_the_dead_flash_embed(demo):
    for path in demo.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            assert "Flash plugin" not in path.read_text(encoding="utf-8"), path


def test_every_internal_link_resolves(demo):
    """A link checker: every href/src in every page points at a file (and an id) that exists."""
    pages = sorted(demo.rglob("*.html"))
    assert len(pages) > 40
    ids = {page: set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8"))) for page in pages}
    broken = []
    for page in pages:
        for link in re.findall(r'(?:href|src)="([^"]+)"', page.read_text(encoding="utf-8")):
            parts = urlsplit(html.unescape(link))
            if parts.scheme or parts.netloc:
                continue
            target = page if not parts.path else demo / unquote(parts.path).lstrip("/")
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file() or (parts.fragment and target.suffix == ".html"
                                        and parts.fragment not in ids.get(target, set())):
                broken.append(f"{page.relative_to(demo)} → {link}")
    assert broken == []


def test_demo_has_enough_real_content(demo):
    english = [r for r in json.loads((demo / "en/search-index.json").read_text(encoding="utf-8")) if r["date"]]
    catalan = [r for r in json.loads((demo / "search-index.json").read_text(encoding="utf-8")) if r["date"]]
    assert len(english) >= 16 and len({r["section"] for r in english}) >= 4 and len(catalan) >= 4
    assert len(list((demo / "en/tags").iterdir())) > 10 and len(list((demo / "tags").iterdir())) > 5


_TYPOGRAPHY = re.compile(r"&(?:[lr][sd]quo|[lr]aquo|[nm]dash|hellip);")


def test_the_demo_site_is_the_same_with_the_commonmark_engine(demo, tmp_path):
    """Its articles are written in what both dialects read alike: every file of the site is the same, but for
    the typography the default engine writes as entities (&rsquo;) and CommonMark as characters (’)."""
    import shutil

    from conftest import REPO, build_site

    site = tmp_path / "demo"
    for folder in ("content", "layouts", "assets", "archetypes"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, site / folder)
    (site / "site.yaml").write_text((REPO / "site.yaml").read_text(encoding="utf-8")
                                    + "markdown:\n  engine: commonmark\n", encoding="utf-8")
    run = build_site(site)
    assert run.code == 0 and "0 warnings" in run.out, run.err
    built = {path.relative_to(site / "public").as_posix(): path for path in (site / "public").rglob("*")
             if path.is_file()}
    assert sorted(built) == sorted(path.relative_to(demo).as_posix() for path in demo.rglob("*") if path.is_file())

    def readable(path: Path) -> bytes | list[str]:
        if path.suffix != ".html":
            return path.read_bytes()
        text = _TYPOGRAPHY.sub(lambda m: html.unescape(m.group(0)), path.read_text(encoding="utf-8"))
        return [line for line in text.splitlines() if line.strip()]

    different = [name for name, path in built.items() if readable(path) != readable(demo / name)]
    assert different == []

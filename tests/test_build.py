"""Whole-site builds through the command line, as an author runs them."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import article, build_site, make_site, run_cli, tree

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

NOW_PLUS_YEARS = "2999-01-01"


def read(site: Path, path: str) -> str:
    return (site / "public" / path).read_text(encoding="utf-8")


@pytest.fixture
def news(tmp_path):
    return make_site(tmp_path, {
        "content/world/pact.md": article("Defense pact signed", "2024-06-21 09:30", tags="[Russia, Diplomacy]",
                                         subtitle="A standfirst", body="Putin and Kim signed a defense pact.\n\n## Reactions\n\nConcern."),
        "content/world/vietnam.md": article("Visit to Vietnam", "2024-06-20", tags="Russia, Vietnam",
                                            body="Putin visited Vietnam after the defense pact."),
        "content/economy/gas.md": article("Gas prices fall", "2024-06-19", body="Gas prices fell in June."),
        "content/world/draft.md": article("Unfinished", "2024-06-18", draft="true"),
        "content/world/future.md": article("From the future", NOW_PLUS_YEARS),
    })


def test_build_writes_every_page_and_a_summary_line(news):
    run = build_site(news)
    assert run.code == 0, run.err
    assert re.fullmatch(r"Built 3 articles \(left out: 1 draft, 1 future article\): 14 pages \(14 rendered\), "
                        r"\d+ files written to .*public, 0 warnings, in \d+ ms\n", run.out)
    for path in ["index.html", "world/pact/index.html", "world/vietnam/index.html", "economy/gas/index.html",
                 "world/index.html", "economy/index.html", "tags/russia/index.html", "tags/index.html",
                 "404.html"]:
        assert (news / "public" / path).is_file(), path
    for pattern in ["css/site.*.css", "css/highlight.*.css", "js/search.*.js"]:  # fingerprinted
        assert len(list((news / "public").glob(pattern))) == 1, pattern


def test_article_page_has_breadcrumb_byline_body_tags_and_related(news):
    build_site(news)
    html = read(news, "world/pact/index.html")
    assert re.search(r'<nav class="breadcrumb" aria-label="Breadcrumb">\s*<ol>\s*<li><a href="/">Home</a></li>\s*'
                     r'<li><a href="/world/">World</a></li>\s*<li><span aria-current="page">Defense pact signed</span>', html)
    assert "<h1>Defense pact signed</h1>" in html
    assert '<p class="standfirst">A standfirst</p>' in html
    assert '<time datetime="2024-06-21T09:30:00+00:00">June 21, 2024</time>' in html
    assert '<h2 id="reactions">Reactions</h2>' in html
    assert '<a href="/tags/diplomacy/" rel="tag">Diplomacy</a>' in html
    related = html[html.index('class="related"'):]
    assert "You may also like" in related and 'href="/world/vietnam/"' in related


def test_drafts_and_future_articles_are_left_out_unless_asked(news):
    run = build_site(news)
    everything = "".join(p.read_text() for p in (news / "public").rglob("*.html"))
    assert "Unfinished" not in everything and "From the future" not in everything
    assert "Built 3 articles (left out: 1 draft, 1 future article): " in run.out
    run = build_site(news, "--drafts", "--future")
    assert run.code == 0 and "left out" not in run.out
    assert (news / "public/world/draft/index.html").is_file()
    assert (news / "public/world/future/index.html").is_file()


def test_home_page_leads_with_the_latest_story(news):
    build_site(news)
    html = read(news, "index.html")
    assert html.index("Defense pact signed") < html.index("Visit to Vietnam") < html.index("Gas prices fall")
    assert 'class="lead-story"' in html


def test_links_work_under_a_sub_path(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "base_url: https://example.com/news/\n",
                                "content/world/a.md": article(tags="[X]"), "content/world/b.md": article("B", tags="[X]")})
    build_site(site)
    html = read(site, "world/a/index.html")
    links = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert links and all(link.startswith(("/news/", "#", "https://example.com/news/")) for link in links), links


def test_site_layouts_override_the_theme_file_by_file(news):
    (news / "layouts").mkdir()
    (news / "layouts" / "article.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="mine">{{ page.title }} by {{ page.extra.by }}</p>{% endblock %}')
    (news / "content/world/pact.md").write_text(article("Defense pact signed", by="Wire"))
    build_site(news)
    html = read(news, "world/pact/index.html")
    assert '<p class="mine">Defense pact signed by Wire</p>' in html
    assert '<a class="skip-link"' in html  # base.html still comes from the theme


def test_front_matter_layout_picks_another_template(news):
    (news / "layouts").mkdir()
    (news / "layouts" / "feature.html").write_text("<p>feature: {{ page.title }}</p>")
    (news / "content/world/pact.md").write_text(article("Defense pact signed", layout="feature"))
    build_site(news)
    assert read(news, "world/pact/index.html") == "<p>feature: Defense pact signed</p>"


def test_values_are_escaped_in_html(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article('"<script>alert(1)</script>"')})
    build_site(site)
    html = read(site, "a/index.html")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_site_with_only_content_and_site_yaml_builds(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article()})
    assert build_site(site).code == 0
    assert "<!DOCTYPE html>" in read(site, "a/index.html")


def test_catalan_interface_strings_and_dates(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "language: ca\n", "content/m/a.md": article(tags="[X]"),
                                "content/m/b.md": article("B", "2024-06-20", tags="[X]")})
    build_site(site)
    html = read(site, "m/a/index.html")
    assert '<html lang="ca">' in html and '<a href="/">Inici</a>' in html
    assert "També et pot interessar" in html and "21 de juny de 2024" in html


def test_failed_build_leaves_the_previous_output_untouched(news):
    assert build_site(news).code == 0
    before = {p: p.read_bytes() for p in (news / "public").rglob("*") if p.is_file()}
    (news / "content/world/pact.md").write_text("---\ntitle: broken\n")
    run = build_site(news)
    assert run.code == 1 and "never closed" in run.err
    after = {p: p.read_bytes() for p in (news / "public").rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in news.iterdir() if ".sitegen-new" in p.name or ".sitegen-old" in p.name] == []  # no staging left


def test_rebuild_removes_outputs_of_deleted_articles(news):
    build_site(news)
    (news / "content/economy/gas.md").unlink()
    build_site(news)
    assert not (news / "public/economy").exists()


def test_output_folder_that_sitegen_did_not_create_is_refused(news, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    run = build_site(news, "-o", precious)
    assert run.code == 1 and "refusing to replace a folder that sitegen did not create" in run.err
    assert (precious / "thesis.txt").read_text() == "years of work"


@pytest.mark.parametrize("output", [".", "content", "content/world", ".."])
def test_output_into_the_site_or_its_sources_is_refused(news, output):
    run = build_site(news, "-o", news / output)
    assert run.code == 1 and "refusing to write the site into" in run.err
    assert (news / "content/world/pact.md").is_file()


def test_strict_turns_warnings_into_errors(news):
    (news / "content/world/pact.md").write_text(article("Defense pact signed", imge_alt="typo"))
    assert build_site(news).code == 0
    run = build_site(news, "--strict")
    assert run.code == 1
    assert "content/world/pact.md:4: error: unknown front matter key 'imge_alt'" in run.err


def test_base_url_on_the_command_line_takes_the_place_of_site_yamls(news):
    """For previews and staging hosts: links and feeds use --base-url; the next build without it goes back."""
    run = build_site(news, "--base-url", "https://staging.example.org/preview/")
    assert run.code == 0, run.err
    page = (news / "public/world/pact/index.html").read_text()
    assert 'href="/preview/world/vietnam/"' in page and 'href="/world/vietnam/"' not in page
    assert "https://staging.example.org/preview/world/pact/" in (news / "public/atom.xml").read_text()
    assert build_site(news).code == 0
    assert "https://news.example.com/world/pact/" in (news / "public/atom.xml").read_text()
    assert 'href="/world/vietnam/"' in (news / "public/world/pact/index.html").read_text()
    before = tree(news / "public")
    run = build_site(news, "--base-url", "staging.example.org")
    assert run.code == 1
    assert run.err.startswith("--base-url: error: base_url 'staging.example.org' is neither an absolute URL nor a "
                              "path\n  hint: write it like 'https://news.example.com/' or '/news/'")
    assert tree(news / "public") == before


def test_list_shows_the_drafts_future_and_expired_articles_a_build_leaves_out(news):
    (news / "content/world/old.md").write_text(article("Withdrawn", "2024-01-05", expires="2024-02-01"))
    run = run_cli("list", "drafts", "-s", news)
    assert run.code == 0 and run.out == "2024-06-18 00:00  content/world/draft.md  Unfinished\n"
    run = run_cli("list", "future", "-s", news)
    assert run.code == 0 and run.out.endswith("  content/world/future.md  From the future\n")
    assert run_cli("list", "expired", "-s", news).out == "2024-02-01 00:00  content/world/old.md  Withdrawn\n"
    (news / "content/world/draft.md").unlink()
    run = run_cli("list", "drafts", "-s", news)
    assert (run.code, run.out, run.err) == (0, "", "no drafts\n")
    assert run_cli("list", "published", "-s", news).code == 2


def test_eject_copies_a_theme_file_into_the_site_to_edit(news):
    from sitegen.theme import BUILTIN_THEMES

    listed = run_cli("eject", "--list", "-s", news).out.splitlines()
    assert "layouts/article.html" in listed and "layouts/partials/card.html" in listed
    assert any(line.startswith("assets/css/") for line in listed)
    run = run_cli("eject", "article.html", "-s", news)
    assert run.code == 0, run.err
    assert (news / "layouts/article.html").read_bytes() == (BUILTIN_THEMES / "default/layouts/article.html").read_bytes()
    assert "layouts/article.html  (the site's own is used)" in run_cli("eject", "--list", "-s", news).out
    (news / "layouts/article.html").write_text((news / "layouts/article.html").read_text().replace(
        "{% block main %}", "{% block main %}<p>Ejected and edited</p>", 1))
    assert build_site(news).code == 0
    assert "Ejected and edited" in (news / "public/world/pact/index.html").read_text()
    run = run_cli("eject", "layouts/article.html", "-s", news)
    assert run.code == 1 and "layouts/article.html: error: the site already has this file" in run.err
    run = run_cli("eject", "artcle.html", "-s", news)
    assert run.code == 1 and "error: the theme has no file 'artcle.html'\n  hint: did you mean 'article.html'?" in run.err
    assert run_cli("eject", "-s", news).code == 2


def test_hugos_description_is_the_summary_when_there_is_none(news):
    (news / "content/world/pact.md").write_text(article("Defense pact signed", "2024-06-21",
                                                         description="The pact, as Hugo described it.",
                                                         body="First paragraph of the body."))
    run = build_site(news)
    assert run.code == 0 and "description" not in run.err
    page = (news / "public/world/pact/index.html").read_text()
    assert '<meta name="description" content="The pact, as Hugo described it.">' in page
    (news / "content/world/pact.md").write_text(article("Defense pact signed", "2024-06-21", summary="Ours.",
                                                         description="Hugo's."))
    assert build_site(news).code == 0
    assert '<meta name="description" content="Ours.">' in (news / "public/world/pact/index.html").read_text()


def test_hugos_params_author_is_the_author_when_the_article_names_none(news):
    (news / "content/world/pact.md").write_text("---\ntitle: Defense pact signed\ndate: 2024-06-21\n"
                                                 "params:\n  author: Anna Puig\n---\n\nText.\n")
    (news / "content/world/vietnam.md").write_text("---\ntitle: Visit\ndate: 2024-06-20\nauthor: Joan Roca\n"
                                                    "params:\n  author: Anna Puig\n---\n\nText.\n")
    run = build_site(news)
    assert run.code == 0 and "params" not in run.err
    assert "Anna Puig" in (news / "public/world/pact/index.html").read_text()
    visit = (news / "public/world/vietnam/index.html").read_text()
    assert "Joan Roca" in visit and "Anna Puig" not in visit


def test_bad_command_line_exits_2():
    assert run_cli("build", "--no-such-flag").code == 2
    assert run_cli("frobnicate").code == 2
    assert run_cli().code == 2


def test_a_mistake_in_a_commands_options_shows_that_commands_usage():
    run = run_cli("build", "--base-urll", "x")
    assert run.code == 2
    assert run.err.startswith("usage: sitegen build ") and run.err.rstrip().endswith(
        "sitegen build: error: unrecognized arguments: --base-urll x")


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_one_line_error_not_a_traceback(port):
    run = run_cli("serve", "--port", port)
    assert run.code == 2
    assert run.err.rstrip().splitlines()[-1] == (
        f"sitegen serve: error: argument --port: expected a port from 0 to 65535, not '{port}'")
    assert "Traceback" not in run.err


def test_init_force_adds_what_a_folder_lacks_and_overwrites_nothing(tmp_path):
    folder = tmp_path / "blog"
    (folder / "content/news").mkdir(parents=True)
    (folder / "content/news/welcome.md").write_text(article("My own first story", "2024-01-02"))
    (folder / "README.md").write_text("my notes\n")
    run = run_cli("init", folder)
    assert run.code == 1
    assert "there is already a folder that is not empty here" in run.err
    assert f"sitegen init --force {folder}" in run.err
    run = run_cli("init", "--force", folder)
    assert run.code == 0, run.err
    assert "content/news/welcome.md" not in run.out and "site.yaml" in run.out
    assert "My own first story" in (folder / "content/news/welcome.md").read_text()
    assert (folder / "README.md").read_text() == "my notes\n"
    assert build_site(folder).code == 0
    assert run_cli("init", "--force", folder).out.startswith("Added 0 files")
    (tmp_path / "file").write_text("x")
    assert "there is already a file here" in run_cli("init", "--force", tmp_path / "file").err


def test_init_then_new_then_build(tmp_path):
    site = tmp_path / "mysite"
    assert run_cli("init", site).code == 0
    assert run_cli("init", site).code == 1  # never over an existing site
    run = run_cli("new", "Notícies d'avui: el pressupost", "--section", "politics", "--tags", "Budget, Parliament",
                  "-s", site)
    assert run.code == 0, run.err
    created = site / "content/politics/noticies-davui-el-pressupost.md"
    text = created.read_text(encoding="utf-8")
    assert "title: 'Notícies d''avui: el pressupost'" in text and "draft: true" in text
    assert "- Budget" in text
    assert run_cli("new", "Notícies d'avui: el pressupost", "--section", "politics", "-s", site).code == 1
    run = build_site(site, "--drafts")
    assert run.code == 0, run.err
    assert (site / "public/politics/noticies-davui-el-pressupost/index.html").is_file()
    assert (site / "public/news/welcome/index.html").is_file()


def test_new_fills_author_image_and_subtitle_and_its_placeholder_never_goes_live_unnoticed(tmp_path):
    site = tmp_path / "mysite"
    assert run_cli("init", site).code == 0
    (site / "assets/images/pact.jpg").write_bytes(b"")
    run = run_cli("new", "Pact signed", "--section", "world", "--author", "Anna Puig", "--image",
                  "images/pact.jpg", "--subtitle", "Both sides agreed", "-s", site)
    assert run.code == 0, run.err
    created = site / "content/world/pact-signed.md"
    text = created.read_text()
    assert "subtitle: Both sides agreed\n" in text and "author: Anna Puig\n" in text
    assert "image: images/pact.jpg\nimage_alt: ''\n" in text
    assert "placeholder" not in build_site(site, "--drafts").err  # a draft may hold it
    created.write_text(text.replace("draft: true", "draft: false").replace("image: images/pact.jpg\nimage_alt: ''\n",
                                                                            ""))
    run = build_site(site)
    lines = created.read_text().splitlines()
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("Write the story here."))
    assert (f"content/world/pact-signed.md:{line}: warning: placeholder text left in: 'Write the story here.'\n"
            "  hint: replace it with the story") in run.err


def test_python_dash_m_and_version_work_from_a_subprocess(news):
    version = subprocess.run([sys.executable, "-m", "sitegen", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("sitegen ")
    built = subprocess.run([sys.executable, "-m", "sitegen", "build", "-q", "-s", str(news)],
                           capture_output=True, text=True)
    assert built.returncode == 0 and built.stdout == "" and built.stderr == ""


def test_the_command_ends_a_build_at_once_with_its_output_flushed_and_nothing_left_behind(tmp_path):
    """`sitegen build` ends without the interpreter's teardown (cli.run): what the teardown would do is done
    first. Its summary reaches a pipe, the exit code is the build's, and a --no-cache build's scratch folder
    (the image variants) is removed, as before."""
    from conftest import png

    site = make_site(tmp_path / "site", {"content/a.md": article("A", image="images/a.png", image_alt="A chart"),
                                         "content/images/a.png": png(1600, 900)})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    command = [sys.executable, "-m", "sitegen", "build", "--no-cache", "-s", str(site)]
    built = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "TMPDIR": str(scratch)})
    assert built.returncode == 0 and built.stdout.startswith("Built 1 article: ") and built.stderr == ""
    assert list((site / "public/images").glob("a.*.webp")) and list(scratch.iterdir()) == []
    (site / "content/b.md").write_text("---\ntitle: B\ndate: not a date\n---\nText.\n")
    failed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "TMPDIR": str(scratch)})
    assert failed.returncode == 1 and "content/b.md:3: error:" in failed.stderr and list(scratch.iterdir()) == []


def test_tags_differing_only_in_case_share_one_page(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article("A", tags="[AI]"), "content/b.md": article("B", "2024-01-01", tags="[Ai]"),
                                "content/c.md": article("C", tags="['!!!', Moon]")})
    run = build_site(site)
    assert "content/c.md:4: warning: tag '!!!' has no letters or digits to make a URL; left out" in run.err
    listing = read(site, "tags/ai/index.html")
    assert "<h1>Tagged “AI”</h1>" in listing and 'href="/a/"' in listing and 'href="/b/"' in listing
    assert '<a href="/tags/ai/" rel="tag">AI</a>' in read(site, "b/index.html")


def test_empty_date_is_an_error_not_a_crash(tmp_path):
    site = make_site(tmp_path, {"content/a.md": "---\ntitle: A\ndate:\n---\nBody\n"})
    run = build_site(site)
    assert run.code == 1 and run.err.startswith("content/a.md:3: error: 'date' is empty")


def test_yes_and_no_are_text_in_front_matter(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(tags="[NO, Norway, on]", draft="no")})
    assert build_site(site).code == 0
    html = read(site, "a/index.html")
    assert 'href="/tags/no/"' in html and 'href="/tags/on/"' in html


def test_hand_picked_related_works_for_articles_without_a_section(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article("A", related="[b]"),
                                "content/b.md": article("Completely different", body="Other words.")})
    run = build_site(site)
    assert run.code == 0 and run.err == ""
    assert 'href="/b/"' in read(site, "a/index.html").split('class="related"')[1]


def test_related_count_zero_shows_no_related_section(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "related:\n  count: 0\n",
                                "content/w/a.md": article("A"), "content/w/b.md": article("B", "2024-01-01")})
    build_site(site)
    assert 'class="related' not in read(site, "w/a/index.html")


def test_a_content_file_and_a_page_claiming_one_path_is_an_error(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article(), "content/world/index.html": "<p>mine</p>"})
    run = build_site(site)
    assert run.code == 1
    assert "content/world/index.html: error: URL /world/ is also claimed by the page of section 'World'" in run.err


def test_one_article_section_says_article_in_the_singular(tmp_path):
    site = make_site(tmp_path, {"content/w/a.md": article()})
    build_site(site)
    assert '<p class="meta">1 article</p>' in read(site, "w/index.html")


def test_table_of_contents_when_the_article_asks_for_it(tmp_path):
    body = "Intro.\n\n## First part\n\nText.\n\n### Detail\n\nMore.\n"
    site = make_site(tmp_path, {"content/a.md": article("A", toc="true", body=body), "content/b.md": article("B", body=body)})
    build_site(site)
    toc = read(site, "a/index.html").split('<nav class="toc"')[1].split("</nav>")[0]
    assert '<a href="#first-part">First part</a>' in toc and '<li class="toc-level-3"><a href="#detail">' in toc
    assert 'class="toc"' not in read(site, "b/index.html")


@pytest.mark.parametrize("field, value", [("slug", "'../../../outside'"), ("section", "'../..'"), ("slug", "/etc/passwd")])
def test_slugs_and_sections_never_leave_the_output(tmp_path, field, value):
    site = make_site(tmp_path, {"content/a.md": article(**{field: value})})
    build_site(site)
    written = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()} - {p.resolve() for p in (site / "public").rglob("*")}
    assert {p.relative_to(site.resolve()).as_posix() for p in written if ".sitegen-cache" not in p.parts} == {
        "site.yaml", "content/a.md"}
    assert all(p.is_relative_to(site.resolve()) for p in written)


def test_progress_is_shown_on_a_terminal_for_long_builds(capsys):
    from sitegen.cli import _Progress

    progress = _Progress(delay=0)
    progress("reading", 2, 2)
    for done in range(1, 4):
        progress("rendering", done, 3)
    progress.clear()
    err = capsys.readouterr().err
    assert "\r\033[Kreading 2/2" in err and "\r\033[Krendering 3/3" in err
    assert err.endswith("\r\033[K")


def test_generated_pages_never_silently_replace_sources(tmp_path):
    site = make_site(tmp_path / "one", {"content/a.md": article("A"), "assets/index.html": "<p>mine</p>"})
    run = build_site(site)
    assert run.code == 1
    assert "assets/index.html: error: URL / is also claimed by the home page" in run.err
    site = make_site(tmp_path / "two", {"content/tags/a.md": article("A", tags="[X]")})
    run = build_site(site)
    assert run.code == 1
    assert ("content/tags/a.md:1: error: URL /tags/ (the page of section 'Tags') is also claimed by the tag index"
            in run.err)


def test_layouts_for_listings_are_refused_for_articles(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(layout="home")})
    run = build_site(site)
    assert "content/a.md:4: error: not a layout for articles: 'home'" in run.err


def test_toc_no_means_no(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(toc="no", body="## One\n\nx\n\n## Two\n\ny\n")})
    build_site(site)
    assert 'class="toc"' not in read(site, "a/index.html")


def test_a_root_article_can_be_picked_even_when_its_slug_exists_in_a_section(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article("A", related="[b]"), "content/b.md": article("B root"),
                                "content/world/b.md": article("B in world")})
    run = build_site(site)
    assert run.err == ""
    assert 'href="/b/"' in read(site, "a/index.html").split('class="related"')[1]


def test_a_build_killed_while_writing_is_cleaned_up_by_the_next_one(news):
    assert build_site(news).code == 0
    dead_pid = 2 ** 22 + 12345  # above any pid this machine hands out
    half_written = news / f".public.sitegen-new-{dead_pid}"
    half_written.mkdir()
    (half_written / "index.html").write_text("half")
    os.replace(news / "public", news / f".public.sitegen-old-{dead_pid}")  # killed between the two renames
    assert build_site(news).code == 0
    assert sorted(p.name for p in news.iterdir()) == [".sitegen-cache", "content", "public", "site.yaml"]
    assert "Defense pact signed" in read(news, "index.html")


def test_unwritable_output_is_a_clear_error(news, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    run = build_site(news, "-o", blocker / "public")
    assert run.code == 1 and "error: cannot write the site:" in run.err and "Traceback" not in run.err


def test_an_output_lost_between_the_two_renames_of_the_swap_is_restored(tmp_path):
    from sitegen.staging import recover_interrupted

    old = tmp_path / ".public.sitegen-old-4206000"
    old.mkdir()
    (old / "index.html").write_text("the published site")
    recover_interrupted(tmp_path / "public")
    assert (tmp_path / "public" / "index.html").read_text() == "the published site" and not old.exists()


def test_a_migrated_blog_gets_its_foreign_fields_read_and_repeated_warnings_grouped(tmp_path):
    posts = {f"content/_posts/2024-06-{day:02d}-story-{day}.md":
             f"---\ntitle: Story {day}\nlayout: post\ncategories: [news]\n---\nText {day}.\n" for day in range(1, 9)}
    posts["content/_posts/2024-06-20-hidden.md"] = "---\ntitle: Hidden\npublished: false\n---\nSecret.\n"
    posts["content/_drafts/idea.md"] = "---\ntitle: Idea\ndate: 2024-06-21\n---\nLater.\n"
    site = make_site(tmp_path, posts)
    run = build_site(site)
    assert run.code == 0, run.err
    assert (site / "public/story-1/index.html").is_file()  # no '_posts' section, no date in the slug
    assert '<time datetime="2024-06-01T00:00:00+00:00">' in read(site, "story-1/index.html")
    assert not (site / "public/hidden").exists() and not (site / "public/idea").exists()
    assert run.err.count("warning: layout 'post' is not a sitegen layout; using the default") == 5
    assert '... and 3 more warnings like "layout \'post\' is not a sitegen layout; using the default"' in run.err
    assert "warning: 'categories' is not a sitegen field (kept in page.extra)\n  hint: use 'section:'" in run.err
    assert "warning: 'published' is not a sitegen field" in run.err
    assert run_cli("build", "-s", site, "-v").err.count("layout 'post' is not a sitegen layout") == 8


def test_ctrl_c_leaves_the_output_alone_and_exits_130(news, monkeypatch):
    import sitegen.build

    assert build_site(news).code == 0
    before = read(news, "index.html")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sitegen.build, "render_site", interrupted)
    (news / "site.yaml").write_text((news / "site.yaml").read_text() + "description: Another\n")  # a full build
    run = build_site(news)
    assert run.code == 130 and "interrupted: the output folder was left as it was" in run.err and "Traceback" not in run.err
    assert read(news, "index.html") == before


def test_layout_that_is_not_utf8_and_a_missing_partial_name_the_layout(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(), "content/b.md": article("B"),
                                "layouts/article.html": '{% extends "base.html" %}{% block main %}\n{% include "partials/nope.html" %}{% endblock %}',
                                "layouts/logo.html": b"\x89PNG\r\n\x1a\n\xff\xfe"})
    run = build_site(site)
    assert run.code == 1
    assert "layouts/logo.html:1: error: the file is not UTF-8 text (byte 0x89)" in run.err
    (site / "layouts/logo.html").unlink()
    run = build_site(site)
    assert ("layouts/article.html:2: error: layout not found: partials/nope.html\n"
            "  hint: while rendering content/a.md and 1 more pages") in run.err


def test_new_with_a_title_without_ascii_letters_needs_a_slug(tmp_path):
    site = tmp_path / "s"
    run_cli("init", site)
    run = run_cli("new", "東京で地震", "-s", site)
    assert run.code == 1 and "--slug" in run.err and "New failed: 1 error" in run.err
    assert run_cli("new", "東京で地震", "--slug", "tokyo-earthquake", "-s", site).code == 0
    assert "slug: tokyo-earthquake" in (site / "content/tokyo-earthquake.md").read_text(encoding="utf-8")
    assert run_cli("new", "Story", "--section", "!!!", "-s", site).code == 1
    long = run_cli("new", "word " * 60, "-s", site)
    assert long.code == 0 and len(Path(long.out.split()[1]).stem) <= 80


def test_messy_front_matter_is_read_as_the_author_meant(tmp_path):
    site = make_site(tmp_path, {
        "content/a.md": "---\ntitle: 9:11\ndate: Jun 21, 2024 9:30 PM\ntags: [C++, C#]\nsubtitle: 3.10\ntitle: 9:11\n---\nx\n",
    })
    run = build_site(site)
    assert run.code == 0, run.err
    html = read(site, "a/index.html")
    assert "<h1>9:11</h1>" in html and '<p class="standfirst">3.10</p>' in html
    assert 'datetime="2024-06-21T21:30:00+00:00"' in html
    assert "content/a.md:4: warning: tag 'C#' shares the URL /tags/c/ with 'C++', so it is shown as 'C++'" in run.err
    assert html.count('rel="tag"') == 1 and '<a href="/tags/c/" rel="tag">C++</a>' in html  # one tag, once
    assert "content/a.md:6: warning: 'title' is given twice; this line replaces line 2" in run.err


def test_dates_that_would_be_silently_shifted_are_errors(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(date="Fri, 21 Jun 2024 09:30:00 CEST")})
    run = build_site(site)
    assert "content/a.md:3: error: 'date': cannot read 'Fri, 21 Jun 2024 09:30:00 CEST' as a date" in run.err


def test_a_content_file_in_the_way_of_generated_pages_is_an_error(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(tags="[X]"), "content/tags": "a file"})
    run = build_site(site)
    assert run.code == 1
    assert "content/tags: error: this file is in the way of the folder /tags/, which holds generated pages" in run.err


def test_base_url_with_a_space_gives_escaped_links(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "base_url: /my news/\n", "content/a.md": article()})
    build_site(site)
    assert re.search(r'href="/my%20news/css/site\.[0-9a-f]{8}\.css"', read(site, "a/index.html"))


def test_builds_collect_garbage_rarely(news, monkeypatch):
    import gc

    from sitegen import cli

    monkeypatch.setattr(gc, "set_threshold", lambda *values: seen.append(values))
    seen: list[tuple] = []
    assert build_site(news).code == 0
    assert seen == [cli.GC_THRESHOLDS]


def test_quiet_prints_only_the_errors_of_a_failed_build_and_counts_are_in_words(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article("A", mystery="x", titel="y"),
                                "content/b.md": "---\ntitle: B\n---\nNo date.\n"})
    run = build_site(site, "-q")
    assert run.code == 1 and "warning" not in run.err.splitlines()[0]
    assert "content/b.md:1: error: the front matter has no 'date'" in run.err
    assert "unknown front matter key 'titel'" not in run.err
    assert run.err.endswith("Build failed: 1 error, 1 warning\n")
    (site / "content/b.md").unlink()
    run = build_site(site)
    assert run.out.startswith("Built 1 article: ") and " 1 warning, in " in run.out


def test_a_draft_or_scheduled_article_says_so_when_built_and_the_badge_goes_when_it_is_due(tmp_path):
    from dataclasses import replace
    from datetime import datetime, timezone

    from conftest import clean_build
    from sitegen.build import build
    from sitegen.config import BuildOptions

    site = make_site(tmp_path, {"content/world/draft.md": article("Draft", "2024-06-10", draft="true"),
                                "content/world/soon.md": article("Soon", "2024-07-01 09:00"),
                                "content/world/now.md": article("Now", "2024-06-10")})
    options = BuildOptions(drafts=True, future=True, now=datetime(2024, 6, 20, tzinfo=timezone.utc))
    build(site, options=options)
    assert '<p class="status-badge" role="note">Draft: not published</p>' in read(site, "world/draft/index.html")
    assert '<p class="status-badge" role="note">Scheduled: published on' in read(site, "world/soon/index.html")
    assert "status-badge" not in read(site, "world/now/index.html")
    build(site, options=replace(options, now=datetime(2024, 7, 2, tzinfo=timezone.utc)))  # it came due
    assert "status-badge" not in read(site, "world/soon/index.html")
    assert "status-badge" not in clean_build(site, tmp_path / "clean", replace(
        options, now=datetime(2024, 7, 2, tzinfo=timezone.utc)))["world/soon/index.html"].decode()

"""A Builder kept between builds with a resident cache (the preview server's) writes exactly what a fresh
build writes."""

import os
import shutil

from sitegen.build import Builder, build
from sitegen.config import BuildOptions

from conftest import article, make_site, png


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.name != ".sitegen-output"}


def assert_same_as_fresh_build(site, served, tmp_path):
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    build(site, fresh, BuildOptions(drafts=True))
    assert tree(served) == tree(fresh)
    empty = [p for p in served.rglob("*") if p.is_dir() and not any(p.iterdir())]
    assert empty == []



def test_a_series_of_edits_serves_what_a_full_build_writes(tmp_path):
    site = make_site(tmp_path, {
        "content/world/pact.md": article("Pact", "2024-06-21", tags="[Russia, Diplomacy]", body="Putin Kim pact."),
        "content/world/visit.md": article("Visit", "2024-06-20", tags="[Russia]", body="Putin visits Vietnam."),
        "content/economy/gas.md": article("Gas", "2024-06-19", body="Gas prices fall."),
        "assets/css/extra.css": "body { color: red }",
    })
    served = tmp_path / "served"
    builder = Builder(site, served, BuildOptions(drafts=True), resident=True)
    first = builder.build()
    assert first.files_written == len(tree(served))
    assert_same_as_fresh_build(site, served, tmp_path)

    edits = [
        lambda: (site / "content/world/new.md").write_text(article("New", "2024-06-22", tags="[Diplomacy]")),
        lambda: (site / "content/world/pact.md").write_text(article("Pact v2", "2024-06-21", tags="[Russia]")),
        lambda: (site / "content/world/visit.md").rename(site / "content/world/visit-renamed.md"),
        lambda: (site / "content/economy/gas.md").unlink(),
        lambda: (site / "layouts").mkdir() or (site / "layouts/article.html").write_text(
            '{% extends "base.html" %}{% block main %}<h1 class="mine">{{ page.title }}</h1>{% endblock %}'),
        lambda: (site / "assets/css/extra.css").write_text("body { color: blue }"),
        lambda: (site / "site.yaml").write_text("title: Renamed News\nbase_url: https://news.example.com/\n"),
        lambda: (site / "content/world/draft.md").write_text(article("Draft", "2024-06-23", draft="true")),
        lambda: (site / "assets/images").mkdir(parents=True) or (site / "assets/images/pic.png").write_bytes(
            png(640, 320)) or (site / "content/world/pictured.md").write_text(
            article("Pictured", "2024-06-24", image="/images/pic.png", image_alt="A picture")),
        lambda: (site / "assets/images/pic.png").write_bytes(png(800, 600)),  # same name, other size
    ]
    for edit in edits:
        edit()
        result = builder.build()
        assert result.changed, "every edit changes some file"
        assert_same_as_fresh_build(site, served, tmp_path)


def test_an_edit_renders_only_the_pages_it_affects(tmp_path):
    files = {f"content/s{n % 3}/a{n}.md": article(f"Topic{n} report{n}", f"2024-01-{n + 1:02d}", body=f"Words{n} unique{n}.")
             for n in range(12)}
    site = make_site(tmp_path, files)
    builder = Builder(site, tmp_path / "served", resident=True)
    builder.build()
    (site / "content/s0/a0.md").write_text(article("Topic0 report0 edited", "2024-01-01", body="Words0 unique0."))
    result = builder.build()
    pages = [p for p in result.changed if p.endswith(".html")]
    assert "s0/a0/index.html" in pages
    assert "s1/a1/index.html" not in pages and "s2/a5/index.html" not in pages
    assert len(pages) < result.pages / 2


def test_edits_to_a_multilingual_site_serve_what_a_full_build_writes(tmp_path):
    languages = ("title: T\nbase_url: https://news.example.com/\nlanguage: ca\n"
                 "languages:\n  ca:\n    sections: {world: Món}\n  en:\n")
    site = make_site(tmp_path, {
        "site.yaml": languages,
        "content/world/pact.md": article("Pacte", "2024-06-21", tags="[Rússia]", body="Putin Kim pacte."),
        "content/world/pact.en.md": article("Pact", "2024-06-21", tags="[Russia]", body="Putin Kim pact."),
        "content/world/visit.en.md": article("Visit", "2024-06-20", tags="[Russia]", body="Putin visits Vietnam."),
    })
    served = tmp_path / "served"
    builder = Builder(site, served, BuildOptions(drafts=True), resident=True)
    builder.build()
    edits = [
        lambda: (site / "content/world/visit.en.md").rename(site / "content/world/visit.md"),  # now Catalan
        lambda: (site / "content/world/pact.en.md").write_text(article("Pact", "2024-06-21", translation_key="x")),
        lambda: (site / "i18n").mkdir() or (site / "i18n/ca.yaml").write_text("home: Portada\n"),
        lambda: (site / "content/world/pact.md").unlink(),
    ]
    for edit in edits:
        edit()
        builder.build()
        assert_same_as_fresh_build(site, served, tmp_path)


def _count_reads(monkeypatch) -> list[str]:
    from sitegen import content

    reads: list[str] = []
    monkeypatch.setattr(content, "open", lambda path, *args: reads.append(path) or open(path, *args), raising=False)
    return reads


def test_the_preview_reads_again_only_the_files_that_changed(tmp_path, monkeypatch):
    from sitegen import stamp

    monkeypatch.setattr(stamp, "RACY_NS", 0)  # as if the files were written long before the build
    files = {f"content/world/a{n}.md": article(f"Story {n}", f"2024-01-{n + 1:02d}", body=f"Words {n}.")
             for n in range(6)}
    site = make_site(tmp_path, files)
    served = tmp_path / "served"
    builder = Builder(site, served, BuildOptions(drafts=True), resident=True)
    builder.build()
    reads = _count_reads(monkeypatch)
    (site / "content/world/a1.md").write_text(article("Story 1, longer", "2024-01-02", body="Words 1."))
    same_tick = site / "content/world/a2.md"  # same size and mtime: only its ctime says it changed
    before = same_tick.stat()
    same_tick.write_text(same_tick.read_text().replace("Story 2", "Storm 2"))
    os.utime(same_tick, ns=(before.st_atime_ns, before.st_mtime_ns))
    builder.build()
    assert sorted(reads) == [str(site / "content/world/a1.md"), str(same_tick)]
    assert_same_as_fresh_build(site, served, tmp_path)


def test_the_preview_tells_a_file_saved_just_before_the_last_rebuild_by_its_bytes(tmp_path, monkeypatch):
    site = make_site(tmp_path, {"content/world/a.md": article("A"), "content/world/b.md": article("B")})
    served = tmp_path / "served"
    builder = Builder(site, served, BuildOptions(drafts=True), resident=True)
    builder.build()  # both files are seconds old at most: a change in the same clock tick could go unseen
    reads = _count_reads(monkeypatch)
    assert builder.build().changed == () and reads == []  # their bytes are as they were
    path = site / "content/world/a.md"
    status = path.stat()
    path.write_text(path.read_text().replace("title: A", "title: Z"))  # the same size, in the same tick
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    builder.build()
    assert reads == [str(path)]
    assert_same_as_fresh_build(site, served, tmp_path)


def test_the_preview_drops_articles_renamed_or_deleted_and_the_feeds_of_tags_no_longer_used(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A", tags="[Energy, Gas]"),
                                "content/world/b.md": article("B")})
    served = tmp_path / "served"
    builder = Builder(site, served, BuildOptions(drafts=True), resident=True)
    builder.build()
    assert (served / "tags/gas/atom.xml").is_file()
    (site / "content/world/a.md").rename(site / "content/world/a2.md")
    (site / "content/world/b.md").unlink()
    builder.build()
    assert_same_as_fresh_build(site, served, tmp_path)
    (site / "content/world/a2.md").write_text(article("A", tags="[Energy]"))
    builder.build()
    assert not (served / "tags/gas").exists() and (served / "tags/energy/atom.xml").is_file()
    assert_same_as_fresh_build(site, served, tmp_path)


def test_an_article_view_is_made_once_for_its_page_and_its_redirects(tmp_path, monkeypatch):
    from sitegen.views import ViewFactory

    site = make_site(tmp_path, {"content/world/a.md": article("A", aliases="[/old/a/, /older/a.html]"),
                                "content/world/b.md": article("B")})
    made = []
    real = ViewFactory.article
    monkeypatch.setattr(ViewFactory, "article", lambda self, a: made.append(a.source) or real(self, a))
    build(site, options=BuildOptions(jobs=1))
    assert sorted(made) == ["content/world/a.md", "content/world/b.md"]
    assert "world/a/" in (site / "public/old/a/index.html").read_text()


def test_a_preview_that_builds_first_in_one_thread_then_in_another_keeps_using_its_cache(tmp_path, caplog,
                                                                                       trust_at_once):
    """`sitegen serve` makes its first build in its main thread and the others in its build thread:
    SQLite's connections belong to the thread that opened them."""
    import logging
    import threading

    site = make_site(tmp_path, {"content/world/a.md": article("A"), "content/world/b.md": article("B")})
    builder = Builder(site, tmp_path / "served", BuildOptions(drafts=True), resident=True)
    builder.build()
    path = site / "content/world/a.md"
    path.write_text(path.read_text() + "More words.\n")
    results = []
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sitegen"):
        thread = threading.Thread(target=lambda: results.append(builder.build()))
        thread.start()
        thread.join()
    assert results[0].site is None  # a patch build, from the records
    assert not [r for r in caplog.records if "could not be" in r.getMessage() or "full build" in r.getMessage()]
    assert_same_as_fresh_build(site, tmp_path / "served", tmp_path)

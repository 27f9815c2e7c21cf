"""Cached, incremental and parallel builds write exactly what a clean build writes, touching only what changed."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import build as build_module, intact as intact_module, parallel, patch as patch_module
from sitegen import markdown, write as write_module
from sitegen.build import build
from sitegen.config import BuildOptions

from conftest import MINIMAL_CONFIG, article, build_site, clean_build, make_site, png, stored_memos, tree
from sitegen.cachekey import user_signer

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

CACHE = ".sitegen-cache/build.db"


def inodes(folder):
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def every_item_in_parallel(monkeypatch):
    """Small test sites go to worker processes too (normally they are not worth it)."""
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 1)


def news_files(count=8, common_tag=True):
    sections = ("world", "economy", "science")
    files = {f"content/{sections[n % 3]}/story-{n}.md": article(
        f"Story {n} about {sections[n % 3]}", f"2024-05-{n + 1:02d}",
        tags=f"[Tag{n % 4}, Common]" if common_tag else f"[Tag{n % 4}]",
        body=f"## Heading {n}\n\nWords about topic{n % 3} and *more* text{n}.\n\n- a list\n- of {n}\n")
        for n in range(count)}
    files["content/pages/about.md"] = "---\ntitle: About\n---\n\nWho we are.\n"
    files["assets/css/extra.css"] = "body { color: red }\n"
    return files


def test_a_second_build_renders_nothing_and_touches_no_file(tmp_path):
    site = make_site(tmp_path, news_files())
    first = build(site)
    assert first.rendered == first.pages and first.files_written == len(tree(site / "public")) - 1  # the marker
    before = inodes(site / "public")
    second = build(site)
    assert (second.rendered, second.files_written, second.changed) == (0, 0, ())
    assert inodes(site / "public") == before
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_one_edit_renders_and_writes_only_what_it_changes(tmp_path):
    site = make_site(tmp_path, news_files(12, common_tag=False))
    build(site)
    before, old_bytes = inodes(site / "public"), tree(site / "public")
    (site / "content/world/story-0.md").write_text(article("Story 0 rewritten", "2024-05-01", tags="[Tag0]",
                                                           body="New words about topic0."))
    result = build(site)
    after, new_bytes = inodes(site / "public"), tree(site / "public")
    rewritten = {path for path in after if after[path] != before.get(path)} - {".sitegen-output"}
    differ = {path for path in new_bytes if new_bytes[path] != old_bytes.get(path)}
    assert "world/story-0/index.html" in rewritten and rewritten == differ == set(result.changed)
    assert result.rendered < result.pages  # its page, the listings with its card, lists its new words move
    assert new_bytes == clean_build(site, tmp_path / "clean")


def test_a_layout_edit_renders_only_the_pages_that_use_it(tmp_path):
    site = make_site(tmp_path, {**news_files(), "layouts/tag.html": '{% extends "listing.html" %}'})
    build(site)
    (site / "layouts/tag.html").write_text('{% extends "listing.html" %}{% block title %}Tagged{% endblock %}')
    result = build(site)
    assert result.rendered == len([p for p in result.changed if p.startswith("tags/") and p.endswith(".html")
                                   and p != "tags/index.html"]) > 0
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_partial_rendered_with_cached_partial_is_a_dependency_of_the_layouts_that_call_it(tmp_path):
    """The default theme's listings and related lists render each card once (`cached_partial`); editing the
    card partial renders again exactly the pages that show cards, and the bytes are a clean build's."""
    site = make_site(tmp_path, news_files())
    build(site)
    (site / "layouts/partials").mkdir(parents=True)
    (site / "layouts/partials/card.html").write_text(
        '<article class="mine"><h{{ card_heading_level | default(3) }}><a href="{{ card.url }}">{{ card.title }}'
        '</a></h{{ card_heading_level | default(3) }}><time>{{ card.date | format_date }}</time></article>\n')
    result = build(site)
    with_cards = {path for path, html in tree(site / "public").items()
                  if path.endswith(".html") and b'class="mine"' in html}
    assert with_cards and set(p for p in result.changed if p.endswith(".html")) == with_cards
    assert b'<h2><a href="/' in (site / "public/tags/common/index.html").read_bytes()  # a listing's level
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_cached_partial_renders_with_the_values_given_and_tells_equal_values_apart(tmp_path):
    calls = [("label=page.title", "n=1"), ("label=page.title", "n=2"), ("label=page.title", "n=1"),
             ("label=page.title", "n=True"), ("label='<i>x</i>'", "n=0"), ("label='<i>x</i>' | safe", "n=0")]
    layout = ('{% extends "base.html" %}{% block main %}'
              + "".join(f'{{{{ cached_partial("partials/box.html", {label}, {n}) }}}}' for label, n in calls)
              + '{{ cached_partial("partials/whole.html", article=page) }}{% endblock %}')
    site = make_site(tmp_path, {**news_files(3), "layouts/article.html": layout,
                                "layouts/partials/box.html": "<b>{{ label }} {{ n }} {{ page is defined }}</b>",
                                "layouts/partials/whole.html": "<u>{{ article.title }}</u>"})
    build(site)
    html = (site / "public/world/story-0/index.html").read_text()
    title = "Story 0 about world"
    assert (f"<b>{title} 1 False</b><b>{title} 2 False</b><b>{title} 1 False</b><b>{title} True False</b>"
            f"<b>&lt;i&gt;x&lt;/i&gt; 0 False</b><b><i>x</i> 0 False</b><u>{title}</u>") in html  # (not the page's
    # view; 1 and True, a text and the same text marked safe, each rendered as itself; a whole view)


def test_renamed_and_deleted_articles_leave_no_stale_files(tmp_path):
    site = make_site(tmp_path, news_files())
    build(site)
    (site / "content/world/story-0.md").rename(site / "content/world/story-zero.md")
    (site / "content/economy/story-1.md").unlink()
    result = build(site)
    assert {"world/story-0/index.html", "economy/story-1/index.html"} <= set(result.changed)
    assert not (site / "public/world/story-0").exists() and (site / "public/world/story-zero/index.html").is_file()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_files_changed_removed_or_added_by_hand_in_the_output_are_put_right(tmp_path):
    site = make_site(tmp_path, news_files())
    build(site)
    public = site / "public"
    (public / "index.html").write_text("edited by hand")
    (public / "world/story-0/index.html").unlink()
    (public / "stray.html").write_text("not ours")
    result = build(site)
    assert {"index.html", "world/story-0/index.html"} <= set(result.changed)
    assert tree(public) == clean_build(site, tmp_path / "clean")  # the stray file is gone too


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_any_job_count_writes_the_same_bytes(tmp_path, every_item_in_parallel, jobs):
    site = make_site(tmp_path, news_files(30))
    assert build_site(site, "-j", jobs, "--no-cache").code == 0
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_workers_render_the_pages_a_serial_build_renders_and_report_layout_failures(
        tmp_path, every_item_in_parallel, trust_at_once):
    """In a build each worker makes a page's views, fingerprints them and renders only a changed page."""
    sites = [make_site(tmp_path / f"j{jobs}", news_files(30)) for jobs in (1, 2)]
    for jobs, site in enumerate(sites, 1):
        build(site, options=BuildOptions(jobs=jobs))
        _edit_article(site)
    serial, parallel_run = (build(site, options=BuildOptions(jobs=jobs)) for jobs, site in enumerate(sites, 1))
    assert 0 < parallel_run.rendered == serial.rendered < parallel_run.pages // 2
    assert tree(sites[1] / "public") == tree(sites[0] / "public") == clean_build(sites[0], tmp_path / "clean")
    (sites[1] / "layouts").mkdir()
    (sites[1] / "layouts/article.html").write_text(
        '{% extends "base.html" %}{% block main %}\n{% if "1" in page.title %}{{ page.nope.deeper }}{% endif %}'
        "{% endblock %}")
    run = build_site(sites[1], "-j", "2")
    assert run.code == 1 and "Traceback" not in run.err
    assert ("layouts/article.html:2: error: 'sitegen.views.ArticleView object' has no attribute 'nope'\n"
            "  hint: while rendering content/world/story-21.md and 11 more pages") in run.err  # the newest first


def test_a_remembered_repr_is_the_dataclass_repr_made_once():
    import pickle
    from dataclasses import dataclass

    from sitegen.cache import remembered_repr

    @dataclass(frozen=True)
    class Plain:
        name: str
        parts: tuple

    @remembered_repr
    @dataclass(frozen=True)
    class Kept:
        name: str
        parts: tuple

    kept = Kept("a'b", (Kept("inner", ()), 2))
    assert repr(kept) == repr(Plain("a'b", (Plain("inner", ()), 2))).replace("Plain", "Kept")
    assert repr(kept) is repr(kept)  # the same string: made once
    assert kept == Kept("a'b", (Kept("inner", ()), 2)) and hash(kept) == hash(Kept("a'b", (Kept("inner", ()), 2)))
    from sitegen.article import Term

    term = Term("Energy", "energy", "tags/energy/", "/tags/energy/")
    assert repr(pickle.loads(pickle.dumps(term))) == repr(term) and pickle.loads(pickle.dumps(term)) == term


def test_a_bad_job_count_is_a_usage_error(tmp_path):
    site = make_site(tmp_path, news_files(1))
    run = build_site(site, "-j", "many")
    assert run.code == 2 and "expected a whole number of processes" in run.err


def test_no_cache_reads_and_writes_no_cache(tmp_path):
    site = make_site(tmp_path, news_files())
    assert build_site(site, "--no-cache").code == 0
    assert not (site / ".sitegen-cache").exists()


def test_a_damaged_database_is_started_again(tmp_path):
    site = make_site(tmp_path, news_files())
    build(site)
    (site / CACHE).write_bytes(b"this is not a database" * 100)
    assert build_site(site).code == 0
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    assert sqlite3.connect(site / CACHE).execute("SELECT count(*) FROM memo").fetchone()[0] > 0  # made again


@pytest.mark.parametrize("damage", [
    lambda key, value: value[:20] + b"X" + value[21:],  # a changed byte: the tag fails
    lambda key, value: value[:-5],  # cut short
    lambda key, value: user_signer().sign(b"junk", b"memo" + key),  # the tag right, not compressed
    lambda key, value: user_signer().sign(__import__("zlib").compress(b"junk"), b"memo" + key),  # no pickle
    lambda key, value: user_signer().sign(value[16:]),  # a right tag, for no key: a value moved
])
def test_damaged_memos_are_misses_not_trusted(tmp_path, damage):
    site = make_site(tmp_path, news_files())
    build(site)
    (site / "public").rename(tmp_path / "first")
    with sqlite3.connect(site / CACHE) as db:
        for key, value in db.execute("SELECT key, value FROM memo").fetchall():
            db.execute("UPDATE memo SET value = ? WHERE key = ?", (damage(key, value), key))
    assert build_site(site).code == 0
    assert tree(site / "public") == tree(tmp_path / "first")


def test_an_article_memo_whose_markdown_memo_is_gone_is_read_again(tmp_path):
    """An article's memo holds no HTML (its Markdown memo does): without that one it is no use."""
    from sitegen.markdown import RenderedMarkdown

    site = make_site(tmp_path, news_files())
    build(site)
    (site / "public").rename(tmp_path / "first")
    gone = [key for key, value in stored_memos(site).items() if isinstance(value, RenderedMarkdown)]
    with sqlite3.connect(site / CACHE) as db:
        db.executemany("DELETE FROM memo WHERE key = ?", [(key,) for key in gone])
    assert len(gone) == 9  # the articles and the page
    assert build_site(site).code == 0
    assert tree(site / "public") == tree(tmp_path / "first")


def _count_opens(monkeypatch) -> list[str]:
    from sitegen import content

    opened: list[str] = []
    monkeypatch.setattr(content, "open", lambda path, *args: opened.append(path) or open(path, *args), raising=False)
    return opened


def _forget_article_memos(site):
    articles = [key for key, value in stored_memos(site).items() if isinstance(value, tuple)]
    with sqlite3.connect(site / CACHE) as db:
        db.executemany("DELETE FROM memo WHERE key = ?", [(key,) for key in articles])


def test_a_build_opens_only_the_article_files_changed_since_the_last_read(tmp_path, trust_at_once, monkeypatch):
    site = make_site(tmp_path, news_files())
    build(site)
    opened = _count_opens(monkeypatch)
    _edit_article(site)
    same_tick = site / "content/economy/story-1.md"  # same size and mtime: only its ctime says it changed
    before = same_tick.stat()
    same_tick.write_text(same_tick.read_text().replace("Story 1", "Storm 1"))
    os.utime(same_tick, ns=(before.st_atime_ns, before.st_mtime_ns))
    build(site)  # (a patch build, patch.py, reads them first; a new title takes a full build, which reads them again)
    assert sorted(set(opened)) == [str(same_tick), str(site / "content/world/story-0.md")]
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    _forget_article_memos(site)  # files known by their state are read after all
    (site / "public/index.html").unlink()
    opened.clear()
    build(site)
    assert len(opened) == 9 and tree(site / "public") == clean_build(site, tmp_path / "clean2")


def test_a_file_saved_between_its_stat_and_its_read_is_memoised_under_its_new_bytes(tmp_path, trust_at_once,
                                                                                     monkeypatch):
    """Known by its state, its memo gone, read after all: what was read is keyed by what was read."""
    from sitegen import content

    site = make_site(tmp_path, news_files())
    build(site)
    story = site / "content/world/story-0.md"
    first_text, first_state = story.read_text(), content.file_state(story)
    _forget_article_memos(site)
    _edit_article(site)  # saved after the build below took the file's state, as it were
    with monkeypatch.context() as patch:
        faked = []
        patch.setattr(content, "file_state", lambda path: faked.append(path) or first_state if path == str(story)
                      else __import__("sitegen.cache").cache.file_state(path))
        (site / "public/index.html").unlink()
        build(site)
    assert faked and "Story zero, edited" in (site / "public/world/story-0/index.html").read_text()
    story.write_text(first_text)  # back as it was: its old memo key must not give the edited article
    build(site)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_files_saved_just_before_a_build_are_opened_by_the_next(tmp_path, monkeypatch):
    site = make_site(tmp_path, news_files())
    build(site)  # every file is seconds old at most: a change in the same clock tick could go unseen
    opened = _count_opens(monkeypatch)
    (site / "public/index.html").unlink()
    build(site)
    assert len(opened) == 9


@pytest.mark.parametrize("threads", [1, 2])
def test_memos_are_read_together_in_batches_damaged_ones_left_out(tmp_path, threads):
    from sitegen.cache import BuildCache

    store = BuildCache(tmp_path)
    values = {bytes([n % 256, n // 256]) * 8: ("memo", n, "x" * n) for n in range(1203)}
    for key, value in values.items():
        store.put(key, value)
    store.save()
    damaged = list(values)[700]
    with sqlite3.connect(tmp_path / CACHE) as db:
        db.execute("UPDATE memo SET value = ? WHERE key = ?", (b"\0\0\0\0junk", damaged))
    fresh = BuildCache(tmp_path)
    found = fresh.get_many([*values, b"missing" * 2], threads)
    assert found == {key: value for key, value in values.items() if key != damaged}
    assert fresh.used == {*values, b"missing" * 2}  # what was asked for is kept by pruning


def test_news_handed_back_are_merged_into_the_larger_record_not_copied(tmp_path):
    """Without workers each article's news are this process's own, handed back: copying every key used so
    far into an empty set, article after article, took 1.9 s of a 10,000-article rebuild."""
    from sitegen.cache import BuildCache

    store = BuildCache(tmp_path)
    for n in range(100):
        store.put(b"memo %d" % n, n)
    own = store.take_news()
    store.adopt(own)
    assert store.used is own[1] and store.new_memos is own[0]
    worker = BuildCache(tmp_path)  # (another process's, in a build)
    worker.put(b"from a worker", 1)
    store.adopt(worker.take_news())
    assert store.used is own[1] and store.used == {*(b"memo %d" % n for n in range(100)), b"from a worker"}
    assert set(store.new_memos) == store.used


def test_memos_are_keyed_by_the_settings_that_shape_them(tmp_path):
    body = 'Text with <b class="raw">raw HTML</b> in it.'
    site = make_site(tmp_path, {"content/a.md": article("A", body=body)})
    build(site)
    assert '<b class="raw">' in (site / "public/a/index.html").read_text()
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "safe_mode: true\n")
    build(site)
    assert '<b class="raw">' not in (site / "public/a/index.html").read_text()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_memos_of_an_older_sitegen_are_not_used(tmp_path, monkeypatch):
    from sitegen import cache

    site = make_site(tmp_path, news_files(2))
    build(site)
    with sqlite3.connect(site / CACHE) as db:
        stored = db.execute("SELECT count(*) FROM memo").fetchone()[0]
    monkeypatch.setattr(cache, "GENERATION", b"another version")
    build(site)
    with sqlite3.connect(site / CACHE) as db:  # the old ones were not used, so they were dropped
        keys = {key for key, in db.execute("SELECT key FROM memo")}
    assert len(keys) == stored and all(cache.memo_key("markdown", "default|False", "x") != k for k in keys)


def test_a_failed_build_keeps_the_output_and_what_the_cache_says_of_it(tmp_path):
    site = make_site(tmp_path, news_files())
    build(site)
    before = tree(site / "public")
    (site / "content/world/story-0.md").write_text("---\ntitle: [unclosed\n---\n")
    assert build_site(site).code == 1
    assert tree(site / "public") == before
    (site / "content/world/story-0.md").write_text(article("Fixed", "2024-05-01"))
    assert build_site(site).code == 0
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def _edit_steps():
    """Edits an author (or a stray process) makes between two builds."""
    def rewrite(n):
        return lambda site: (site / f"content/world/s{n}.md").write_text(
            article(f"Rewritten {n}", f"2024-04-{n + 10:02d}", tags="[Moved]", body=f"New text {n} topic."))

    def add(n):
        def step(site):
            (site / "content/economy").mkdir(exist_ok=True)
            (site / f"content/economy/new{n}.md").write_text(
                article(f"New {n}", f"2024-03-{n + 1:02d}", tags="[Common]", body=f"Fresh {n} words topic."))
        return step

    def delete(n):
        return lambda site: (site / f"content/world/s{n}.md").unlink(missing_ok=True)

    def rename(n):
        def step(site):
            source = site / f"content/world/s{n}.md"
            if source.exists():
                (site / "content/science").mkdir(exist_ok=True)
                source.rename(site / f"content/science/renamed{n}.md")
        return step

    def layout(site):
        (site / "layouts").mkdir(exist_ok=True)
        (site / "layouts/partials").mkdir(exist_ok=True)
        (site / "layouts/partials/card.html").write_text('<article class="mine"><a href="{{ card.url }}">'
                                                         '{{ card.title }}</a></article>\n')

    def unlayout(site):
        shutil.rmtree(site / "layouts", ignore_errors=True)

    def settings_edit(site):
        (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))

    def asset(site):
        (site / "assets/css/extra.css").write_text(f"body {{ margin: {len(os.listdir(site / 'content'))}px }}\n")

    def tamper(site):
        if (site / "public/index.html").exists():
            (site / "public/index.html").write_text("by hand")

    def drop_cache(site):
        shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)

    def translate(n):
        return lambda site: (site / f"content/world/s{n}.ca.md").write_text(
            article(f"Notícia {n}", f"2024-05-{n + 1:02d}", tags="[Comú]", body=f"Text {n} en català."))

    def strings(site):
        (site / "i18n").mkdir(exist_ok=True)
        (site / "i18n/ca.yaml").write_text("you_may_also_like: Més notícies\n")

    def nothing(site):
        pass

    def touch(site):  # saved again, unchanged
        os.utime(site / "content/science/x.md")

    steps = [layout, unlayout, settings_edit, asset, tamper, drop_cache, strings, nothing, touch]
    for n in range(4):
        steps += [rewrite(n), add(n), delete(n), rename(n), translate(n)]
    return steps


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.sampled_from(_edit_steps()), min_size=1, max_size=5), jobs=st.sampled_from([1, 2]),
       languages=st.sampled_from(["", "languages:\n  en: {title: Test News}\n  ca: {title: Notícies}\n"]))
def test_random_edit_sequences_build_what_a_clean_build_builds(tmp_path_factory, every_item_in_parallel, trust_at_once,
                                                               edits, jobs, languages):
    root = tmp_path_factory.mktemp("edits")
    site = make_site(root, {"site.yaml": MINIMAL_CONFIG + languages,**{f"content/world/s{n}.md": article(f"Story {n}", f"2024-05-{n + 1:02d}", tags="[Common]",
                                                                  body=f"Text {n} topic.") for n in range(4)},
                            "content/science/x.md": article("Science", "2024-01-01", body="Science topic."),
                            "assets/css/extra.css": "body { }\n"})
    build(site, options=BuildOptions(jobs=jobs))
    for edit in edits:
        edit(site)
        build(site, options=BuildOptions(jobs=jobs))
        assert tree(site / "public") == clean_build(site, root / "clean")



def test_an_article_is_read_again_when_an_image_it_shows_changes_or_appears(tmp_path):
    site = make_site(tmp_path, {
        "content/world/a.md": article("A", image="/images/hero.png", image_alt="Hero", body="![Map](map.png)"),
        "assets/images/hero.png": png(640, 320)})
    first = build(site)
    assert [w.message for w in first.warnings] == ["image 'map.png' not found"]
    (site / "assets/images/hero.png").write_bytes(png(800, 600))  # same name, new size
    (site / "content/world/map.png").write_bytes(png(500, 500))  # the missing one arrives
    second = build(site)
    assert second.warnings == ()
    html = (site / "public/world/a/index.html").read_text()
    assert 'width="800" height="600"' in html and 'width="500" height="500"' in html
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_settings_edit_reuses_the_markdown_of_every_article(tmp_path, monkeypatch):
    from sitegen import markdown

    converted = []
    real = markdown.render_with  # (either engine's)
    monkeypatch.setattr(markdown, "render_with", lambda *args: converted.append(args) or real(*args))
    site = make_site(tmp_path, news_files())
    build(site, options=BuildOptions(jobs=1))
    assert len(converted) == 9
    build(site, options=BuildOptions(jobs=1))  # whole articles from the cache: their Markdown memos stay
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))
    result = build(site, options=BuildOptions(jobs=1))
    assert len(converted) == 9 and result.rendered == result.pages  # every page shows the title
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def _nothing_may_be_read(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a build with nothing to do read the content")
    monkeypatch.setattr(build_module, "load_content", refuse)


def test_a_build_with_nothing_to_do_reads_nothing_and_says_what_the_last_one_found(tmp_path, trust_at_once,
                                                                                   monkeypatch):
    site = make_site(tmp_path, {**news_files(), "content/world/odd.md": article("Odd", body="![Map](gone.png)"),
                                "content/world/draft.md": article("Draft", draft="true")})
    first = build(site)
    assert first.warnings and first.skipped_drafts == 1
    before = inodes(site / "public")
    with monkeypatch.context() as patch:
        _nothing_may_be_read(patch)
        second = build(site)
    assert (second.articles, second.pages, second.warnings, second.skipped_drafts) == (
        first.articles, first.pages, first.warnings, first.skipped_drafts)
    assert (second.rendered, second.files_written, second.changed) == (0, 0, ())
    assert inodes(site / "public") == before
    assert build_site(site, "--strict").code == 1  # other options: a build of its own, which fails on the warning


def _counting_loads(monkeypatch) -> list[int]:
    loads: list[int] = []
    real = build_module.load_content
    monkeypatch.setattr(build_module, "load_content", lambda *args: loads.append(1) or real(*args))
    return loads


def _counting_builds(monkeypatch) -> list[str]:
    """The builds that did something: full ones, and patch builds (patch.py) that applied an edit."""
    builds = _counting_loads(monkeypatch)
    real = build_module.take_up

    def patching(*args):
        patch = real(*args)
        if patch and patch.site is not None:
            builds.append(1)
        return patch

    monkeypatch.setattr(build_module, "take_up", patching)
    return builds


def _edit_article(site):
    (site / "content/world/story-0.md").write_text(article("Story zero, edited", "2024-05-01", body="New words."))


def _same_size_same_mtime(site):
    """Another text of the same length, its mtime set back: only its ctime tells (as in one clock tick)."""
    path = site / "content/world/story-0.md"
    status, text = path.stat(), path.read_text()
    path.write_text(text.replace("Story 0", "Storm 0"))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns, path.stat().st_ino) == (
        status.st_size, status.st_mtime_ns, status.st_ino)


@pytest.mark.parametrize("change", [
    _edit_article, _same_size_same_mtime,
    lambda site: (site / "content/world/new.md").write_text(article("New", "2024-06-01")),
    lambda site: (site / "content/world/story-3.md").unlink(),
    lambda site: (site / "content/world/photo.txt").write_text("a file to copy"),
    lambda site: (site / "layouts").mkdir() or (site / "layouts/404.html").write_text("Lost.\n"),
    lambda site: (site / "i18n").mkdir() or (site / "i18n/en.yaml").write_text("search: Find\n"),
    lambda site: (site / "assets/css/extra.css").write_text("body { color: blue }\n"),
    lambda site: (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other")),
    lambda site: (site / "public/index.html").write_text("by hand"),
    lambda site: (site / "public/stray.html").write_text("left here"),
    lambda site: (site / "public/world/story-0/index.html").unlink(),
], ids=["edit", "same-tick edit", "add", "delete", "new static file", "layout", "strings", "asset", "settings",
        "output edited", "output stray", "output deleted"])
def test_any_change_to_what_a_build_reads_or_writes_builds_again(tmp_path, trust_at_once, monkeypatch, change):
    site = make_site(tmp_path, news_files())
    build(site)
    change(site)
    builds = _counting_builds(monkeypatch)
    build(site)
    assert builds == [1]
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_files_saved_just_before_a_build_are_told_by_their_bytes_by_the_next(tmp_path, monkeypatch):
    site = make_site(tmp_path, news_files())
    build(site)  # its files are seconds old at most: a change in the same clock tick could go unseen
    loads = _counting_loads(monkeypatch)
    build(site)  # their bytes are as they were when it started: nothing to do
    assert loads == []
    _same_size_same_mtime(site)
    build(site)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_file_in_a_state_too_recent_to_trust_counts_as_changed_when_its_bytes_did(tmp_path):
    """A second save in the same clock tick can leave a file's state as it was: the stamp then has the
    digest of its bytes as the build found them."""
    from sitegen.cache import file_state
    from sitegen.stamp import UNTRUSTED, Stamp, recent

    path = tmp_path / "story.md"
    path.write_text("first")
    state = file_state(path)
    digests = recent({str(path): state}, started_ns=time.time_ns())
    stamp = Stamp(0, {str(path): UNTRUSTED}, {}, (), None, datetime.now(timezone.utc), 1, 1, 0, 0, 0, (), digests)
    assert stamp.changed({str(path): state}) == set()  # the same bytes: unchanged
    path.write_text("other")  # the same size
    assert stamp.changed({str(path): state}) == {str(path)}  # (even were its state to look the same)
    assert stamp.changed({}) == {str(path)}  # gone


def test_a_future_article_coming_due_builds_again(tmp_path, trust_at_once, monkeypatch):
    site = make_site(tmp_path, {**news_files(), "content/world/later.md": article("Later", "2024-07-01")})
    before_due = BuildOptions(now=datetime(2024, 6, 15, tzinfo=timezone.utc))
    assert build(site, options=before_due).skipped_future == 1
    with monkeypatch.context() as patch:
        _nothing_may_be_read(patch)
        assert build(site, options=BuildOptions(now=datetime(2024, 6, 30, tzinfo=timezone.utc))).skipped_future == 1
    due = build(site, options=BuildOptions(now=datetime(2024, 7, 2, tzinfo=timezone.utc)))
    assert due.skipped_future == 0 and (site / "public/world/later/index.html").is_file()


def test_an_article_past_its_expiry_is_left_out_from_that_moment(tmp_path, trust_at_once, monkeypatch):
    """`expires:` keeps an embargoed or withdrawn story out of the build from that moment on: a build after
    it runs again (with nothing edited) and takes the article out of every page; --expired builds it."""
    site = make_site(tmp_path, {**news_files(), "content/world/withdrawn.md": article(
        "Withdrawn story", "2024-06-01", expires="2024-07-01 12:00", tags="[Tag0]")})
    before = build(site, options=BuildOptions(now=datetime(2024, 6, 15, tzinfo=timezone.utc)))
    assert before.skipped_expired == 0 and (site / "public/world/withdrawn/index.html").is_file()
    with monkeypatch.context() as patch:  # not yet: nothing to do
        _nothing_may_be_read(patch)
        build(site, options=BuildOptions(now=datetime(2024, 7, 1, 11, tzinfo=timezone.utc)))
    after = build(site, options=BuildOptions(now=datetime(2024, 7, 1, 12, tzinfo=timezone.utc)))
    assert after.skipped_expired == 1 and not (site / "public/world/withdrawn").exists()
    assert not any(b"Withdrawn story" in data for data in tree(site / "public").values())
    assert tree(site / "public") == clean_build(site, tmp_path / "clean", BuildOptions(
        now=datetime(2024, 7, 1, 12, tzinfo=timezone.utc)))
    kept = build(site, options=BuildOptions(now=datetime(2024, 7, 2, tzinfo=timezone.utc), expired=True))
    assert kept.skipped_expired == 0 and (site / "public/world/withdrawn/index.html").is_file()


def test_a_build_with_other_options_is_a_build_of_its_own(tmp_path, trust_at_once):
    site = make_site(tmp_path, {**news_files(), "content/world/draft.md": article("Draft", draft="true")})
    build(site)
    with_drafts = build(site, options=BuildOptions(drafts=True))
    assert with_drafts.skipped_drafts == 0 and (site / "public/world/draft/index.html").is_file()


def test_listing_pages_show_every_page_of_their_listing_after_it_grows(tmp_path):
    files = {f"content/world/s{n}.md": article(f"Story {n}", f"2024-05-{n + 1:02d}") for n in range(5)}
    site = make_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + "page_size: 2\n", **files,
                                "layouts/partials/pagination.html": "{% for url in page.pagination.urls %}"
                                                                    "<a href='{{ url }}'>{{ loop.index }}</a>{% endfor %}\n"})
    build(site)
    for n in range(5, 7):  # a fourth page: every page of the listing links to it
        (site / f"content/world/s{n}.md").write_text(article(f"Story {n}", f"2024-05-{n + 1:02d}"))
    build(site)
    assert "page/4/" in (site / "public/world/page/2/index.html").read_text()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def _leftovers(site):
    """Files or folders a build writes aside and must not leave behind."""
    return sorted(p.name for p in [*site.iterdir(), *(site / "public").rglob(".*")]
                  if ".sitegen-new-" in p.name or ".sitegen-old-" in p.name)


def test_an_incremental_build_writes_the_changed_files_in_place(tmp_path):
    site = make_site(tmp_path, news_files())
    build(site)
    folder, before = (site / "public").stat().st_ino, inodes(site / "public")
    _edit_article(site)
    result = build(site)
    assert (site / "public").stat().st_ino == folder  # not a new folder swapped in
    after = inodes(site / "public")
    assert {path for path in after if after[path] != before.get(path)} == set(result.changed)
    assert "Story zero, edited" in (site / "public/world/story-0/index.html").read_text()
    assert _leftovers(site) == []
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("incremental", [True, False], ids=["in place", "aside"])
def test_a_failure_while_writing_leaves_the_output_as_it_was(tmp_path, monkeypatch, incremental):
    site = make_site(tmp_path, news_files())
    build(site, options=BuildOptions(cache=incremental))
    before = tree(site / "public")
    _edit_article(site)
    (site / "content/world/story-1.md").write_text(article("Story one, edited", "2024-05-02"))
    real, calls = Path.write_bytes, []

    def disk_full_at_the_second_file(self, data):
        calls.append(self)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full_at_the_second_file)
    run = build_site(site, *([] if incremental else ["--no-cache"]))
    assert run.code == 1 and "cannot write the site: No space left on device" in run.err
    assert tree(site / "public") == before and _leftovers(site) == []
    monkeypatch.undo()
    build(site)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_failing_layout_leaves_the_output_as_it_was(tmp_path):
    site = make_site(tmp_path, news_files())
    build(site)
    before = tree(site / "public")
    _edit_article(site)
    (site / "layouts").mkdir()
    (site / "layouts/article.html").write_text('{% extends "base.html" %}{% block main %}'
                                               '{{ page.title | no_such_filter }}{% endblock %}')
    assert build_site(site).code == 1
    assert tree(site / "public") == before and _leftovers(site) == []


@pytest.mark.parametrize("jobs", [1, 2], ids=["written here", "written by workers"])
@pytest.mark.parametrize("blocker", ["file where a folder goes", "folder where a file goes"])
def test_an_output_path_blocked_by_hand_is_built_aside_instead(tmp_path, every_item_in_parallel, blocker, jobs):
    site = make_site(tmp_path, news_files())
    build(site)
    if blocker.startswith("file"):
        (site / "public/world/new").write_text("in the way")
    else:
        (site / "public/world/story-0/index.html").unlink()
        (site / "public/world/story-0/index.html").mkdir()
    (site / "content/world/new.md").write_text(article("New", "2024-06-01"))
    build(site, options=BuildOptions(jobs=jobs))
    assert tree(site / "public") == clean_build(site, tmp_path / "clean") and _leftovers(site) == []
    assert not [folder for folder in (site / "public").rglob("*") if folder.is_dir() and not any(folder.iterdir())]


def _log_writes(monkeypatch, log):
    """Note in `log` which process writes each page (worker processes inherit the patch)."""
    real = Path.write_bytes

    def noted(target, data):
        if data.startswith(b"<!DOCTYPE html>"):
            with log.open("a") as notes:
                notes.write(f"{os.getpid()}\n")
        return real(target, data)

    monkeypatch.setattr(Path, "write_bytes", noted)


@pytest.mark.parametrize("second", ["layout edited (in place)", "site.yaml edited (in place)", "no cache (aside)"])
def test_worker_processes_write_the_pages_they_render(tmp_path, monkeypatch, every_item_in_parallel, second):
    site, log = make_site(tmp_path, news_files(12)), tmp_path / "writers"
    _log_writes(monkeypatch, log)
    build(site, options=BuildOptions(jobs=2))
    first = log.read_text().split()
    assert len(first) > 20 and str(os.getpid()) not in first and len(set(first)) == 2
    log.unlink()
    if second.startswith("layout"):
        (site / "layouts").mkdir()
        (site / "layouts/article.html").write_text(
            '{% extends "base.html" %}{% block main %}<h1>{{ page.title }}</h1>{% endblock %}')
    elif second.startswith("site.yaml"):
        (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))
    folder = (site / "public").stat().st_ino
    result = build(site, options=BuildOptions(jobs=2, cache="no cache" not in second))
    again = log.read_text().split()
    assert len(again) >= 12 and str(os.getpid()) not in again
    assert ((site / "public").stat().st_ino == folder) == ("in place" in second)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean") and _leftovers(site) == []
    assert result.rendered == result.pages if "no cache" in second else 12 <= result.rendered


def test_feeds_sitemaps_and_search_indexes_are_made_by_the_workers_too(tmp_path, monkeypatch, every_item_in_parallel):
    """They are made beside the pages, on the render workers: every feed by one of them (an article's feed entry is
    made once for all the feeds that show it), and the files are those a serial build makes."""
    site, log = make_site(tmp_path, news_files(12)), tmp_path / "writers"
    real = Path.write_bytes

    def noted(target, data):
        with log.open("a") as notes:
            notes.write(f"{Path(target).name} {os.getpid()}\n")
        return real(target, data)

    monkeypatch.setattr(Path, "write_bytes", noted)
    build(site, options=BuildOptions(jobs=2))
    writers = [line.split() for line in log.read_text().splitlines()]
    feeds = {pid for name, pid in writers if name in ("atom.xml", "rss.xml", "feed.json")}
    others = {pid for name, pid in writers if name in ("sitemap.xml", "search-index.json", "robots.txt")}
    assert {name for name, _ in writers} >= {"atom.xml", "rss.xml", "feed.json", "sitemap.xml", "search-index.json",
                                             "robots.txt"}
    assert len(feeds) == 1 and str(os.getpid()) not in feeds | others
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("incremental", [True, False], ids=["in place", "aside"])
def test_a_worker_failing_to_write_leaves_the_output_as_it_was(tmp_path, monkeypatch, every_item_in_parallel,
                                                                incremental):
    site = make_site(tmp_path, news_files(12))
    build(site, options=BuildOptions(jobs=2))
    before = tree(site / "public")
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))
    (site / "content/world/new.md").write_text(article("New", "2024-06-01"))  # its page needs a new folder
    real = Path.write_bytes

    def disk_full_in_workers(target, data):
        if os.getpid() != parent and data.startswith(b"<!DOCTYPE html>"):  # a page
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(target, data)

    parent = os.getpid()
    monkeypatch.setattr(Path, "write_bytes", disk_full_in_workers)
    run = build_site(site, "-j", "2", *([] if incremental else ["--no-cache"]))
    assert run.code == 1 and "cannot write the site: No space left on device" in run.err
    assert tree(site / "public") == before and _leftovers(site) == []
    assert not [folder for folder in (site / "public").rglob("*") if folder.is_dir() and not any(folder.iterdir())]
    monkeypatch.undo()
    build(site)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("incremental", [True, False], ids=["in place", "aside"])
def test_ctrl_c_while_pages_are_written_leaves_the_output_as_it_was(tmp_path, monkeypatch, incremental):
    from sitegen.write import OutputWriter

    site = make_site(tmp_path, news_files())
    build(site, options=BuildOptions(cache=incremental))
    before = tree(site / "public")
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))
    real, handed = OutputWriter.add, []

    def interrupted_at_the_fifth_file(self, *args):
        handed.append(args)
        if len(handed) == 5:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(OutputWriter, "add", interrupted_at_the_fifth_file)
    run = build_site(site, *([] if incremental else ["--no-cache"]))
    assert run.code == 130 and "interrupted: the output folder was left as it was" in run.err
    assert tree(site / "public") == before and _leftovers(site) == []


@pytest.mark.parametrize("incremental", [True, False], ids=["in place", "aside"])
def test_ctrl_c_while_workers_write_pages_leaves_the_output_as_it_was(tmp_path, monkeypatch, every_item_in_parallel,
                                                                     incremental):
    """The workers are stopped before the output is cleaned up, and what they wrote that this process never
    heard of is removed too."""
    from sitegen.write import OutputWriter

    site = make_site(tmp_path, news_files(12))
    build(site, options=BuildOptions(jobs=2, cache=incremental))
    before = tree(site / "public")
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))
    (site / "content/world/new.md").write_text(article("New", "2024-06-01"))
    real_adopt, real_write, taken = OutputWriter.adopt, Path.write_bytes, []

    def interrupted_at_the_third_page(self, placed):
        taken.append(placed)
        if len(taken) == 3:
            raise KeyboardInterrupt
        return real_adopt(self, placed)

    def slowly(*args):
        time.sleep(0.05)  # the workers are still writing when the third page comes in
        return real_write(*args)

    monkeypatch.setattr(OutputWriter, "adopt", interrupted_at_the_third_page)
    monkeypatch.setattr(Path, "write_bytes", slowly)
    with pytest.raises(KeyboardInterrupt):  # (which keeps the exception, and what its traceback holds, alive)
        build(site, options=BuildOptions(jobs=2, cache=incremental))
    time.sleep(1)  # what the workers would write if they had not been stopped
    assert tree(site / "public") == before and _leftovers(site) == []
    assert not [folder for folder in (site / "public").rglob("*") if folder.is_dir() and not any(folder.iterdir())]


def test_ctrl_c_while_a_page_is_written_here_leaves_no_folder_behind(tmp_path, monkeypatch):
    site = make_site(tmp_path, news_files())
    build(site)
    before = tree(site / "public")
    (site / "content/newsection/new.md").parent.mkdir()
    (site / "content/newsection/new.md").write_text(article("New", "2024-06-01", section="newsection"))
    real = Path.write_bytes

    def interrupted_writing_the_new_page(target, data):
        if b"newsection" in data:
            raise KeyboardInterrupt
        return real(target, data)

    monkeypatch.setattr(Path, "write_bytes", interrupted_writing_the_new_page)
    run = build_site(site, "-j", "1")
    assert run.code == 130 and "interrupted: the output folder was left as it was" in run.err
    assert tree(site / "public") == before and not (site / "public/newsection").exists() and _leftovers(site) == []


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no cache"])
def test_markdown_is_converted_in_the_worker_processes(tmp_path, monkeypatch, every_item_in_parallel, cache):
    from sitegen import markdown

    log, real = tmp_path / "pids", markdown.render_with  # (either engine's)
    monkeypatch.setattr(markdown, "render_with", lambda *args: (
        log.open("a").write(f"{os.getpid()}\n"), real(*args))[1])
    site = make_site(tmp_path, news_files())
    build(site, options=BuildOptions(jobs=2, cache=cache))
    converted_in = log.read_text().split()
    assert len(converted_in) == 9 and str(os.getpid()) not in converted_in


def test_workers_leave_ctrl_c_to_the_build_which_stops_them(every_item_in_parallel):
    """A worker stopped by Ctrl-C while it sent a result left half a message in the pipe: the pool waited
    for the rest of it forever (a build hung about one time in thirty)."""
    assert set(parallel.parallel_imap(lambda _: (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)),
                                      range(8), 2)) == {(signal.SIG_IGN, signal.SIG_DFL)}  # SIGTERM: stopped


def test_a_sigterm_that_reaches_a_worker_as_it_starts_ends_it(tmp_path, every_item_in_parallel):
    """Pool.terminate stops workers by SIGTERM; one that came before a worker had set its handlers was noted by
    the parent's handler it started with and lost, and the build waited for that worker forever (a test run
    hung once). Now it ends the worker as soon as it starts: the worker does no work."""
    marker, struck = tmp_path / "strike", tmp_path / "struck"
    marker.touch()

    def strike_once() -> None:  # in the first worker forked, before anything else runs there
        try:
            marker.unlink()
        except FileNotFoundError:
            return
        struck.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGTERM)

    os.register_at_fork(after_in_child=strike_once)
    workers = set(parallel.parallel_imap(lambda _: time.sleep(0.05) or os.getpid(), range(8), 2))
    assert struck.exists() and int(struck.read_text()) not in workers and len(workers) >= 1


def test_a_ctrl_c_while_workers_are_forked_is_raised_not_dropped(every_item_in_parallel):
    """Python runs its at-fork handlers while a pool forks its workers; a KeyboardInterrupt raised in one
    is printed and dropped, and the build went on."""
    armed = []
    os.register_at_fork(after_in_parent=lambda: armed and armed.pop() and os.kill(os.getpid(), signal.SIGINT))
    armed.append(True)
    with pytest.raises(KeyboardInterrupt):
        list(parallel.parallel_imap(abs, range(8), 2))
    assert not armed


def test_articles_whose_markdown_is_cached_are_read_in_the_worker_processes_too(tmp_path, monkeypatch,
                                                                               every_item_in_parallel):
    """After a site.yaml edit every article is read again, its Markdown from the cache: on every core."""
    from sitegen import content

    site = make_site(tmp_path, news_files())
    build(site, options=BuildOptions(jobs=2))
    log, real = tmp_path / "pids", content.parse_article
    monkeypatch.setattr(content, "parse_article", lambda *args: (
        log.open("a").write(f"{os.getpid()}\n"), real(*args))[1])
    monkeypatch.setattr(markdown, "render_with", None)  # (not called: every body is in the cache)
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))
    build(site, options=BuildOptions(jobs=2))
    read_in = log.read_text().split()
    assert len(read_in) == 9 and str(os.getpid()) not in read_in
    monkeypatch.undo()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_ctrl_c_while_the_new_files_are_renamed_in_waits_for_the_renames(tmp_path, monkeypatch):
    import signal

    site = make_site(tmp_path, news_files())
    build(site)
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))
    real, renames = os.replace, []

    def ctrl_c_at_the_second_rename(*args):
        if str(site / "public") in str(args[1]):  # (not a compiled layout put in the cache)
            renames.append(args)
            if len(renames) == 2:
                os.kill(os.getpid(), signal.SIGINT)
        return real(*args)

    monkeypatch.setattr(os, "replace", ctrl_c_at_the_second_rename)
    run = build_site(site)
    monkeypatch.undo()
    assert len(renames) > 2  # the renames went on
    assert run.code == 130 and "the build was complete: the output folder holds the new site" in run.err
    assert tree(site / "public") == clean_build(site, tmp_path / "clean") and _leftovers(site) == []
    loads = _counting_loads(monkeypatch)
    build(site)
    assert loads == []  # the build was complete, and recorded: nothing is left to do
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_half_written_file_and_the_folders_made_for_it_are_removed_when_writing_fails(tmp_path, monkeypatch):
    site = make_site(tmp_path, news_files())
    build(site)
    before = tree(site / "public")
    (site / "content/world/new.md").write_text(article("New", "2024-06-30"))
    real = Path.write_bytes

    def disk_full_halfway(self, data):
        real(self, data[:len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full_halfway)
    assert build_site(site).code == 1
    monkeypatch.undo()
    assert tree(site / "public") == before and _leftovers(site) == []
    assert not (site / "public/world/new").exists()


def test_a_build_at_an_earlier_moment_is_not_taken_for_one_with_nothing_to_do(tmp_path, trust_at_once, monkeypatch):
    site = make_site(tmp_path, {**news_files(), "content/world/later.md": article("Later", "2024-07-01")})
    assert build(site, options=BuildOptions(now=datetime(2024, 7, 2, tzinfo=timezone.utc))).skipped_future == 0
    loads = _counting_loads(monkeypatch)
    earlier = build(site, options=BuildOptions(now=datetime(2024, 6, 15, tzinfo=timezone.utc)))
    assert loads == [1] and earlier.skipped_future == 1 and not (site / "public/world/later").exists()


def test_files_read_through_a_linked_folder_or_outside_the_site_count_as_inputs(tmp_path, trust_at_once,
                                                                                monkeypatch):
    shared = tmp_path / "shared"
    (shared / "partials").mkdir(parents=True)
    (shared / "partials/page-number.html").write_text(" First footer")
    (shared / "pic.png").write_bytes(png(640, 320))
    site = make_site(tmp_path, {**news_files(), "content/world/pictured.md": article(
        "Pictured", "2024-06-01", body="![Shared](../../../shared/pic.png)")})
    (site / "layouts").mkdir()
    (site / "layouts/partials").symlink_to(shared / "partials")
    build(site)
    assert "First footer" in (site / "public/index.html").read_text()
    (shared / "partials/page-number.html").write_text(" Second footer")  # edited in place
    build(site)
    assert "Second footer" in (site / "public/index.html").read_text()
    (shared / "pic.png").write_bytes(png(800, 600))
    loads = _counting_loads(monkeypatch)
    build(site)
    assert loads == [1] and 'width="800" height="600"' in (site / "public/world/pictured/index.html").read_text()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("process", ["sends the lists", "ends without them"])
def test_related_lists_made_in_another_process_are_those_made_here(tmp_path, every_item_in_parallel, trust_at_once,
                                                                   monkeypatch, caplog, process):
    """A full build on several cores makes the related lists in a forked process while it prepares the images
    (relatedlists.py); if that process ends without them, this one makes them (-v says so). Either way, the
    pages are those of a build on one core, and the next patch build takes up the index that was kept."""
    import os

    from sitegen.related import RelatedByLanguage

    site = make_site(tmp_path, news_files(12))
    builder = os.getpid()
    if process == "ends without them":
        real = RelatedByLanguage.update
        monkeypatch.setattr(RelatedByLanguage, "update",
                            lambda self, *args: os._exit(3) if os.getpid() != builder else real(self, *args))
    caplog.set_level("INFO", logger="sitegen")
    build(site, options=BuildOptions(jobs=2))
    assert ("the process making the related lists ended without them" in caplog.text) == (process != "sends the lists")
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    story = site / "content/world/story-0.md"
    story.write_text(story.read_text().replace("Words about topic0", "Harbour cranes unload grain ships; words"))
    assert build(site, options=BuildOptions(jobs=2)).site is None  # (a patch build)
    assert "related-posts index" not in caplog.text
    assert tree(site / "public") == clean_build(site, tmp_path / "clean again")


def test_related_lists_are_reused_while_every_article_reads_the_same_to_the_related_step(tmp_path, monkeypatch):
    from sitegen.related import RelatedByLanguage

    site = make_site(tmp_path, news_files())
    build(site)
    computed = []
    real = RelatedByLanguage.update
    monkeypatch.setattr(RelatedByLanguage, "update", lambda self, *args: computed.append(1) or real(self, *args))
    (site / "content/world/story-0.md").write_text(  # a layout field only: the related step reads no change
        (site / "content/world/story-0.md").read_text().replace("date:", "layout: article\ndate:"))
    build(site)
    assert computed == []
    _edit_article(site)  # a new title and text: computed again
    build(site)
    assert computed == [1]
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_build_reusing_the_related_lists_does_not_import_numpy(tmp_path):
    """numpy and scipy cost ~170 ms of imports: only a build that computes related lists pays them."""
    import subprocess
    import sys

    site = make_site(tmp_path, news_files())
    build(site)
    (site / "content/world/story-0.md").write_text(
        (site / "content/world/story-0.md").read_text().replace("date:", "layout: article\ndate:"))
    script = ("import sys; from pathlib import Path; from sitegen.build import build; "
              "r = build(Path(sys.argv[1])); print(r.articles, 'scipy' in sys.modules, 'numpy' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True, check=True)
    assert run.stdout.split()[1:] == ["False", "False"]
    _edit_article(site)  # the related step reads a change: the lists are computed
    run = subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True, check=True)
    assert run.stdout.split()[1:] == ["True", "True"]


def test_ctrl_c_after_the_files_are_written_but_before_they_are_renamed_in(tmp_path, monkeypatch):
    from sitegen.write import OutputWriter

    site = make_site(tmp_path, news_files())
    build(site)
    before = tree(site / "public")
    _edit_article(site)

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(OutputWriter, "finish", interrupted)
    run = build_site(site)
    assert run.code == 130 and "the output folder was left as it was" in run.err
    assert tree(site / "public") == before and _leftovers(site) == []


@pytest.mark.parametrize("stray", ["file", "folder", "deep folder", "removed file"])
def test_a_build_with_nothing_to_do_lists_only_folders_whose_mtime_changed(tmp_path, trust_at_once, monkeypatch,
                                                                           stray):
    site = make_site(tmp_path, news_files())
    build(site)
    build(site)  # (the output's own folder is written as the build finishes, after the moment its folders are
    public = site / "public"  # known to hold what they should: this one lists it once, and records it)
    listed = _listed_folders(monkeypatch, public)
    with monkeypatch.context() as walks:
        walks.setattr(intact_module, "files_in", lambda folder: pytest.fail("the whole output was walked"))
        assert build(site).rendered == 0 and listed == []  # every folder as it was: none listed
    time.sleep(0.05)  # a change in the same clock tick as the build could keep a folder's mtime
    if stray == "file":
        (public / "world/story-0/notes.txt").write_text("not ours")
    elif stray == "folder":
        (public / "world/empty").mkdir()
    elif stray == "deep folder":
        (public / "world/story-0/a/b").mkdir(parents=True)
    else:
        (public / "world/story-0/index.html").rename(public / "world/story-0/moved.html")
    build(site)  # finds the changed folder (the only one listed), or the file gone, and builds
    assert listed == ([] if stray == "removed file" else [str(public / ("world" if stray == "folder"
                                                                        else "world/story-0"))])
    assert tree(public) == clean_build(site, tmp_path / "clean")


def test_folders_changed_just_before_the_stamp_are_listed_once_then_trusted(tmp_path, trust_at_once, monkeypatch):
    site = make_site(tmp_path, news_files())
    with monkeypatch.context() as clock:  # every folder changed "just now"
        clock.setattr(build_module, "folder_states", lambda output, folders, checked_ns: intact_module.folder_states(
            output, folders, 0))
        build(site)
    listed = _listed_folders(monkeypatch, site / "public")
    with monkeypatch.context() as walks:
        walks.setattr(intact_module, "files_in", lambda folder: pytest.fail("the whole output was walked"))
        build(site)
        assert str(site / "public/world/story-0") in listed
        listed.clear()
        build(site)  # the last one found them as recorded, and old enough now to be trusted
        assert listed == []
    time.sleep(0.05)
    (site / "public/world/story-0/notes.txt").write_text("not ours")
    build(site)
    assert listed == [str(site / "public/world/story-0")]
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_stray_empty_folder_in_the_output_is_removed(tmp_path, trust_at_once):
    site = make_site(tmp_path, news_files())
    build(site)
    (site / "public/tmp/deeper").mkdir(parents=True)
    (site / "public/world/empty").mkdir()
    build(site)
    assert not (site / "public/tmp").exists() and not (site / "public/world/empty").exists()
    assert build(site).rendered == 0 and tree(site / "public") == clean_build(site, tmp_path / "clean")


def _listed_folders(monkeypatch, public) -> list[str]:
    """The folders under `public` listed from now on while a build checks that its output is intact."""
    listed: list[str] = []
    checking = []
    real_listdir, real_check = os.listdir, intact_module.intact_folders

    def check(*args):
        checking.append(1)
        try:
            return real_check(*args)
        finally:
            checking.pop()

    monkeypatch.setattr(os, "listdir", lambda folder=".": (listed.append(str(folder)) if checking else None)
                        or real_listdir(folder))
    monkeypatch.setattr(patch_module, "intact_folders", check)
    monkeypatch.setattr(patch_module, "intact_folders", check)
    return listed


def test_a_patch_build_compiles_only_the_layouts_it_renders_with(tmp_path, monkeypatch, trust_at_once):
    """Layouts are compiled by each build (compiled code is never loaded from disk): a full build compiles them
    all, to report every problem; a patch build only those of the pages it renders."""
    site = make_site(tmp_path, {**news_files(), "layouts/404.html": "Not here.\n"})
    build(site)
    compiled = []
    real = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, source, name=None, *args, **kwargs: compiled.append(
        name) or real(self, source, name, *args, **kwargs))
    story = site / "content/world/story-0.md"
    story.write_text(story.read_text() + "\nA new paragraph.\n")  # its text only: a patch build
    assert build(site).site is None
    assert "article.html" in compiled and "404.html" not in compiled and "search.html" not in compiled
    compiled.clear()
    (site / "layouts/404.html").write_text("Nothing here.\n")
    build(site)
    assert {"404.html", "search.html", "article.html"} <= set(compiled)
    assert (site / "public/404.html").read_text() == "Nothing here.\n"


def test_compiled_layouts_follow_the_settings_a_filter_bakes_in(tmp_path):
    """Jinja computes `'/logo.png' | absolute` when it compiles the layout: a new base_url needs new code."""
    site = make_site(tmp_path, {**news_files(), "layouts/404.html": "{{ '/logo.png' | absolute }}\n"})
    build(site)
    assert (site / "public/404.html").read_text() == "https://news.example.com/logo.png\n"
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("news.example.com", "other.example.org"))
    build(site)
    assert (site / "public/404.html").read_text() == "https://other.example.org/logo.png\n"
    assert not (site / ".sitegen-cache/layouts").exists()  # compiled by each build, never stored


def test_a_stray_added_while_a_build_finishes_is_found_by_the_next(tmp_path, trust_at_once, monkeypatch):
    """The folders' mtimes are recorded after the output is finished: a file added to a folder meanwhile
    (however long the rest of the build takes) must not be taken for part of what the build wrote."""
    site = make_site(tmp_path, news_files())
    build(site)
    real = write_module.OutputWriter.finish

    def finish_then_a_stray(writer):
        changed = real(writer)
        (writer.output / "world/story-3/stray.txt").write_text("not ours")
        time.sleep(0.05)  # the rest of a large build
        return changed

    _edit_article(site)
    with monkeypatch.context() as late:
        late.setattr(write_module.OutputWriter, "finish", finish_then_a_stray)
        build(site)
    build(site)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_marker_changed_by_hand_is_put_back(tmp_path, trust_at_once):
    site = make_site(tmp_path, news_files())
    build(site)
    (site / "public/.sitegen-output").write_text("edited")
    build(site)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    assert build(site).files_written == 0

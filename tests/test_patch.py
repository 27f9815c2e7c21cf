"""Patch builds (patch.py): edits to articles' text applied to the last build, byte-identical to a clean build."""

from __future__ import annotations

import gc
import sqlite3
import weakref

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import build as build_module, patch
from sitegen.build import Builder, build
from sitegen.config import BuildOptions
from sitegen.errors import SiteError
from sitegen.article import Outline
from sitegen.i18n import Translator
from sitegen.views import ViewFactory

from conftest import MINIMAL_CONFIG, article, clean_build, make_site, png, tree, with_engine

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

LEDE = "Words about the topic of this story, long enough to be the part the related-posts step reads. " * 20


def story(n: int, title: str | None = None, extra_body: str = "", **fields) -> str:
    return article(title or f"Story {n}", f"2024-05-{n + 1:02d}", tags=fields.pop("tags", "[Common, Tag{}]".format(n % 2)),
                   section=fields.pop("section", "world"), summary=fields.pop("summary", f"Summary {n}."),
                   body=f"{LEDE}topic{n % 2}\n\n## More\n\nThe rest of story {n}.\n{extra_body}", **fields)


def site_files(count: int = 6, config: str = "") -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"site.yaml": MINIMAL_CONFIG + config}
    files.update({f"content/world/s{n}.md": story(n) for n in range(count)})
    files["content/pages/about.md"] = "---\ntitle: About\n---\n\nWho we are.\n"
    return files


@pytest.fixture
def full_builds(monkeypatch):
    """Count the full builds (those that make the model)."""
    made = []
    real = build_module.build_model
    monkeypatch.setattr(build_module, "build_model", lambda *args: made.append(1) or real(*args))
    return made


def _builds_the_whole_site(site, tmp_path, full_builds) -> None:
    """The next build is a full one (the first was too), and builds what a clean build builds."""
    build(site)
    assert len(full_builds) == 2
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_an_edit_to_an_articles_text_renders_its_page_only(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, site_files())
    build(site)
    # The same words, so the same related lists (any new word would move them: the related-posts step
    # reads the whole text); figures and short words are not words to it.
    edit(site / "content/world/s3.md", "The rest of story 3.", "Of story 3, the rest: 25 at 10:30.\n\nOn it.")
    result = build(site)
    assert len(full_builds) == 1
    assert (result.rendered, result.changed) == (1, ("world/s3/index.html",))
    assert (result.articles, result.pages) == (6, build(site, tmp_path / "clean", BuildOptions(cache=False)).pages)
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    assert b"25 at 10:30" in (site / "public/world/s3/index.html").read_bytes()


def test_new_words_past_what_the_related_step_reads_rank_no_list_again(tmp_path, trust_at_once, full_builds):
    """The related-posts step reads the title and the first TEXT_CHARS of summary and text: a paragraph of
    new words added past them changes no related list, and only the article's page is rendered."""
    from sitegen.related import TEXT_CHARS

    site = make_site(tmp_path, site_files())
    story_3 = site / "content/world/s3.md"
    edit(story_3, "The rest of story 3.", "The rest of story 3." + " Filler words again." * (TEXT_CHARS // 19))
    build(site)
    edit(story_3, "Filler words again.\n", "Filler words again.\n\nZebras quokkas narwhals ocelots.\n")
    result = build(site)
    assert len(full_builds) == 1
    assert (result.rendered, result.changed) == (1, ("world/s3/index.html",))
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_longer_read_renders_every_page_that_shows_the_articles_card(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, {**site_files(), "layouts/partials/card.html":
                                '<article><a href="{{ card.url }}">{{ card.title }}</a> {{ card.reading_time }} min</article>\n'})
    build(site)
    before = tree(site / "public")
    edit(site / "content/world/s4.md", "The rest of story 4.", "The rest of story 4." + " More words." * 300)
    result = build(site)  # its reading time, on its card, goes from 1 to 4 minutes
    assert len(full_builds) == 1
    after = tree(site / "public")
    assert {"index.html", "world/index.html", "tags/common/index.html", "tags/tag0/index.html",
            "world/s4/index.html"} <= set(result.changed)
    assert any(path.startswith("world/s") and path != "world/s4/index.html" for path in result.changed)  # related
    assert set(result.changed) == {path for path in after if after[path] != before.get(path)}
    assert after == clean_build(site, tmp_path / "clean")


def test_an_edit_reaches_full_content_feeds(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, site_files(config="feeds:\n  full_content: true\n  items: 4\n"))
    build(site)
    edit(site / "content/world/s5.md", "The rest of story 5.", "The rest of story 5, at 10:30.")
    edit(site / "content/world/s0.md", "The rest of story 0.", "The rest of story 0, at 11:45.")
    result = build(site)
    assert len(full_builds) == 1
    assert set(result.changed) == {"world/s5/index.html", "world/s0/index.html", "atom.xml", "rss.xml", "feed.json",
                                   "world/atom.xml", "tags/common/atom.xml", "tags/tag1/atom.xml",
                                   "tags/tag0/atom.xml"}  # s0 is one of the newest four of Tag0 only
    assert b"story 5, at 10:30" in (site / "public/atom.xml").read_bytes()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("change", [
    ("title: Story 1", "title: Story 1\ndate: 2023-01-01"),  # its place in every listing
    ("[Common, Tag1]", "[Common, Tag0]"),  # its tags
    ("section: world", "section: science"),  # its URL
    ("title: Story 1", "title: Story 1\nslug: another"),
    ("title: Story 1", "title: Story 1\ndraft: true"),
    ("title: Story 1", "title: Story 1\nlayout: page"),
    ("title: Story 1", "title: Story 1\naliases: [/old/]"),
    ("title: Story 1", "title: Story 1\nimage: /lead.png\nimage_alt: A lead"),
    ("title: Story 1", "title: Story 1\nupdated: 2024-07-01"),  # the sitemap's lastmod
    ("title: Story 1", "title: Story 1\nextra_line: [a, b]"),  # a field on another line: the lines after move
    ("title: Story 1", "title: Story 1\nrelated: [s2]"),  # a hand-picked related post
], ids=lambda change: change[1].split("\n")[-1][:20])
def test_an_edit_that_changes_more_than_the_text_builds_the_whole_site(tmp_path, trust_at_once, full_builds, change):
    site = make_site(tmp_path, {**site_files(), "content/lead.png": png(40, 30)})
    build(site)
    edit(site / "content/world/s1.md", *change)
    _builds_the_whole_site(site, tmp_path, full_builds)


@pytest.mark.parametrize("change", [
    ("Words about the topic", "Other words about a topic"),  # the lede, which the related-posts step reads
    ("title: Story 1", "title: Story one"),
    ("summary: Summary 1.", "summary: Another summary."),
], ids=["lede", "title", "summary"])
def test_an_edit_to_what_related_lists_are_made_from_is_patched(tmp_path, trust_at_once, full_builds, change):
    site = make_site(tmp_path, site_files())
    build(site)
    before = tree(site / "public")
    edit(site / "content/world/s1.md", *change)
    result = build(site)
    assert len(full_builds) == 1
    after = tree(site / "public")
    assert "world/s1/index.html" in result.changed
    assert set(result.changed) == {path for path in after if after[path] != before.get(path)}
    assert after == clean_build(site, tmp_path / "clean")


def test_the_pages_of_articles_whose_related_list_changed_are_rendered_again(tmp_path, trust_at_once,
                                                                            full_builds):
    """A new lede of as many words: the article's card is as it was (its reading time), its place in other
    articles' lists is not."""
    def related_lists(site):  # (a model built elsewhere, not counted)
        return Builder(site, tmp_path / "elsewhere", BuildOptions(cache=False)).build().site.related

    site = make_site(tmp_path, site_files())
    build(site)
    lists = related_lists(site)
    before, full = tree(site / "public"), len(full_builds)
    text = (site / "content/world/s1.md").read_text()
    (site / "content/world/s1.md").write_text(text.replace(LEDE, "Harbour cranes unload grain ships at dawn while the market opens slowly and traders "
                                                       "count their coins. " * 20))
    result = build(site)
    assert len(full_builds) == full
    shown = {key: [link.key for link in links] for key, links in related_lists(site).items()}  # (scores aren't)
    changed_lists = {key for key, keys in shown.items() if keys != [link.key for link in lists[key]]} - {"/world/s1/"}
    assert changed_lists and {f"{key.strip('/')}/index.html" for key in changed_lists} <= set(result.changed)
    after = tree(site / "public")
    assert set(result.changed) == {path for path in after if after[path] != before.get(path)}
    assert after == clean_build(site, tmp_path / "clean")
    full, other = len(full_builds), sorted(changed_lists)[0].strip("/").split("/")[1][1:]
    edit(site / f"content/world/s{other}.md", f"The rest of story {other}.", "Its end, edited.")
    build(site)  # a patch on a patch that made related lists again: this article's page shows its new list
    assert len(full_builds) == full
    assert tree(site / "public") == clean_build(site, tmp_path / "clean2")


@pytest.mark.parametrize("kept", [True, False], ids=["index kept", "index not kept"])
def test_a_patch_updates_the_related_index_the_full_build_kept(tmp_path, trust_at_once, full_builds, caplog,
                                                                 monkeypatch, kept):
    """A new lede changes what the related step reads: the patch build takes up the index the full build kept
    (related/stored.py) and updates it with that article, instead of counting the words of every article again;
    without it (-v says so) the index is made afresh. Either way, what a clean build builds."""
    from sitegen.related import stored

    if not kept:
        monkeypatch.setattr(stored, "saved_index", lambda index: None)
    site = make_site(tmp_path, site_files())
    build(site)
    full = len(full_builds)
    caplog.set_level("INFO", logger="sitegen")
    text = (site / "content/world/s1.md").read_text()
    (site / "content/world/s1.md").write_text(text.replace(LEDE, "Harbour cranes unload grain ships at dawn. " * 30))
    build(site)
    assert len(full_builds) == full
    assert ("the related-posts index of the last full build is not in the cache" in caplog.text) == (not kept)
    assert "does not fit" not in caplog.text
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_related_lists_made_by_a_patch_are_kept_for_the_builds_after_it(tmp_path, trust_at_once, monkeypatch):
    """The Patches record keeps only the lists that show other articles than the snapshot's (every patch
    build reads it); a full build made from the same documents finds the lists the patch made."""
    from sitegen.cache import BuildCache
    from sitegen.related import RelatedByLanguage

    site = make_site(tmp_path, site_files(12))
    build(site)
    text = (site / "content/world/s1.md").read_text()
    (site / "content/world/s1.md").write_text(text.replace(LEDE, "Harbour cranes unload grain ships at dawn. " * 20))
    made, real = [], RelatedByLanguage.update
    monkeypatch.setattr(RelatedByLanguage, "update", lambda self, *args: made.append(1) or real(self, *args))
    build(site)
    assert made == [1]
    snapshot_key, patches_key, _ = patch.snapshot_keys((site / "public").resolve(), BuildOptions())
    store = BuildCache(site)
    before, kept = store.get(snapshot_key).site.related, store.get(patches_key).related
    assert 0 < len(kept) < len(before)
    assert all([link.key for link in links] != [link.key for link in before[key]] for key, links in kept.items())
    (site / "layouts").mkdir()
    (site / "layouts/404.html").write_text("Lost.\n")
    build(site)  # a full build, from the same documents
    assert made == [1] and tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("change", ["add", "delete", "rename", "layout", "asset", "config", "other file", "image"])
def test_anything_but_edited_articles_builds_the_whole_site(tmp_path, trust_at_once, full_builds, change):
    site = make_site(tmp_path, {**site_files(), "assets/css/extra.css": "body { }\n",
                                "content/world/notes.txt": "notes\n", "content/world/pic.png": png(40, 30),
                                "content/world/s1.md": story(1, extra_body="![A picture](pic.png)\n")})
    build(site)
    edit(site / "content/world/s0.md", "The rest of story 0.", "The rest of story 0, edited.")
    if change == "add":
        (site / "content/world/s9.md").write_text(story(9))
    elif change == "delete":
        (site / "content/world/s2.md").unlink()
    elif change == "rename":
        (site / "content/world/s2.md").rename(site / "content/world/s2-moved.md")
    elif change == "layout":
        (site / "layouts").mkdir()
        (site / "layouts/404.html").write_text("Not here.\n")
    elif change == "asset":
        (site / "assets/css/extra.css").write_text("body { margin: 0 }\n")
    elif change == "config":
        (site / "site.yaml").write_text(with_engine(MINIMAL_CONFIG + "page_size: 2\n"))
    elif change == "image":  # an article shows it: the article's page changes
        (site / "content/world/pic.png").write_bytes(png(50, 30))
    else:
        (site / "content/world/notes.txt").write_text("other notes\n")
    _builds_the_whole_site(site, tmp_path, full_builds)


def test_an_editors_swap_and_backup_files_do_not_stop_a_patch(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, site_files())
    build(site)
    edit(site / "content/world/s0.md", "The rest of story 0.", "The rest of story 0, edited.")
    (site / "content/world/.s0.md.swp").write_bytes(b"vim")
    (site / "content/world/s0.md~").write_text("backup")
    build(site)
    assert len(full_builds) == 1
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_broken_edit_is_reported_by_a_full_build_and_the_output_stays(tmp_path, trust_at_once):
    site = make_site(tmp_path, site_files())
    build(site)
    before = tree(site / "public")
    edit(site / "content/world/s0.md", "title: Story 0", "title: [Story 0")
    with pytest.raises(SiteError) as failure:
        build(site)
    assert [d.format().splitlines()[0] for d in failure.value.diagnostics] == [
        d.format().splitlines()[0] for d in _failure_of(site, tmp_path)]
    assert failure.value.diagnostics[0].format().startswith("content/world/s0.md:3: error: front matter")
    assert tree(site / "public") == before


def _failure_of(site, tmp_path):
    with pytest.raises(SiteError) as failure:
        build(site, tmp_path / "clean", BuildOptions(cache=False))
    return failure.value.diagnostics


def test_warnings_of_an_edited_article_are_those_a_full_build_finds(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, site_files())
    build(site)
    edit(site / "content/world/s2.md", "The rest of story 2.", "The rest of story 2.\n\n@[nonsense](https://x.org/v)")
    warned = build(site).warnings
    assert build(site).warnings == warned  # and a build with nothing to do says them again
    edit(site / "content/world/s2.md", "@[nonsense](https://x.org/v)", "Fixed.")
    assert build(site).warnings == ()
    assert len(full_builds) == 1
    edit(site / "content/world/s2.md", "Fixed.", "@[nonsense](https://x.org/v)")
    assert warned and warned == build(site, tmp_path / "clean", BuildOptions(cache=False)).warnings


def test_under_strict_a_new_warning_fails_the_build(tmp_path, trust_at_once):
    site = make_site(tmp_path, site_files())
    build(site, options=BuildOptions(strict=True))
    edit(site / "content/world/s2.md", "The rest of story 2.", "The rest of story 2.\n\n@[nonsense](https://x.org/v)")
    with pytest.raises(SiteError):
        build(site, options=BuildOptions(strict=True))


def test_a_draft_or_a_future_article_edited_changes_no_page(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, {**site_files(), "content/world/draft.md": story(7, draft="true"),
                                "content/world/later.md": article("Later", "2099-01-01", body="Not yet.")})
    build(site)
    edit(site / "content/world/draft.md", "The rest of story 7.", "Still a draft.")
    edit(site / "content/world/later.md", "Not yet.", "Still not yet.")
    assert build(site).changed == ()
    assert len(full_builds) == 1
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_an_edit_to_a_page_with_an_alias_renders_both(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, {**site_files(), "content/pages/about.md":
                                "---\ntitle: About\naliases: [/who/]\n---\n\nWho we are.\n"})
    build(site)
    edit(site / "content/pages/about.md", "title: About", "title: About us")
    assert {"about/index.html", "who/index.html", "search-index.json"} <= set(build(site).changed)
    assert len(full_builds) == 1
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("damage", ["snapshot", "patches", "related docs", "memo", "output"])
def test_a_missing_snapshot_or_memo_or_a_changed_output_builds_the_whole_site(tmp_path, trust_at_once, full_builds,
                                                                             damage):
    site = make_site(tmp_path, site_files())
    build(site)
    edit(site / "content/world/s0.md", "The rest of story 0.", "The rest of story 0, edited.")
    if damage == "related docs":  # needed by an edit to a title (or summary, or lede) only
        edit(site / "content/world/s0.md", "title: Story 0", "title: Story zero")
    if damage == "output":
        (site / "public/world/s1/index.html").write_text("by hand")
    else:
        snapshot_key, patches_key, docs_key = patch.snapshot_keys((site / "public").resolve(), BuildOptions())
        with sqlite3.connect(site / ".sitegen-cache/build.db") as db:
            if damage in ("snapshot", "patches", "related docs"):  # (a damaged value reads as a missing one)
                db.execute("DELETE FROM memo WHERE key = ?",
                           ({"snapshot": snapshot_key, "patches": patches_key}.get(damage, docs_key),))
            else:  # every memo but the snapshot and the stamp: the unchanged articles' bodies are gone
                db.execute("DELETE FROM memo WHERE length(value) < 4000 AND key NOT IN (?, ?)",
                           (snapshot_key, patches_key))
    _builds_the_whole_site(site, tmp_path, full_builds)


def test_patches_pile_up_until_a_full_build_starts_again(tmp_path, trust_at_once, full_builds):
    site = make_site(tmp_path, site_files())
    build(site)
    for n in range(4):
        edit(site / f"content/world/s{n}.md", f"The rest of story {n}.", f"The rest of story {n}, edited.")
        build(site)
        assert tree(site / "public") == clean_build(site, tmp_path / f"clean{n}")
    assert len(full_builds) == 1 + 4  # the first build and the clean ones
    (site / "content/world/s9.md").write_text(story(9))
    build(site)
    edit(site / "content/world/s9.md", "The rest of story 9.", "The rest of story 9, edited.")
    build(site)
    assert len(full_builds) == 1 + 4 + 1
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def _text_edits():
    """Edits of an article's text (patched), and others (a full build), as an author makes them."""
    def append(n):
        return lambda site: _add_text(site / f"content/world/s{n}.md", f"\nAppended to {n}.\n")

    def retitle(n):
        return lambda site: _replace_line(site / f"content/world/s{n}.md", "title:", f"title: Retitled {n}")

    def summarize(n):
        return lambda site: _replace_line(site / f"content/world/s{n}.md", "summary:", f"summary: Now {n} says more.")

    def lengthen(n):  # a longer read: its card's reading time changes
        return lambda site: _add_text(site / f"content/world/s{n}.md", "\nword " * 400)

    def redate(n):
        return lambda site: _replace_line(site / f"content/world/s{n}.md", "date:", f"date: 2023-0{n + 1}-09")

    def add(site):
        (site / "content/world/s8.md").write_text(story(8))

    def delete(site):
        (site / "content/world/s1.md").unlink(missing_ok=True)

    def translate(site):
        (site / "content/world/s0.ca.md").write_text(story(0, "Notícia 0"))

    steps = [add, delete, translate]
    for n in range(4):
        steps += [append(n), retitle(n), summarize(n), lengthen(n), redate(n)]
    return steps


def _add_text(path, text: str) -> None:
    if path.exists():
        path.write_text(path.read_text() + text)


def _replace_line(path, start: str, line: str) -> None:
    if path.exists():
        path.write_text("\n".join(line if old.startswith(start) else old for old in path.read_text().split("\n")))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.lists(st.sampled_from(_text_edits()), min_size=1, max_size=3), min_size=1, max_size=5),
       config=st.sampled_from(["", "feeds:\n  full_content: true\n  items: 3\npage_size: 2\n",
                               "languages:\n  en: {title: Test News}\n  ca: {title: Notícies}\n"]))
def test_random_text_edits_build_what_a_clean_build_builds(tmp_path_factory, trust_at_once, edits, config):
    root = tmp_path_factory.mktemp("patches")
    site = make_site(root, site_files(4, config))
    build(site)
    for together in edits:  # saved together, then a build
        for step in together:
            step(site)
        build(site)
        assert tree(site / "public") == clean_build(site, root / "clean")


def test_a_view_factory_goes_with_its_last_reference(tmp_path):
    """Its cards (made when a view asks for them: a patch build shows a few of 10,000) do not hold the
    factory: no cycle for the garbage collector to find at exit, with a whole site model behind it."""
    site_dir = make_site(tmp_path, site_files())
    result = Builder(site_dir, resident=True).build()
    site, edition = result.site, result.site.editions[0]
    factory = ViewFactory(site, edition, Translator("en", "en", {}), "test", result.plan)
    home = factory.listing_page(edition.home, edition.home.pages[0], "Home")
    assert [card.title for card in home.articles] == [a.title for a in edition.home.pages[0].articles]
    gc.disable()
    try:
        gone = weakref.ref(factory)
        del factory
        assert gone() is None
    finally:
        gc.enable()


def test_a_snapshot_holds_outlines_and_a_patch_build_renders_whole_articles(tmp_path):
    """The last build's model is kept without bodies as Outlines (no Article stands there with a body to
    fill in later); the whole article an outline is made into is the one a full build has."""
    site_dir = make_site(tmp_path, site_files())
    result = Builder(site_dir, resident=True).build()
    whole = result.site.articles[0]
    outline = whole.outline()
    assert isinstance(outline, Outline) and not hasattr(outline, "body")
    assert outline.word_count == whole.word_count == whole.body.word_count > 0
    assert outline.with_body(whole.body) == whole
    kept = patch.snapshot(result.site, 1, {}, {}).site
    assert {type(a) for a in (*kept.articles, *kept.pages)} == {Outline}

"""Under -v a build says why it did more work than its plan requires (no silent fallbacks)."""

from __future__ import annotations

import logging

from markdown.treeprocessors import InlineProcessor

from conftest import article, build_site, make_site
from sitegen.markdown import quick_pass_fits, render_markdown


def test_a_change_a_patch_build_cannot_apply_is_named(tmp_path, trust_at_once):
    site = make_site(tmp_path, {"content/world/a.md": article("A story")})
    assert build_site(site, "-o", tmp_path / "out").code == 0
    (site / "content/world/b.md").write_text(article("Another story"), encoding="utf-8")
    run = build_site(site, "-o", tmp_path / "out", "-v")
    assert run.code == 0, run.err
    assert f"note: a full build: {site / 'content/world/b.md'} was added or removed" in run.err
    quiet = build_site(site, "-o", tmp_path / "out")
    assert "note:" not in quiet.err  # only under -v


def test_a_first_build_and_an_output_changed_by_hand_are_named(tmp_path, trust_at_once):
    site = make_site(tmp_path, {"content/world/a.md": article("A story")})
    output = tmp_path / "out"
    first = build_site(site, "-o", output, "-v")
    assert f"note: a full build: the cache has no record of a build into {output}" in first.err
    (output / "world/a/index.html").write_text("changed by hand", encoding="utf-8")
    again = build_site(site, "-o", output, "-v")
    assert f"note: a full build: files in {output} were changed, added or removed since the last build" in again.err
    assert "A story" in (output / "world/a/index.html").read_text(encoding="utf-8")


def test_a_damaged_cache_is_named_and_started_again(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A story")})
    assert build_site(site, "-o", tmp_path / "out").code == 0
    (site / ".sitegen-cache/build.db").write_bytes(b"not a database" * 100)
    run = build_site(site, "-o", tmp_path / "out", "-v")
    assert run.code == 0, run.err
    assert "note: the build cache" in run.err and "is not a database that can be read: started again" in run.err


def test_markdown_without_its_quick_pass_says_so_and_converts_the_same(monkeypatch, caplog):
    """The quick pass overrides a private method of Python-Markdown: a version whose inline processor no
    longer runs it gets the converter as Python-Markdown ships it, and the -v note says so."""
    text = "Some *emphasis* -- and a [link](https://example.com/) & \"quotes\".\n"
    expected = render_markdown(text, "default").html
    real_run = InlineProcessor.run
    monkeypatch.setattr(InlineProcessor, "run", lambda self, tree, ancestors=None: real_run(self, tree, ancestors))
    assert not quick_pass_fits()
    with caplog.at_level(logging.INFO, logger="sitegen"):
        converted = render_markdown(text, "a style no other test uses").html
    assert converted == expected.replace("default", "a style no other test uses")
    assert any("without sitegen's quick inline pass" in record.getMessage() for record in caplog.records)


def test_the_quick_pass_fits_the_installed_python_markdown():
    assert quick_pass_fits()  # pyproject.toml pins the versions it was tested with

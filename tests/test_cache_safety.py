"""The build cache is input like any other: nothing in it can run code, publish a file from outside the
site, or stop a build; damage of any kind is noticed and the cache made again."""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import stat

import jinja2
import pytest

from sitegen.build import build
from sitegen.cachekey import KEY_ENV, key_file

from conftest import (CACHE_DATABASE, MINIMAL_CONFIG, article, build_site, clean_build, make_site, png,
                      store_memo, stored_memos, tree)


def small_site(tmp_path):
    return make_site(tmp_path, {
        **{f"content/world/story-{n}.md": article(f"Story {n}", f"2024-05-0{n + 1}", tags="[Energy]",
                                                  body=f"Text {n} about energy.") for n in range(3)},
        "content/pages/about.md": "---\ntitle: About\n---\n\nWho we are.\n",
    })


class RunsAShellCommand:
    """A pickle that runs a command when read back: what a hostile cache would hold."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("signed_by", ["another key", "no key (the format of older sitegens)"])
def test_a_forged_memo_is_never_unpickled(tmp_path, signed_by, caplog):
    site = small_site(tmp_path)
    build(site)
    marker = tmp_path / "it ran"
    payload = pickle.dumps(RunsAShellCommand(marker))
    with sqlite3.connect(site / CACHE_DATABASE) as db:
        keys = [key for key, in db.execute("SELECT key FROM memo")]
    for key in keys:
        if signed_by == "another key":
            store_memo(site, key, payload, signed=False)
        else:  # a CRC-32 and the compressed pickle, as sitegen 1 stored memos
            import zlib
            stored = zlib.compress(payload)
            with sqlite3.connect(site / CACHE_DATABASE) as db:
                db.execute("UPDATE memo SET value = ? WHERE key = ?",
                           (zlib.crc32(stored).to_bytes(4, "little") + stored, key))
    (site / "content/world/story-1.md").write_text(article("Story 1", "2024-05-02", body="Edited."))
    with caplog.at_level(logging.INFO, logger="sitegen"):
        assert build_site(site).code == 0
    assert not marker.exists()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")
    notes = [r.getMessage() for r in caplog.records if "without this user's key" in r.getMessage()]
    assert len(notes) == 1  # said once, not once per memo


def test_compiled_layouts_are_never_loaded_from_disk(tmp_path):
    """Loading compiled code runs it: layouts are compiled by every build and never stored. Compiled layouts
    that an older sitegen (or anyone) left in the cache folder, in Jinja's own format, are not read."""
    site = small_site(tmp_path)
    build(site)
    assert not (site / ".sitegen-cache/layouts").exists()
    marker = tmp_path / "it ran"
    folder = site / ".sitegen-cache/layouts"
    folder.mkdir()
    code = compile(f"open({str(marker)!r}, 'w').close()", "forged", "exec")
    for name in ("article.html", "base.html"):
        forged = jinja2.bccache.Bucket(jinja2.Environment(), name, "checksum")
        forged.code = code
        (folder / f"{name}.cache").write_bytes(forged.bytecode_to_string())
    (site / "content/world/story-1.md").write_text(article("Story 1", "2024-05-02", body="Edited."))
    run = build_site(site)
    assert run.code == 0 and not marker.exists()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_the_key_is_the_users_own_and_a_loose_one_is_refused(tmp_path, user_cache):
    site = small_site(tmp_path)
    build(site)
    assert key_file() == user_cache / "sitegen" / "cache-key"
    assert stat.S_IMODE(key_file().stat().st_mode) == 0o600 and len(key_file().read_bytes()) == 32
    if os.name == "posix":
        key_file().chmod(0o644)
        try:
            run = build_site(site)
        finally:
            key_file().chmod(0o600)
        assert run.code == 0
        assert ".sitegen-cache: warning: the build cache is not used: its key" in run.err
        assert "others can read or change it (chmod 600 it" in run.err


def test_a_key_from_the_environment_lets_ci_runs_share_a_cache(tmp_path, monkeypatch, caplog):
    """Two machines (two users' cache folders) with the same SITEGEN_CACHE_KEY read each other's caches;
    with another key, the second reads none of the first's memos."""
    site = small_site(tmp_path)
    monkeypatch.setenv(KEY_ENV, "a secret of this repository's CI, long enough")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "first machine"))
    build(site)
    refused = []
    for key, machine in [("a secret of this repository's CI, long enough", "second machine"),
                         ("another secret, from a pull request of a fork", "third machine")]:
        monkeypatch.setenv(KEY_ENV, key)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / machine))
        (site / "content/world/story-1.md").write_text(article("Story 1", "2024-05-02", body=f"On the {machine}."))
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sitegen"):
            build(site)
        refused.append(any("without this user's key" in r.getMessage() for r in caplog.records))
    assert refused == [False, True]
    assert not (tmp_path / "second machine/sitegen/cache-key").exists()  # none is made when the key is given
    monkeypatch.setenv(KEY_ENV, "short")
    run = build_site(site)
    assert run.code == 0 and f"the build cache is not used: {KEY_ENV} is shorter than 32 characters" in run.err


@pytest.mark.parametrize("damage", ["build.db is a folder", ".sitegen-cache is a file", "read-only database"])
def test_a_cache_that_cannot_be_used_is_a_warning_and_the_build_goes_on(tmp_path, damage, monkeypatch):
    site = small_site(tmp_path)
    build(site)
    cache = site / ".sitegen-cache"
    if damage == "build.db is a folder":
        (cache / "build.db").unlink()
        (cache / "build.db").mkdir()
        expected = ".sitegen-cache/build.db is not a file"
    elif damage == ".sitegen-cache is a file":
        import shutil
        shutil.rmtree(cache)
        cache.write_text("not a folder")
        expected = ".sitegen-cache is a file, not a folder"
    else:  # as a build run by another user leaves it (simulated: the tests may run as root)
        connect = sqlite3.connect
        monkeypatch.setattr(sqlite3, "connect", lambda path, *args, **kwargs: connect(
            f"file:{path}?mode=ro", *args, uri=True, **kwargs))
        expected = ".sitegen-cache/build.db cannot be opened and written (attempt to write a readonly database)"
    for _ in range(2):
        run = build_site(site, "--strict")  # (not an error, even then: the site itself is fine)
        assert run.code == 0, run.err
        assert f".sitegen-cache: warning: the build cache is not used: {expected}"  in run.err
        assert "hint: builds are slower without it" in run.err
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write any file")
def test_a_cache_written_by_another_user_is_a_warning(tmp_path):
    site = small_site(tmp_path)
    build(site)
    for path in (site / ".sitegen-cache").rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    (site / ".sitegen-cache").chmod(0o555)
    try:
        run = build_site(site)
    finally:
        for path in [site / ".sitegen-cache", *(site / ".sitegen-cache").rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert run.code == 0 and "warning: the build cache is not used" in run.err


def test_a_damaged_database_page_is_thrown_away_once_not_rewritten_forever(tmp_path, caplog):
    site = small_site(tmp_path)
    build(site)
    database = site / CACHE_DATABASE
    data = bytearray(database.read_bytes())
    page = 4096
    for at in range(page, len(data), page):  # every page but the first (the schema), scribbled over
        data[at + 8:at + 40] = b"\xff" * 32
    database.write_bytes(bytes(data))
    with caplog.at_level(logging.INFO, logger="sitegen"):
        first = build(site)
    assert first.files_written > 0
    assert sum("is damaged" in r.getMessage() for r in caplog.records) == 1
    assert build(site).files_written == 0  # the cache works again
    assert sqlite3.connect(database).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_memo_of_the_wrong_kind_is_a_miss(tmp_path, caplog):
    """A memo that carries the user's key but is not what its reader expects (written by another version of
    sitegen under the same key) is made again, not used: every build crashed on one before."""
    site = small_site(tmp_path)
    build(site)
    (site / "public").rename(tmp_path / "first")
    for key in stored_memos(site):
        store_memo(site, key, pickle.dumps(7))
    with caplog.at_level(logging.INFO, logger="sitegen"):
        assert build_site(site).code == 0
    assert tree(site / "public") == tree(tmp_path / "first")
    assert sum("not of the kind expected" in r.getMessage() for r in caplog.records) == 1
    assert build(site).files_written == 0


@pytest.mark.parametrize("lists", [{}, {"world/story-0/": None}, {"world/story-0/": (("nowhere/", 1.0, "similar"),)}])
def test_a_memo_of_related_lists_that_is_not_one_for_each_article_is_a_miss(tmp_path, caplog, lists):
    """Of the right kind (a dict) but not the lists of these articles: every page lost its related block, or
    the build crashed."""
    site = small_site(tmp_path)
    build(site)
    (site / "public").rename(tmp_path / "first")
    for key, value in stored_memos(site).items():
        if isinstance(value, dict):
            store_memo(site, key, pickle.dumps(lists))
    with caplog.at_level(logging.INFO, logger="sitegen"):
        assert build_site(site, "-v").code == 0
    assert tree(site / "public") == tree(tmp_path / "first")
    assert any("related lists does not hold a list for each article" in r.getMessage() for r in caplog.records)


@pytest.fixture
def photo_site(tmp_path):
    return make_site(tmp_path, {
        "content/world/story.md": article("Story", image="/images/hero.png", image_alt="A field"),
        "assets/images/hero.png": png(1600, 800),
    })


@pytest.mark.parametrize("attack", ["a manifest naming a file outside", "a variant that is a symlink",
                                    "a manifest that is not JSON", "an entry that is a symlink"])
def test_the_image_cache_cannot_publish_files_from_outside_the_site(photo_site, tmp_path, attack):
    secret = tmp_path / "secret.txt"
    secret.write_text("the server's secret")
    build(photo_site)
    reference = clean_build(photo_site, tmp_path / "clean")
    [manifest] = (photo_site / ".sitegen-cache/images").glob("*/*/variants.json")
    entry = manifest.parent
    if attack == "a manifest naming a file outside":
        manifest.write_text(f'[["image/webp", [["../../../../../{secret.name}", 480]]]]')
    elif attack == "a variant that is a symlink":
        [variant] = list(entry.glob("*.webp"))[:1]
        variant.unlink()
        variant.symlink_to(secret)
    elif attack == "a manifest that is not JSON":
        manifest.write_text("[[")
    else:
        moved = tmp_path / "moved"
        entry.rename(moved)
        (moved / next(p.name for p in moved.glob("*.webp"))).write_text("the server's secret")
        entry.symlink_to(moved)
    import shutil
    shutil.rmtree(photo_site / "public")
    assert build_site(photo_site).code == 0
    published = tree(photo_site / "public")
    assert not any(b"the server's secret" in data for data in published.values())
    assert published == reference


def test_a_second_build_of_a_site_waits_for_the_first_and_says_for_whom(tmp_path):
    import threading

    from sitegen.lock import site_lock

    site = small_site(tmp_path)
    told, done = [], []
    with site_lock(site):
        second = threading.Thread(target=lambda: done.append(build(site, waiting=told.append)))
        second.start()
        second.join(timeout=1.5)
        assert second.is_alive() and not done  # waiting
        assert told and told[0].startswith(f"a build in process {os.getpid()} on ")
    second.join(timeout=60)
    assert done and done[0].articles == 3


def test_builds_started_together_all_succeed_and_leave_the_site_right(tmp_path):
    """Two builds of one site at once, again and again, with edits in between: both succeed, one after the
    other (7 rounds in 36 failed with 'No such file or directory' before the lock)."""
    import subprocess
    import sys

    site = small_site(tmp_path)
    command = [sys.executable, "-m", "sitegen", "build", "-s", str(site), "-j", "1"]
    for round_ in range(12):
        (site / "content/world/story-1.md").write_text(article("Story 1", "2024-05-02", body=f"Round {round_}."))
        runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
        assert [code for code, _ in results] == [0, 0], results
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_planted_journal_cannot_write_through_a_link_out_of_the_output(tmp_path):
    """A cloned site (or an archive) can carry a journal, a staging folder and a link in its old output:
    replaying the journal must not follow the link (it overwrote ~/.bashrc)."""
    import json

    site = small_site(tmp_path)
    victim = tmp_path / "home"
    victim.mkdir()
    (victim / ".bashrc").write_text("original\n")
    build(site)
    (site / "public/home").symlink_to(victim)
    staging = site / ".public.sitegen-new-999999"
    (staging / "a").mkdir(parents=True)
    (staging / "a" / ("a" * 32)).write_text("echo pwned\n")
    (site / ".public.sitegen-journal").write_text(json.dumps(
        {"staging": staging.name, "moves": [["a/" + "a" * 32, "home/.bashrc"]]}))
    assert build_site(site).code == 0
    assert (victim / ".bashrc").read_text() == "original\n"
    assert not (site / ".public.sitegen-journal").exists() and not staging.exists()


def test_links_planted_beside_or_inside_the_output_are_never_written_through(tmp_path):
    """A link where this build's staging folder goes, and a folder of the output that is a link: the build
    writes neither through them (it wrote the site into the link's target, or pages out of the output)."""
    import shutil

    site = small_site(tmp_path)
    build(site)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    shutil.rmtree(site / "public/world/story-1")
    (site / "public/world/story-1").symlink_to(victim)  # where an edited page goes
    (site / f".public.sitegen-new-{os.getpid()}").symlink_to(victim)  # this process's staging name
    (site / "content/world/story-1.md").write_text(article("Story 1", "2024-05-02", body="Edited."))
    assert build_site(site).code == 0
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert not (site / "public/world/story-1").is_symlink()
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_killed_builds_journal_is_finished_before_the_output_is_looked_at(tmp_path):
    """A journal left by a killed build is replayed first: a later build that finds nothing else to do in
    those files must not take the half-moved output for its own (it published the reverted text)."""
    import json

    site = small_site(tmp_path)
    build(site)
    page = site / "public/world/story-1/index.html"
    staging = site / ".public.sitegen-new-999999"
    from sitegen.staging import staged_name

    name = staged_name("world/story-1/index.html")
    (staging / name).parent.mkdir(parents=True)
    (staging / name).write_bytes(page.read_bytes().replace(b"Text 1 about energy.", b"A stale version."))
    (site / ".public.sitegen-journal").write_text(json.dumps(
        {"staging": staging.name, "moves": [[name, "world/story-1/index.html"]]}))
    (site / "assets").mkdir()
    (site / "assets/notes.txt").write_text("a new file: a full build")
    assert build_site(site).code == 0
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_cache_folder_that_is_a_link_is_not_used(tmp_path):
    """Compiled layouts are pruned by name: through a link, that deleted every file of its target."""
    site = small_site(tmp_path)
    victim = tmp_path / "documents"
    victim.mkdir()
    (victim / "thesis.docx").write_text("precious")
    (site / ".sitegen-cache").mkdir()
    (site / ".sitegen-cache/layouts").symlink_to(victim)
    (site / ".sitegen-cache/images").symlink_to(victim)
    assert build_site(site).code == 0
    assert sorted(p.name for p in victim.iterdir()) == ["thesis.docx"]
    import shutil
    shutil.rmtree(site / ".sitegen-cache")
    (site / ".sitegen-cache").symlink_to(victim)
    run = build_site(site)
    assert run.code == 0 and "the build cache is not used: .sitegen-cache is a link" in run.err
    assert sorted(p.name for p in victim.iterdir()) == ["thesis.docx"]


def test_a_signed_value_moved_under_another_key_is_refused(tmp_path):
    """Tags cover the key a value is stored under: a draft's HTML moved under a published article's key
    (both signed by the user) is not published."""
    site = make_site(tmp_path, {"content/pub.md": article("Public", body="Public words."),
                                "content/draft.md": article("Draft", body="Secret draft words.", draft="true")})
    build(site, options=__import__("sitegen.config", fromlist=["x"]).BuildOptions(drafts=True))
    with sqlite3.connect(site / CACHE_DATABASE) as db:
        rows = dict(db.execute("SELECT key, value FROM memo").fetchall())
    memos = stored_memos(site)
    secret = next(key for key, value in memos.items() if "Secret draft" in getattr(value, "html", ""))
    public = next(key for key, value in memos.items() if "Public words" in getattr(value, "html", ""))
    with sqlite3.connect(site / CACHE_DATABASE) as db:
        db.execute("UPDATE memo SET value = ? WHERE key = ?", (rows[secret], public))
    (site / "content/pub.md").write_text(article("Public", body="Public words.") + "\n")  # read again
    assert build_site(site).code == 0
    assert "Secret draft" not in (site / "public/pub/index.html").read_text()


@pytest.mark.parametrize("value", ["some text", 12345, 1.5])
def test_a_memo_stored_as_text_or_a_number_is_a_miss(tmp_path, value):
    site = small_site(tmp_path)
    build(site)
    (site / "public").rename(tmp_path / "first")
    with sqlite3.connect(site / CACHE_DATABASE) as db:
        db.execute("UPDATE memo SET value = ?", (value,))
    assert build_site(site).code == 0
    assert tree(site / "public") == tree(tmp_path / "first")


def test_a_file_system_without_locks_builds_all_the_same(tmp_path, monkeypatch, caplog):
    import errno
    import fcntl

    def unsupported(*args):
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(fcntl, "flock", unsupported)
    site = small_site(tmp_path)
    with caplog.at_level(logging.INFO, logger="sitegen"):
        assert build(site).articles == 3
    assert any("cannot be locked (Function not implemented)" in r.getMessage() for r in caplog.records)

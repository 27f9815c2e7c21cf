"""Never lose the site, never let content run where it shouldn't, same input → same bytes."""

import random
import signal
import subprocess
import sys
import time

import pytest

from sitegen.yamlfile import YamlProblem, load_mapping

from conftest import article, build_site, make_site


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_safe_mode_escapes_raw_html_and_drops_script_urls(tmp_path):
    body = ('Hello <script>alert(1)</script> and <img src=x onerror=alert(2)>.\n\n<iframe src="https://x"></iframe>\n\n'
            '[a](javascript:alert(3)) [b](jav&#x61;script:alert(4)) [ok](https://example.com)\n')
    site = make_site(tmp_path, {"site.yaml": "safe_mode: true\nbase_url: https://n.example.com/\n",
                                "content/a.md": article(body=body)})
    assert build_site(site).code == 0
    page = (site / "public/a/index.html").read_text()
    body_html = page.split('<div class="article-body">')[1].split("</div>")[0]
    assert "<script" not in body_html and "<img" not in body_html and "<iframe" not in body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body_html
    assert 'href="#">a</a>' in body_html and 'href="#">b</a>' in body_html
    assert '<a href="https://example.com">ok</a>' in body_html


def test_without_safe_mode_raw_html_is_the_authors_choice(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(body='<iframe src="https://video.example/1"></iframe>\n')})
    build_site(site)
    assert '<iframe src="https://video.example/1"></iframe>' in (site / "public/a/index.html").read_text()


def test_yaml_alias_bombs_are_refused_quickly():
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        previous, name = chr(ord("a") + n - 1), chr(ord("a") + n)
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    started = time.perf_counter()
    with pytest.raises(YamlProblem, match="expands to more than"):
        load_mapping("\n".join(levels))
    assert time.perf_counter() - started < 1


def test_a_symlink_loop_in_content_does_not_hang(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article()})
    (site / "content" / "loop").symlink_to(site / "content")
    started = time.perf_counter()
    assert build_site(site).code == 0
    assert time.perf_counter() - started < 20


def test_two_builds_of_the_same_input_are_byte_identical(tmp_path):
    files = {f"content/{s}/story-{n}.md": article(f"Story {n} {s}", f"2024-0{n % 9 + 1}-1{n % 9}", tags=f"[T{n % 3}, T{n % 5}]",
                                                  body=f"Words of story {n}, {s}. Shared words.")
             for n in range(12) for s in ("world", "economy")}
    site = make_site(tmp_path / "one", files)
    build_site(site, "-o", tmp_path / "out1")
    reordered = make_site(tmp_path / "two", dict(reversed(list(files.items()))))
    build_site(reordered, "-o", tmp_path / "out2")
    build_site(site, "-o", tmp_path / "out3")
    assert tree(tmp_path / "out1") == tree(tmp_path / "out2") == tree(tmp_path / "out3")


@pytest.mark.slow
def test_killing_the_build_at_any_moment_leaves_the_previous_site_complete(tmp_path):
    """SIGKILL at random points of a rebuild: the output is always a whole site, old or new."""
    files = {f"content/s{n % 4}/story-{n}.md": article(f"Story {n}", "2024-05-01", tags=f"[T{n % 7}]",
                                                       body="Some words. " * 80) for n in range(400)}
    site = make_site(tmp_path, files)
    assert build_site(site).code == 0
    old = tree(site / "public")
    (site / "content/s0/story-0.md").write_text(article("Story 0, edited", "2024-05-01", body="New words."))
    command = [sys.executable, "-m", "sitegen", "build", "-q", "-s", str(site)]
    rng = random.Random(5)
    for attempt in range(6):
        process = subprocess.Popen(command)
        time.sleep(rng.uniform(0.05, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(site / "public")
        assert now == old or "Story 0, edited" in now["s0/story-0/index.html"].decode(), attempt
        assert now.keys() == old.keys(), attempt  # the same set of files: never half of one, half of another
    assert subprocess.run(command).returncode == 0
    assert [p.name for p in site.iterdir() if p.name.startswith(".public")] == []  # leftovers cleaned up
    assert "Story 0, edited" in (site / "public/s0/story-0/index.html").read_text()

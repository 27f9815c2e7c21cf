"""`sitegen check` (what a build validates, and broken links and anchors, images without alt text, repeated
titles, as path:line lines; exit 1; the output untouched) and `sitegen help` (the docs, installed or not)."""

import subprocess
import sys
import zipfile

import pytest

from conftest import REPO, article, build_site, make_site, run_cli

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

GOOD = {
    "content/world/pact.md": article("Pact signed", "2024-06-10", body="## Reactions\n\nLeaders welcomed it."),
    "content/world/visit.md": article("Visit ends", "2024-06-11", body=(
        "See [the pact](/world/pact/), [its reactions](../pact/#reactions), [a tag](/tags/) and "
        "[elsewhere](https://example.org/x#y).\n\n![Leaders shake hands](/images/hands.png)")),
    "assets/images/hands.png": b"",
}


def test_a_sound_site_passes(tmp_path):
    from conftest import png

    site = make_site(tmp_path, {**GOOD, "content/world/visit.md": GOOD["content/world/visit.md"].replace(
        "[a tag](/tags/) and ", ""), "assets/images/hands.png": png(40, 30)})
    run = run_cli("check", "-s", site)
    assert run.code == 0, run.err
    assert run.out == "Check passed: no problems found\n" and run.err == ""
    assert not (site / "public").exists()  # nothing written where the site is published from


def test_broken_links_anchors_alt_text_and_repeated_titles_are_found_at_their_lines(tmp_path):
    from conftest import png

    site = make_site(tmp_path, {
        **GOOD, "assets/images/hands.png": png(40, 30),
        "content/world/bad.md": article("Pact signed", "2024-06-12", body=(
            "Line one.\n\n[gone](/world/nope/) and [no anchor](/world/pact/#react)\n\n"
            "![](/images/hands.png)\n\n[fine](mailto:desk@example.org)")),
    })
    assert build_site(site).code == 0
    before = (site / "public/index.html").read_bytes()
    run = run_cli("check", "-s", site)
    assert run.code == 1
    lines = [line for line in run.err.splitlines() if not line.startswith("  hint")]
    assert lines == [
        "content/world/bad.md:2: error: the title is also that of content/world/pact.md",
        "content/world/bad.md:8: error: the link to '/world/nope/' leads to no page of the site",
        "content/world/bad.md:8: error: the link to '/world/pact/#react' leads to an anchor its page does not have",
        "content/world/bad.md:10: error: the image '/images/hands.png' has no alt text",
        "content/world/visit.md:6: error: the link to '/tags/' leads to no page of the site",
        "Check failed: 5 errors, 0 warnings",
    ]
    assert "hint: the page's anchors: " in run.err and "reactions" in run.err
    assert (site / "public/index.html").read_bytes() == before


def test_what_a_build_reports_check_reports_too(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article("A", "2024-06-10", image="nope.png", image_alt="x")})
    run = run_cli("check", "-s", site)
    assert run.code == 1 and "content/a.md:4: warning: image 'nope.png' not found" in run.err
    assert run.err.endswith("Check failed: 0 errors, 1 warning\n")
    site = make_site(tmp_path / "broken", {"content/a.md": "---\ntitle: A\n---\nNo date.\n"})
    run = run_cli("check", "-s", site)
    assert run.code == 1 and "content/a.md:1: error: the front matter has no 'date'" in run.err


def test_help_lists_the_topics_and_prints_a_page():
    run = run_cli("help")
    assert run.code == 0 and "configuration" in run.out and "Deploying a sitegen site" in run.out
    run = run_cli("help", "configuration")
    assert run.code == 0 and run.out == (REPO / "docs/configuration.md").read_text()
    run = run_cli("help", "front_matter.md")
    assert run.code == 0 and run.out.startswith("# Front matter reference")
    run = run_cli("help", "layouts-x")
    assert run.code == 1 and "sitegen help: error: no help on 'layouts-x'\n  hint: did you mean 'layouts'?" in run.err


def test_hints_point_at_help_topics_that_exist(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "colour: red\n", "content/a.md": article()})
    run = build_site(site)
    assert "hint: every setting: sitegen help configuration" in run.err
    assert run_cli("help", "configuration").code == 0


@pytest.mark.one_engine  # (nothing Markdown-specific: once is enough)
@pytest.mark.slow
def test_a_built_wheel_carries_the_docs(tmp_path):
    """A user who installed a wheel has no docs/ folder: `sitegen help` reads the copy inside the package."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(REPO)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("sitegen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"sitegen/docs/{page.name}" for page in (REPO / "docs").glob("*.md")} <= set(names)
    assert "sitegen/site_files/github-workflow.yml" in names


def test_check_leaves_the_build_cache_as_the_last_build_left_it(tmp_path):
    from conftest import CACHE_DATABASE

    import sqlite3

    def rows():
        with sqlite3.connect(site / CACHE_DATABASE) as db:
            return (sorted(db.execute("SELECT key, value FROM memo")),
                    sorted(db.execute("SELECT folder, path, inputs, digest FROM output")))

    site = make_site(tmp_path, GOOD)
    assert build_site(site).code == 0
    before = rows()
    run_cli("check", "-s", site)
    assert rows() == before
    run = build_site(site, "-v")
    assert "a full build" not in run.err  # the last build's records are still there: nothing to do


def test_links_under_a_base_path_percent_encoded_or_not(tmp_path):
    from conftest import MINIMAL_CONFIG

    config = MINIMAL_CONFIG.replace("https://news.example.com/", "https://example.org/notícies/")
    site = make_site(tmp_path, {
        "site.yaml": config,
        "content/world/one.md": article("One", "2024-06-10", body=(
            "## The heading\n\n[rel](../two/) [self](#the-heading) [root](/world/two/) "
            "[full](https://example.org/not%C3%ADcies/world/nope/)")),
        "content/world/two.md": article("Two", "2024-06-11"),
    })
    run = run_cli("check", "-s", site)
    found = [line for line in run.err.splitlines() if ": error:" in line]
    assert found == [
        "content/world/one.md:8: error: the link to '/world/two/' leads outside the site, whose pages are under "
        "/not%C3%ADcies/",
        "content/world/one.md:8: error: the link to 'https://example.org/not%C3%ADcies/world/nope/' leads to no "
        "page of the site",
    ], run.err

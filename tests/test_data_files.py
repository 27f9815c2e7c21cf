"""Data files (data/*.yaml, .yml, .json, .toml) as `site.data` in layouts: read safely, errors at their
lines, and an edit renders again the pages whose layouts show the data, and only those."""

import pytest

from conftest import MINIMAL_CONFIG, article, build_site, make_site

STAFF = """\
- name: Ana Puig
  role: Editor
- name: Joan Ferrer
  role: Reporter
"""
TICKER = '{"headline": "Polls close at 8 pm", "items": [1, 2, 3]}'
RESULTS = 'title = "Municipal election"\n[[parties]]\nname = "Greens"\nseats = 7\n'

# The home page shows the data; articles use the theme's layout, which does not mention it.
HOME = """\
{% extends "base.html" %}
{% block main %}
<ul class="staff">{% for person in site.data.staff %}<li>{{ person.name }} ({{ person.role }})</li>{% endfor %}</ul>
<p class="ticker">{{ site.data.live.ticker.headline }} {{ site.data.live.ticker["items"] | length }}</p>
<p class="results">{{ site.data.results.title }}: {{ site.data.results.parties[0].name }}
{{ site.data.results.parties[0].seats }}</p>
{% endblock %}
"""

FILES = {
    "data/staff.yaml": STAFF,
    "data/live/ticker.json": TICKER,
    "data/results.toml": RESULTS,
    "layouts/home.html": HOME,
    "content/world/a.md": article("Harbour reopens", "2024-06-10"),
}


def test_layouts_see_every_data_file_by_its_name(tmp_path):
    site = make_site(tmp_path, FILES)
    run = build_site(site)
    assert run.code == 0, run.err
    html = (site / "public/index.html").read_text()
    assert '<ul class="staff"><li>Ana Puig (Editor)</li><li>Joan Ferrer (Reporter)</li></ul>' in html
    assert '<p class="ticker">Polls close at 8 pm 3</p>' in html
    assert "Municipal election: Greens\n7" in html


def test_values_are_escaped_like_any_other(tmp_path):
    site = make_site(tmp_path, {**FILES, "data/staff.yaml": "- {name: '<script>x</script>', role: R}\n"})
    assert build_site(site).code == 0
    assert "&lt;script&gt;x&lt;/script&gt;" in (site / "public/index.html").read_text()


def test_editing_a_data_file_renders_again_only_the_pages_that_show_data(tmp_path):
    site = make_site(tmp_path, FILES)
    assert build_site(site).code == 0
    article_page = site / "public/world/a/index.html"
    before = article_page.stat().st_mtime_ns
    (site / "data/staff.yaml").write_text(STAFF.replace("Editor", "Editor in chief"))
    run = build_site(site, "-v")
    assert run.code == 0, run.err
    assert "Ana Puig (Editor in chief)" in (site / "public/index.html").read_text()
    assert article_page.stat().st_mtime_ns == before  # its layout does not mention data: not rendered again


def test_a_data_edit_builds_what_a_clean_build_builds(tmp_path):
    from conftest import clean_build, tree

    site = make_site(tmp_path, FILES)
    assert build_site(site).code == 0
    (site / "data/live/ticker.json").write_text(TICKER.replace("8 pm", "9 pm"))
    (site / "data/new.yaml").write_text("x: 1\n")
    assert build_site(site).code == 0
    assert tree(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("name, text, message", [
    ("data/staff.yaml", "- name: Ana\n  role: [Editor\n- name: Joan\n", "data/staff.yaml:3: error: invalid YAML"),
    ("data/live/ticker.json", '{"headline": "x",\n "items": [1, 2,]\n}', "data/live/ticker.json:2: error: invalid JSON"),
    ("data/results.toml", 'title = "x"\nseats = = 7\n', "data/results.toml:2: error: invalid TOML"),
    ("data/staff.yaml", b"name: \xff\xfe\n", "data/staff.yaml:1: error: not UTF-8 text"),
    ("data/bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)), "data/bomb.yaml:1: error: the YAML expands to more than"),
    ("data/staff.json", "[]", "data/staff.yaml: error: data/staff.json is site.data.staff already"),
    ("data/live.yaml", "x: 1", "data/live/ticker.json: error: data/live.yaml is site.data.live already"),
    ("data/obj.yaml", "x: !!python/object:os.system ls\n", "data/obj.yaml:1: error:"),
])
def test_a_broken_data_file_is_an_error_at_its_line_and_nothing_is_written(tmp_path, name, text, message):
    site = make_site(tmp_path, {**FILES, name: text})
    run = build_site(site)
    assert run.code == 1
    assert message in run.err, run.err
    assert not (site / "public").exists()


def test_other_files_in_data_are_a_warning_and_hidden_ones_are_left_alone(tmp_path):
    site = make_site(tmp_path, {**FILES, "data/notes.txt": "x", "data/.DS_Store": "x", "data/.git/x.yaml": "["})
    run = build_site(site)
    assert run.code == 0, run.err
    assert "data/notes.txt: warning: not a data file, so not read" in run.err
    assert ".DS_Store" not in run.err and ".git" not in run.err


def test_a_site_without_data_files_has_an_empty_site_data(tmp_path):
    site = make_site(tmp_path, {
        "layouts/home.html": '{% extends "base.html" %}{% block main %}<p>{{ site.data | length }}'
                             '{{ site.data.staff is defined }}</p>{% endblock %}',
        "content/world/a.md": article(),
    })
    assert build_site(site).code == 0
    assert "<p>0False</p>" in (site / "public/index.html").read_text()


def test_data_dir_can_be_another_folder(tmp_path):
    """Jekyll keeps its data in _data/: a migrated site sets data_dir instead of moving it."""
    files = {("_" + name if name.startswith("data/") else name): text for name, text in FILES.items()}
    site = make_site(tmp_path, {**files, "site.yaml": MINIMAL_CONFIG + "data_dir: _data\n"})
    assert build_site(site).code == 0
    assert "Ana Puig (Editor)" in (site / "public/index.html").read_text()


@pytest.mark.parametrize("name, text, message", [
    ("data/deep.json", "[" * 900 + "]" * 900, "data/deep.json:1: error: the values nest more than 100 levels deep"),
    ("data/deep.yaml", "a: " + "[" * 300 + "]" * 300 + "\n", "data/deep.yaml:1: error: the values nest more than"),
    ("data/keys.yaml", "1: one\ntrue: two\n", "data/keys.yaml:1: error: keys must be names, found 1"),
    ("data/set.yaml", "s: !!set {a, b}\n", "data/set.yaml:1: error: a set ('!!set', '!!binary') has no place"),
])
def test_data_a_layout_could_not_use_the_same_way_on_every_build_is_an_error(tmp_path, name, text, message):
    site = make_site(tmp_path, {**FILES, name: text})
    run = build_site(site)
    assert run.code == 1 and message in run.err, run.err
    assert "Traceback" not in run.err


def test_a_layout_cannot_change_the_data_the_next_page_sees(tmp_path):
    site = make_site(tmp_path, {**FILES, "data/counter.yaml": "k: 1\n", "layouts/home.html":
                                '{% extends "base.html" %}{% block main %}'
                                "{% set _ = site.data.counter.update({'k': 2}) %}{% endblock %}"})
    run = build_site(site)
    assert run.code == 1 and "site.data cannot be changed by a layout" in run.err, run.err


@pytest.mark.parametrize("setting", ["data_dir: content/data", "data_dir: assets", "data_dir: public/x"])
def test_data_files_are_never_in_a_folder_that_is_published(tmp_path, setting):
    site = make_site(tmp_path, {**FILES, "site.yaml": MINIMAL_CONFIG + setting + "\n"})
    run = build_site(site)
    assert run.code == 1 and "site.yaml:4: error: 'data_dir' cannot be inside" in run.err, run.err

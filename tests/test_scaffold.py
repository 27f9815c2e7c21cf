"""`sitegen init` and `sitegen new`: what a new site holds (its deploy workflow and requirements), archetypes
with placeholders, `new page`, and their errors."""

import json

import pytest
import yaml

from conftest import REPO, build_site, run_cli

WORKFLOW = REPO / "src/sitegen/site_files/github-workflow.yml"


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "mysite"
    assert run_cli("init", folder).code == 0
    return folder


def test_init_writes_the_github_pages_workflow_that_docs_deploy_shows(site):
    written = (site / ".github/workflows/site.yml").read_text()
    assert written == WORKFLOW.read_text()
    steps = [step.get("run", step.get("uses", "")) for step in yaml.safe_load(written)["jobs"]["build"]["steps"]]
    assert "pip install -r requirements.txt" in steps and "actions/cache@v4" in steps
    assert any(step.startswith("sitegen build --base-url") for step in steps)
    deploy = (REPO / "docs/deploy.md").read_text()
    assert "```yaml\n" + written + "```" in deploy  # the page shows the file as it is


def test_init_leaves_requirements_for_the_owner_when_it_cannot_name_an_origin(site):
    """This clone is installed from a folder (pip install -e .): no CI runner has that folder, and PyPI's
    'sitegen' is another project, so no requirement line is written, only how to write one."""
    text = (site / "requirements.txt").read_text()
    assert all(line.startswith("#") for line in text.splitlines())
    assert "never install it by name alone" in text and "# sitegen @ git+https://" in text


@pytest.mark.parametrize("origin, line", [
    ({"url": "https://github.com/acme/sitegen", "vcs_info": {"vcs": "git", "commit_id": "abc123"}},
     "sitegen @ git+https://github.com/acme/sitegen@abc123"),
    ({"url": "https://example.org/sitegen-0.1.0.tar.gz", "archive_info": {}},
     "sitegen @ https://example.org/sitegen-0.1.0.tar.gz"),
])
def test_requirements_name_where_sitegen_came_from(tmp_path, monkeypatch, origin, line):
    import importlib.metadata

    class Installed:
        version = "0.1.0"

        def read_text(self, name):
            return json.dumps(origin) if name == "direct_url.json" else None

    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Installed())
    assert run_cli("init", tmp_path / "s").code == 0
    assert (tmp_path / "s/requirements.txt").read_text().splitlines()[-1] == line


def test_new_page_makes_an_undated_page(site):
    run = run_cli("new", "page", "About us", "-s", site)
    assert run.code == 0, run.err
    text = (site / "content/pages/about-us.md").read_text()
    assert text.startswith("---\ntitle: About us\n") and "date" not in text and "draft: true" in text
    assert build_site(site, "--drafts").code == 0
    assert (site / "public/about-us/index.html").is_file()
    run = run_cli("new", "Two", "words", "-s", site)
    assert run.code == 1 and 'hint: quote it: sitegen new "Two words"' in run.err


ARCHETYPE = """\
---
title: {{ title }}
date: {{ .Date }}
tags: [World]
image_credit: "Photo: Newsroom"
---

# {{ title }}

Reported by {{ author }}. Write the story here.
"""


def test_a_sections_archetype_fills_its_placeholders_and_keeps_the_rest(site):
    (site / "archetypes").mkdir()
    (site / "archetypes/world.md").write_text(ARCHETYPE)
    (site / "archetypes/article.md").write_text("---\ntitle: {{ title }}\ndate: {{ date }}\nkind: generic\n---\n")
    run = run_cli("new", 'Pact: "signed" today', "--section", "world", "--author", "Ana Puig", "-s", site)
    assert run.code == 0, run.err
    text = (site / "content/world/pact-signed-today.md").read_text()
    assert 'title: "Pact: \\"signed\\" today"\n' in text  # one YAML value, quotes and ': ' and all
    assert "tags: [World]\n" in text and 'image_credit: "Photo: Newsroom"' in text
    assert "section: world\n" in text and "author: Ana Puig\n" in text and "draft: true\n" in text
    assert '# Pact: "signed" today\n\nReported by Ana Puig.' in text
    assert build_site(site, "--drafts").code == 0
    assert 'Pact: "signed" today' in (site / "public/world/pact-signed-today/index.html").read_text() \
        .replace("&#34;", '"').replace("&quot;", '"')
    assert run_cli("new", "Budget vote", "--section", "politics", "-s", site).code == 0
    assert "kind: generic" in (site / "content/politics/budget-vote.md").read_text()  # article.md otherwise


def test_an_archetype_with_placeholders_sitegen_does_not_have_is_an_error_at_its_lines(site):
    (site / "archetypes").mkdir()
    (site / "archetypes/default.md").write_text(  # as Hugo's default archetype is written
        '---\ntitle: "{{ replace .File.ContentBaseName "-" " " | title }}"\ndate: {{ .Date }}\n---\n{{ .Site.Title }}\n')
    run = run_cli("new", "Story", "-s", site)
    assert run.code == 1
    assert "archetypes/default.md:2: error: unknown placeholder 'replace'" in run.err
    assert "archetypes/default.md:5: error: unknown placeholder 'Site.Title'" in run.err
    assert not (site / "content/story.md").exists()
    (site / "archetypes/default.md").write_text("---\ntitle: {{ title }}\n  bad: [\n---\n")
    run = run_cli("new", "Story", "-s", site)
    assert run.code == 1 and "archetypes/default.md:3: error: front matter:" in run.err
    (site / "archetypes/default.md").write_text("no front matter\n")
    run = run_cli("new", "Story", "-s", site)
    assert run.code == 1 and "archetypes/default.md:1: error: an archetype starts with front matter" in run.err


def test_an_empty_cache_key_variable_counts_as_unset(site, monkeypatch):
    """CI passes a secret that was never added as an empty value: the build cache still works."""
    monkeypatch.setenv("SITEGEN_CACHE_KEY", "")
    run = build_site(site)
    assert run.code == 0 and "cache" not in run.err, run.err


def test_placeholders_in_code_are_left_as_written(site):
    (site / "archetypes").mkdir()
    (site / "archetypes/article.md").write_text(
        "---\ntitle: {{ title }}\ndate: {{ date }}\n---\n\nOn {{ title }}:\n\n```jinja\n{{ page.title }} {{ title }}\n"
        "```\n\nand `{{ site.title }}`.\n")
    run = run_cli("new", "Layout tips", "-s", site)
    assert run.code == 0, run.err
    text = (site / "content/layout-tips.md").read_text()
    assert "On Layout tips:" in text and "{{ page.title }} {{ title }}\n```" in text and "`{{ site.title }}`" in text

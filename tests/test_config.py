import re

import pytest

from sitegen.config import GROUP_SETTINGS, SETTINGS, load_config
from sitegen.errors import SiteError

from conftest import REPO


def config_errors(tmp_path, text: str) -> list[str]:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    return [d.format() for d in caught.value.diagnostics]


def test_defaults_apply_when_site_yaml_is_minimal(tmp_path):
    (tmp_path / "site.yaml").write_text("title: News\n")
    config = load_config(tmp_path)
    assert config.title == "News"
    assert config.language == "en" and config.timezone == "UTC" and config.page_size == 10
    assert config.related.count == 5 and config.related.include_newer is True
    assert config.base_path == "/"


def test_base_path_comes_from_base_url(tmp_path):
    (tmp_path / "site.yaml").write_text("base_url: https://example.com/news\n")
    assert load_config(tmp_path).base_path == "/news/"


def test_unknown_keys_get_did_you_mean_and_all_errors_come_at_once(tmp_path):
    errors = config_errors(tmp_path, "titel: News\npage_size: ten\ntimezone: Mars/Olympus\nrelated:\n  cout: 3\n")
    assert errors == [
        "site.yaml:1: error: unknown setting 'titel'\n  hint: did you mean 'title'?",
        "site.yaml:2: error: 'page_size' must be a whole number, not str 'ten'",
        "site.yaml:3: error: unknown timezone 'Mars/Olympus'\n  hint: use an IANA name such as 'Europe/Madrid' or 'UTC'",
        "site.yaml:5: error: unknown setting 'related.cout'\n  hint: did you mean 'related.count'?",
    ]


@pytest.mark.parametrize("name, ours", [("baseURL", "base_url"), ("baseurl", "base_url"), ("SITEURL", "base_url"),
                                        ("paginate", "page_size"), ("languageCode", "language")])
def test_settings_spelled_as_other_generators_spell_them_get_ours(tmp_path, name, ours):
    """Hugo's, Jekyll's and Pelican's names for a setting are not close to ours as text: a table knows them."""
    errors = config_errors(tmp_path, f"title: News\n{name}: x\n")
    assert errors == [f"site.yaml:2: error: unknown setting '{name}'\n  hint: did you mean '{ours}'?"]


@pytest.mark.parametrize("text, message", [
    ("language: klingon\n", "unknown language 'klingon'"),
    ("base_url: example.com\n", "is neither an absolute URL nor a path"),
    ("theme: missing-theme\n", "theme 'missing-theme' not found"),
    ("sections: [world]\n", "'sections' must be a mapping"),
    ("page_size: 0\n", "'page_size' must be at least 1"),
    ("draft: true\n", "unknown setting 'draft'"),
    ("title: [a\n", "invalid YAML"),
    ("- just\n- a list\n", "expected 'key: value' pairs"),
])
def test_bad_settings(tmp_path, text, message):
    assert any(message in e for e in config_errors(tmp_path, text))


def test_missing_site_yaml_says_how_to_create_one(tmp_path):
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    assert "sitegen init" in caught.value.diagnostics[0].hint


def test_configuration_reference_documents_every_setting_with_its_default():
    doc = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for prefix, table in [("", SETTINGS)] + [(f"{name}.", group) for name, group in GROUP_SETTINGS.items()]:
        for name, (_kind, default) in table.items():
            if name in GROUP_SETTINGS:
                continue
            shown = {True: "true", False: "false"}.get(default, default) if isinstance(default, bool) else default
            shown = f'"{shown}"' if isinstance(default, str) else ("{}" if default == {} else shown)
            shown = f"[{', '.join(map(str, default))}]" if isinstance(default, tuple) else shown
            row = re.search(rf"^\| `{re.escape(prefix + name)}` \|[^|]*\| `([^`]*)` \|", doc, re.M)
            assert row, f"{prefix}{name} is not documented in docs/configuration.md"
            assert row.group(1) == str(shown), f"{prefix}{name}: documented default {row.group(1)} != {shown}"


@pytest.mark.parametrize("text, message", [
    ("pygments_style: monokia\n", "site.yaml:1: error: unknown pygments_style 'monokia'\n  hint: did you mean 'monokai'?"),
    ("base_url: //cdn.example.com/\n", "site.yaml:1: error: base_url '//cdn.example.com/' is neither"),
    ("related:\n  count: -1\n  recency: 2\n", "site.yaml:2: error: 'related.count' must be at least 0"),
    ("related:\n  count: -1\n  recency: 2\n", "site.yaml:3: error: 'related.recency' must be between 0 and 1"),
])
def test_values_out_of_range_or_unknown(tmp_path, text, message):
    assert any(e.startswith(message) for e in config_errors(tmp_path, text))


@pytest.mark.parametrize("text, message", [
    ('theme: ""\n', "site.yaml:1: error: theme '' not found"),
    ("theme: ..\n", "site.yaml:1: error: theme '..' not found"),
    ("content_dir: .\n", "site.yaml:1: error: 'content_dir' cannot be the site folder itself"),
    ("sections:\n  5: Five\n", "site.yaml:2: error: 'sections' maps a section's folder name to its display name"),
    ("title: A\ntitle: B\n", "site.yaml:2: error: 'title' is set twice (first on line 1)"),
    ("title: A\nsections:\n\t world: World\n", "site.yaml:3: error: invalid YAML"),
])
def test_more_bad_settings(tmp_path, text, message):
    errors = config_errors(tmp_path, text)
    assert any(e.startswith(message) for e in errors), errors


def test_a_tab_in_yaml_is_named(tmp_path):
    assert any("this line has a tab" in e for e in config_errors(tmp_path, "title: A\nsections:\n\t world: World\n"))


def test_s_pointing_at_site_yaml_says_to_pass_the_folder(tmp_path):
    (tmp_path / "site.yaml").write_text("title: A\n")
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path / "site.yaml")
    assert "-s takes the site's folder, not a file" in caught.value.diagnostics[0].message

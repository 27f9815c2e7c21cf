import pytest

from sitegen.frontmatter import FrontMatterError, split_front_matter
from sitegen.yamlfile import YamlProblem, load_mapping


def test_split_gives_yaml_body_and_their_lines():
    split = split_front_matter("---\ntitle: A\ndate: 2024-01-01\n---\n\nBody text\n")
    assert split.front_matter == "title: A\ndate: 2024-01-01"
    assert split.front_matter_line == 2
    assert split.body == "\nBody text\n"
    assert split.body_line == 5


def test_bom_crlf_and_leading_blank_lines_are_tolerated():
    split = split_front_matter("\ufeff\r\n\r\n---\r\ntitle: A\r\n---\r\nBody\r\n")
    assert split.front_matter == "title: A"
    assert split.front_matter_line == 4
    assert split.body == "Body\n"


def test_dots_close_front_matter_too():
    assert split_front_matter("---\ntitle: A\n...\nBody").body == "Body"


@pytest.mark.parametrize("text, line, message", [
    ("Just text\n", 1, "no front matter"),
    ("\n\n# Heading\n", 3, "no front matter"),
    ("", 1, "the file is empty"),
    ("---\ntitle: A\n\nBody without a closing fence\n", 1, "never closed"),
])
def test_split_errors_name_the_line(text, line, message):
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter(text)
    assert caught.value.line == line
    assert message in caught.value.message
    assert caught.value.hint


def test_toml_front_matter_gets_a_specific_hint():
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter("+++\ntitle = 'A'\n+++\n")
    assert "TOML" in caught.value.hint


def test_yaml_keys_remember_their_file_lines():
    mapping = load_mapping("title: A\n\ntags: [x]\ndate: 2024-06-21\nmenu:\n  - {name: A}\n  - name: B\n",
                           first_line=2)
    assert mapping.key_lines == {"title": 2, "tags": 4, "tags.0": 4, "date": 5, "menu": 6, "menu.0": 7,
                                 "menu.0.name": 7, "menu.1": 8, "menu.1.name": 8}
    assert mapping.data["date"] == "2024-06-21"  # dates stay text; sitegen parses them itself


def test_yaml_errors_report_the_line_in_the_file():
    with pytest.raises(YamlProblem) as caught:
        load_mapping("title: A\ntags: [x, y\ndate: 2024-06-21\n", first_line=2)
    assert caught.value.line >= 3
    assert caught.value.message.startswith("invalid YAML")


@pytest.mark.parametrize("text", ["!!python/object/apply:os.system ['echo hi']",
                                  "title: !!python/name:os.system"])
def test_yaml_never_constructs_python_objects(text):
    with pytest.raises(YamlProblem):
        load_mapping(text)


def test_yaml_that_is_not_a_mapping_is_refused():
    with pytest.raises(YamlProblem) as caught:
        load_mapping("- a\n- b\n", first_line=2)
    assert caught.value.line == 2
    assert "list" in caught.value.message


def test_empty_yaml_is_an_empty_mapping():
    assert load_mapping("").data == {}

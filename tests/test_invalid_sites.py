"""Each folder in invalid_sites/ is a broken site; expected.txt is exactly what the build prints.

A folder with a file named `strict` is built with --strict.

Refresh the expectations after a deliberate wording change with:
    python -m pytest tests/test_invalid_sites.py --update-golden
"""

import shutil
from pathlib import Path

import pytest

from conftest import build_site

CASES = sorted(p for p in (Path(__file__).parent / "invalid_sites").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_site_reports_its_errors_and_writes_nothing(case, tmp_path, request):
    site = tmp_path / "site"
    shutil.copytree(case, site, ignore=shutil.ignore_patterns("expected.txt", "strict"))
    run = build_site(site, *(["--strict"] if (case / "strict").exists() else []))
    expected = case / "expected.txt"
    if request.config.getoption("--update-golden"):
        expected.write_text(run.err, encoding="utf-8")
    assert run.code == 1
    assert run.out == ""
    assert run.err == expected.read_text(encoding="utf-8")
    assert not (site / "public").exists()

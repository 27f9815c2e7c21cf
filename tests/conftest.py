"""Shared helpers: sites made from a dict of files, and the CLI run in-process."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import pickle
import shutil
import sqlite3
import threading
import zlib
from dataclasses import dataclass, replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sitegen import stamp
from sitegen.build import build
from sitegen.cachekey import KEY_ENV, Signer, user_signer
from sitegen.cli import main
from sitegen.config import BuildOptions

REPO = Path(__file__).resolve().parents[1]
MINIMAL_CONFIG = "title: Test News\nbase_url: https://news.example.com/\ntimezone: UTC\n"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the demo site")


ENGINES = ("python-markdown", "commonmark")
_site_engine: list[str | None] = [None]  # the engine make_site sets for the running test (see `markdown_engine`)


def pytest_generate_tests(metafunc):
    """Tests marked `both_engines` (whole-site tests, marked by module) run once with each Markdown engine, but
    those marked `one_engine` (a test of what one engine does)."""
    definition = metafunc.definition
    if definition.get_closest_marker("both_engines") and not definition.get_closest_marker("one_engine"):
        metafunc.parametrize("markdown_engine", ENGINES, indirect=True)


@pytest.fixture
def markdown_engine(request):
    """The engine the sites of this test are built with: each in turn for a `both_engines` test (make_site adds
    `markdown.engine` to a site.yaml that does not choose one), else None (site.yaml as written)."""
    return getattr(request, "param", None)


@pytest.fixture(autouse=True)
def _sites_built_with(markdown_engine):
    _site_engine[0] = markdown_engine
    yield
    _site_engine[0] = None


def site_engine() -> str | None:
    """The Markdown engine of the running test's sites (None: site.yaml as written)."""
    return _site_engine[0]


def with_engine(config: str) -> str:
    """site.yaml text with the running `both_engines` test's engine, unless it is the default or the text
    chooses one (or does not end a line, and so could not take one more)."""
    if _site_engine[0] in (None, ENGINES[0]) or "markdown:" in config or not config.endswith("\n"):
        return config
    return config + f"markdown:\n  engine: {_site_engine[0]}\n"


def make_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (path → text or bytes) under root/site; a minimal site.yaml unless given, `with_engine`
    (a test that writes site.yaml again later passes its text through `with_engine` too)."""
    site = root / "site"
    files = {"site.yaml": MINIMAL_CONFIG, **files}
    if isinstance(files["site.yaml"], str):
        files["site.yaml"] = with_engine(files["site.yaml"])
    for relative, data in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return site


def article(title: str = "A story", date: str = "2024-06-21", body: str = "Some text.", **fields) -> str:
    """An article's text; extra keyword fields become front matter lines written as given."""
    lines = [f"title: {title}", f"date: {date}"] + [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n"


def png(width: int, height: int) -> bytes:
    """A plain PNG image of this size."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Run:
    code: int
    out: str
    err: str


def built_page(site: Path, path: str = "") -> str:
    """The HTML of the page at site path `path` ('' for the home page) in the site's public/ folder."""
    return (site / "public" / path / "index.html").read_text(encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` and its bytes, by '/'-separated relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(site: Path, folder: Path, options: BuildOptions = BuildOptions()) -> dict[str, bytes]:
    """What a first build with no cache writes (with these options otherwise): the reference every
    incremental build must equal."""
    shutil.rmtree(folder, ignore_errors=True)
    build(site, folder, replace(options, jobs=1, cache=False))
    return tree(folder)


@pytest.fixture
def trust_at_once(monkeypatch):
    """Files written just before a build count as unchanged by the next one (a build with nothing to
    do does nothing), as files written more than two seconds before do outside the tests."""
    monkeypatch.setattr(stamp, "RACY_NS", 0)


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory):
    """The user's cache directory, where the key that signs build caches is kept: a folder of the test
    session's, not the home of whoever runs the tests (builds run by tests in other processes see it too)."""
    folder = tmp_path_factory.mktemp("user-cache")
    saved = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", KEY_ENV)}
    os.environ["XDG_CACHE_HOME"] = str(folder)
    os.environ.pop(KEY_ENV, None)
    yield folder
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


CACHE_DATABASE = ".sitegen-cache/build.db"


def stored_memos(site: Path) -> dict[bytes, object]:
    """The memos of a site's build cache as values, read back as sitegen stores them (signed with the
    user's key, compressed, pickled)."""
    signer = user_signer()
    with sqlite3.connect(site / CACHE_DATABASE) as db:
        rows = db.execute("SELECT key, value FROM memo").fetchall()
    return {key: pickle.loads(zlib.decompress(signer.opened(value, b"memo" + key))) for key, value in rows}


def store_memo(site: Path, key: bytes, payload: bytes, signed: bool = True) -> None:
    """Put a memo into a site's build cache as a pickle `payload`, signed with the user's key (as sitegen
    would have stored it) or not (as another machine would have)."""
    stored = zlib.compress(payload)
    with sqlite3.connect(site / CACHE_DATABASE) as db:
        db.execute("INSERT OR REPLACE INTO memo VALUES (?, ?)",
                   (key, (user_signer() if signed else Signer(b"k" * 32)).sign(stored, b"memo" + key)))


def run_cli(*args: str | Path) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse exits on a bad command line
            code = exc.code
    return Run(code, out.getvalue(), err.getvalue())


def build_site(site: Path, *args: str | Path) -> Run:
    return run_cli("build", "-s", site, *args)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo site of this repository, built once: its output folder."""
    output = tmp_path_factory.mktemp("demo") / "public"
    run = build_site(REPO, "-o", output)
    assert run.code == 0, run.err
    assert "0 warnings" in run.out
    return output


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve_folder(folder: Path):
    """`folder` over HTTP on 127.0.0.1 at a free port; yields the origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def site_factory(tmp_path):
    return lambda files: make_site(tmp_path, files)


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; .ci/run installs it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def missing(what: str, hint: str):
    """CI must have every test dependency; a developer's machine may lack the browser."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run must install it ({hint})", pytrace=False)
    pytest.skip(f"{what} is missing ({hint})")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright (never `playwright install`: the system browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package", "pip install -e '.[test]'")
    if not CHROMIUM.is_file():
        missing(f"Chromium at {CHROMIUM}", "apt-get install chromium; never `playwright install`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

"""The preview server's logic, mostly without sockets: paths, injection, builds, watching, debounce."""

import http.client
import json
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from sitegen.build import Builder
from sitegen.config import BuildOptions, load_config
from sitegen.server import Preview, ServedState, inject_script, make_server, resolve_request
from sitegen.stamp import ASSET, CONFIG, CONTENT, DATA, LAYOUT
from sitegen.watch import ChangeWatcher, is_editor_temporary

from conftest import article, make_site, run_cli


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "root"
    (root / "world" / "a").mkdir(parents=True)
    (root / "world" / "a" / "index.html").write_text("<p>a</p>")
    (root / "css").mkdir()
    (root / "css" / "site.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "escape").symlink_to(tmp_path / "secret.txt")
    (root / "inside").symlink_to(root / "css" / "site.css")
    return root


@pytest.mark.parametrize("request_path, expected", [
    ("/world/a/", "world/a/index.html"),
    ("/css/site.css", "css/site.css"),
    ("/css/site.css?v=3", "css/site.css"),
    ("/inside", "css/site.css"),
])
def test_files_inside_the_served_folder_are_found(served, request_path, expected):
    found, redirect = resolve_request(served, "/", request_path)
    assert found == (served / expected).resolve() and redirect is None


@pytest.mark.parametrize("request_path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/world/../../secret.txt", "/escape",
    "//etc/passwd", "/%00index.html", "/..%5csecret.txt", "/missing", "/" + str(Path("/etc/passwd")),
])
def test_nothing_outside_the_served_folder_can_be_read(served, request_path):
    found, _ = resolve_request(served, "/", request_path)
    assert found is None or served.resolve() in found.parents


def test_a_folder_without_its_slash_redirects(served):
    assert resolve_request(served, "/", "/world/a") == (None, "/world/a/")


def test_a_site_under_a_sub_path_is_served_there(served):
    assert resolve_request(served, "/news/", "/news/world/a/")[0] == (served / "world/a/index.html").resolve()
    assert resolve_request(served, "/news/", "/world/a/") == (None, None)
    assert resolve_request(served, "/news/", "/news") == (None, "/news/")


def test_the_reload_script_goes_before_the_end_of_body():
    html = inject_script(b"<html><body><p>x</p></body></html>", "/news/", 7)
    assert html.endswith(b'data-epoch="7" defer></script></body></html>')
    assert b'src="/news/__sitegen/live.js"' in html and b'data-events="/news/__sitegen/events"' in html
    assert inject_script(b"<p>no body</p>", "/", 1).startswith(b"<p>no body</p><script")


@pytest.mark.parametrize("name", [".story.md.swp", "story.md~", ".#story.md", "4913", "#story.md#", "x.tmp"])
def test_editor_temporary_files_are_ignored(name):
    assert is_editor_temporary(name)


def test_changes_are_classified_and_outputs_ignored(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(), "layouts/article.html": "x", "assets/css/a.css": "x",
                                "data/staff.yaml": "[]"})
    config = load_config(site)
    watcher = ChangeWatcher(config, ignored=[site / "public", site / "served"])
    kinds = {name: watcher.kind_of(site / name) for name in [
        "site.yaml", "content/a.md", "layouts/article.html", "assets/css/a.css", "public/index.html",
        "served/index.html", "content/.a.md.swp", ".git/HEAD", "notes.txt", "i18n/ca.yaml", "data/staff.yaml"]}
    assert kinds == {"site.yaml": CONFIG, "i18n/ca.yaml": CONFIG, "data/staff.yaml": DATA,
                     "content/a.md": CONTENT, "layouts/article.html": LAYOUT,
                     "assets/css/a.css": ASSET, "public/index.html": None, "served/index.html": None,
                     "content/.a.md.swp": None, ".git/HEAD": None, "notes.txt": None}


def make_preview(tmp_path, files):
    site = make_site(tmp_path, files)
    output = tmp_path / "served"
    state = ServedState(root=output, base_path="/")
    lines = []
    preview = Preview(Builder(site, output, BuildOptions(fingerprint=False), resident=True), state, log=lines.append)
    return site, state, preview, lines


def test_a_failed_build_keeps_the_last_good_site_and_tells_the_browser(tmp_path):
    site, state, preview, lines = make_preview(tmp_path, {"content/world/a.md": article("First")})
    assert preview.build_once({}) is not None
    good = (state.root / "world/a/index.html").read_text()
    (site / "content/world/a.md").write_text("---\ntitle: broken\n")
    assert preview.build_once({str(site / "content/world/a.md"): CONTENT}) is None
    assert (state.root / "world/a/index.html").read_text() == good
    event, data = state.last_event
    assert event == "builderror"
    assert json.loads(data)[0]["path"] == "content/world/a.md" and "never closed" in json.loads(data)[0]["message"]
    assert any(line.startswith("build failed (a.md changed)") for line in lines)
    (site / "content/world/a.md").write_text(article("Fixed"))
    assert preview.build_once({}) is not None and state.errors == [] and state.last_event[0] == "reload"


def test_css_only_changes_swap_styles_and_renames_move_the_reader(tmp_path):
    site, state, preview, _ = make_preview(tmp_path, {"content/world/a.md": article("Story"),
                                                      "assets/css/extra.css": "p{}"})
    preview.build_once({})
    (site / "assets/css/extra.css").write_text("p{color:red}")
    preview.build_once({})
    assert state.last_event == ("css", json.dumps({"changed": ["css/extra.css"]}))
    (site / "content/world/a.md").rename(site / "content/world/b.md")
    preview.build_once({})
    assert state.last_event == ("moved", json.dumps({"/world/a/": "/world/b/"}))


def test_a_burst_of_events_gives_one_rebuild(tmp_path):
    site, state, preview, lines = make_preview(tmp_path, {"content/world/a.md": article("Story")})
    preview.build_once({})
    watcher = ChangeWatcher(load_config(site), ignored=[state.root])
    thread = threading.Thread(target=preview.run_builds, args=(watcher,), daemon=True)
    thread.start()
    try:
        for n in range(20):  # what an editor's save can look like: writes, renames, temp files
            watcher.note(str(site / "content/world/a.md"))
            watcher.note(str(site / f"content/world/{['.a.md.swp', 'a.md~', '4913', '.#a.md'][n % 4]}"))
            time.sleep(0.005)
        deadline = time.monotonic() + 10
        while len(lines) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        preview.stopping.set()
        thread.join(timeout=5)
    rebuilds = [line for line in lines if line.startswith("rebuilt")]
    assert len(rebuilds) == 2 and "(a.md changed)" in rebuilds[1]


def test_http_status_mime_head_404_and_waiting_for_builds(tmp_path):
    site, state, preview, _ = make_preview(tmp_path, {"content/world/a.md": article("Story")})
    preview.build_once({})
    server = make_server(state, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(base + "/world/a/") as response:
            assert response.status == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert b"__sitegen/live.js" in response.read()
        with urllib.request.urlopen(base + "/css/site.css") as response:
            assert response.headers["Content-Type"] == "text/css; charset=utf-8"
        head = urllib.request.urlopen(urllib.request.Request(base + "/world/a/", method="HEAD"))
        assert head.status == 200 and head.read() == b"" and int(head.headers["Content-Length"]) > 0
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/nope/")
        assert missing.value.code == 404 and b"Page not found" in missing.value.read()
        state.build_started()
        answered = []
        waiting = threading.Thread(target=lambda: answered.append(urllib.request.urlopen(base + "/").status))
        waiting.start()
        time.sleep(0.3)
        assert answered == []  # held while the build runs
        preview.build_once({})  # a build that changes nothing publishes nothing, yet must let it go
        waiting.join(timeout=5)
        assert answered == [200]
        state.build_started()  # one that changes a page: a request held meanwhile gets it with the new epoch,
        held = []  # or its browser, told of the newer epoch at once, would reload what it has just been given
        waiting = threading.Thread(target=lambda: held.append(urllib.request.urlopen(base + "/world/a/").read()))
        waiting.start()
        time.sleep(0.3)
        (site / "content/world/a.md").write_text(article("Story, updated"))
        preview.build_once({str(site / "content/world/a.md"): "modified"})
        waiting.join(timeout=5)
        assert b"Story, updated" in held[0] and f'data-epoch="{state.epoch}"'.encode() in held[0]
        results = []
        clients = [threading.Thread(target=lambda: results.append(urllib.request.urlopen(base + "/").status))
                   for _ in range(30)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=10)
        assert results == [200] * 30
    finally:
        server.shutdown()
        server.server_close()


def test_connections_cut_by_the_browser_or_by_stopping_print_no_traceback(tmp_path, capsys):
    site, state, preview, _ = make_preview(tmp_path, {"content/world/a.md": article("Story")})
    server = make_server(state, "127.0.0.1", 0)
    for failure in (ConnectionResetError(104, "reset by peer"), BrokenPipeError(32, "broken pipe")):
        try:
            raise failure
        except OSError:
            server.handle_error(None, ("127.0.0.1", 1))
    try:
        raise ValueError("a bug in a handler")
    except ValueError:
        server.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err.count("Traceback") == 1  # a real error is still shown
    server.server_close()
    try:
        raise OSError(9, "Bad file descriptor")  # what a daemon request thread meets as the process exits
    except OSError:
        server.handle_error(None, ("127.0.0.1", 1))
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("host, answered", [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("LOCALHOST", True), ("[::1]:8000", True),
    ("192.168.1.20:8000", True), ("news.localhost:8000", True), ("preview.example:8000", True),
    ("attacker.example", False), ("attacker.example:8000", False), ("127.0.0.1.attacker.example", False),
    ("localhost.attacker.example", False), ("", False)])
def test_only_requests_for_this_server_are_answered(tmp_path, host, answered):
    """A page on another site that points its own name at 127.0.0.1 (DNS rebinding) must not read the
    preview, which may hold drafts."""
    site, state, preview, _ = make_preview(tmp_path, {"content/world/a.md": article("Story", draft="true")})
    preview.build_once({})
    state.host = "preview.example"
    server = make_server(state, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for method in ("GET", "HEAD"):
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
            connection.putrequest(method, "/", skip_host=True)
            connection.putheader("Host", host)
            connection.endheaders()
            response = connection.getresponse()
            assert response.status == (200 if answered else 403)
            connection.close()
    finally:
        server.shutdown()
        server.server_close()


def test_a_hundred_and_fifty_requests_at_once_are_all_answered_quickly(tmp_path):
    site, state, preview, _ = make_preview(tmp_path, {"content/world/a.md": article("Story")})
    preview.build_once({})
    server = make_server(state, "127.0.0.1", 0)
    assert server.request_queue_size >= 128
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        sockets = [socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=20) for _ in range(150)]
        for connection in sockets:
            connection.sendall(b"GET /world/a/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        answers = [connection.recv(12) for connection in sockets]
        assert answers == [b"HTTP/1.0 200"] * 150
        for connection in sockets:
            connection.close()
    finally:
        server.shutdown()
        server.server_close()


def test_serve_never_builds_into_the_sites_output_dir(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(draft="true")})
    run = run_cli("serve", "-s", site, "--port", "0", "--drafts", "-o", site / "public")
    assert run.code == 1 and "refusing to preview into the site's output_dir (public/)" in run.err
    assert not (site / "public").exists()


def test_a_port_in_use_gives_a_clear_message(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article()})
    blocker = make_server(ServedState(root=tmp_path, base_path="/"), "127.0.0.1", 0)
    try:
        run = run_cli("serve", "-s", site, "--port", str(blocker.server_address[1]))
        port = blocker.server_address[1]
        assert run.code == 1
        assert run.err.startswith(f"--port {port}: error: port {port} on 127.0.0.1 is already in use\n  hint: stop "
                                  f"the other server, or pass another port (--port {port + 1}), or --port 0")
    finally:
        blocker.server_close()


def test_a_save_that_changes_no_output_reloads_nothing(tmp_path):
    site, state, preview, _ = make_preview(tmp_path, {"content/world/a.md": article("Story")})
    preview.build_once({})
    epoch = state.epoch
    (site / "content/world/a.md").write_text(article("Story"))  # saved again, same text
    preview.build_once({str(site / "content/world/a.md"): CONTENT})
    assert state.epoch == epoch


def test_folder_modified_events_are_not_changes(tmp_path):
    from watchdog.events import DirModifiedEvent, FileCreatedEvent

    from sitegen.watch import _Handler

    site = make_site(tmp_path, {"content/world/a.md": article()})
    watcher = ChangeWatcher(load_config(site), ignored=[])
    handler = _Handler(watcher)
    handler.on_any_event(DirModifiedEvent(str(site / "content/world")))
    handler.on_any_event(FileCreatedEvent(str(site / "content/world/.a.md.swp")))
    assert watcher.take() == {}
    handler.on_any_event(FileCreatedEvent(str(site / "content/world/b.md")))
    assert watcher.take() == {str(site / "content/world/b.md"): CONTENT}


def test_serve_refuses_an_output_folder_it_did_not_create(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article()})
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    run = run_cli("serve", "-s", site, "--port", "0", "-o", mine)
    assert run.code == 1 and "refusing to replace a folder that sitegen did not create" in run.err
    assert (mine / "notes.txt").read_text() == "keep me"


def test_percent_encoded_base_paths_are_served(served):
    assert resolve_request(served, "/my%20news/", "/my%20news/world/a/")[0] == (served / "world/a/index.html").resolve()


def test_a_data_folder_made_while_serving_is_watched_from_then_on(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article()})
    watcher = ChangeWatcher(load_config(site), ignored=[])
    watcher.start()
    try:
        (site / "data").mkdir()
        (site / "data/x.yaml").write_text("v: 1\n")
        deadline = time.monotonic() + 5
        while str(site / "data") not in watcher.changes and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the new folder is watched once its creation is noted
        watcher.take()
        (site / "data/x.yaml").write_text("v: 2\n")
        deadline = time.monotonic() + 5
        while str(site / "data/x.yaml") not in watcher.changes and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watcher.take().get(str(site / "data/x.yaml")) == DATA
    finally:
        watcher.stop()

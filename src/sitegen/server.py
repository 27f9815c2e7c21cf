"""`sitegen serve`: build, serve, watch, rebuild on save, and reload the browser.

One build thread does all building: the watcher only notes changes, and the
thread rebuilds after `QUIET_SECONDS` without new ones. Requests wait while
a rebuild runs, so nobody is served a half-built site. A failed build keeps
the last good site online and sends the error to the browser, which shows
it over the page until a build succeeds again. The reload script is added to
HTML responses here; files on disk stay as a normal build writes them.
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import shutil
import socket
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .build import Builder, BuildResult
from .errors import Diagnostic, SiteError, counted, error

QUIET_SECONDS = 0.05
EVENTS, SCRIPT = "__sitegen/events", "__sitegen/live.js"
_LIVE_JS = (Path(__file__).parent / "live.js").read_text(encoding="utf-8")


@dataclass
class ServedState:
    """What the request threads read; guarded by `changed` (a Condition)."""

    root: Path
    base_path: str
    host: str = "127.0.0.1"  # what the server was started for (--host): a name requests may use
    epoch: int = 0
    building: bool = False
    errors: list[dict] = field(default_factory=list)
    last_event: tuple[str, str] = ("reload", "{}")
    changed: threading.Condition = field(default_factory=threading.Condition)

    def build_started(self) -> None:
        with self.changed:
            self.building = True

    def build_ended(self, base_path: str | None = None, event: tuple[str, dict | list] | None = None) -> None:
        """Wake the requests held while the build ran, whether or not it changed anything; with `event`, the
        epoch is raised first, in the same step, so that a page read at once carries the new one (with the
        old, its browser would be told to reload it again)."""
        with self.changed:
            self.building = False
            if base_path is not None:
                self.base_path = base_path
            if event is not None:
                self.epoch += 1
                self.last_event = (event[0], json.dumps(event[1]))
            self.changed.notify_all()


def resolve_request(root: Path, base_path: str, raw_path: str) -> tuple[Path | None, str | None]:
    """The file for a request path, or (None, redirect) for a folder without its slash, or (None, None).

    Nothing outside `root` can be reached: '..' (also percent-encoded), absolute
    paths, NUL bytes and symbolic links that lead out are all refused.
    """
    path, base_path = unquote(urlsplit(raw_path).path), unquote(base_path)
    if "\0" in path or "\\" in path or not path.startswith(base_path):
        return None, (base_path if path.rstrip("/") == base_path.rstrip("/") else None)
    parts = [part for part in path[len(base_path):].split("/") if part not in ("", ".")]
    if any(part == ".." or part.startswith("~") for part in parts):
        return None, None
    candidate = root.joinpath(*parts)
    real_root = root.resolve()
    try:
        real = candidate.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        return None, None
    if real != real_root and real_root not in real.parents:
        return None, None
    if real.is_dir():
        if not path.endswith("/"):
            query = urlsplit(raw_path).query
            return None, urlsplit(raw_path).path + "/" + (f"?{query}" if query else "")
        index = real / "index.html"
        return (index, None) if index.is_file() else (None, None)
    return (real, None) if real.is_file() else (None, None)


def inject_script(html: bytes, base_path: str, epoch: int) -> bytes:
    """The live-reload script, just before </body> (or at the end of a page without one)."""
    tag = (f'<script src="{base_path}{SCRIPT}" data-events="{base_path}{EVENTS}" data-epoch="{epoch}" '
           f'defer></script>').encode()
    at = html.lower().rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


class PreviewHandler(BaseHTTPRequestHandler):
    server_version = "sitegen-serve"
    state: ServedState  # set on the subclass made for each server

    def log_message(self, format: str, *args) -> None:  # one line per rebuild is enough
        pass

    def do_HEAD(self) -> None:
        if self._host_allowed():
            self._respond(head=True)

    def _host_allowed(self) -> bool:
        """Whether the request names this server as its host; else it is refused (403). A page on another
        site can point its own host name at 127.0.0.1 (DNS rebinding) and read the preview, drafts and
        all, through the browser: so only loopback names, IP addresses and the name the server was
        started with are answered."""
        host = self.headers.get("Host")
        if host is None or host_allowed(host, self.state.host):
            return True
        self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8",
                   f"sitegen serve answers requests for {self.state.host or '127.0.0.1'}, localhost or an IP "
                   f"address, not for '{host}'.\n".encode())
        return False

    def do_GET(self) -> None:
        if not self._host_allowed():
            return
        path = urlsplit(self.path).path
        if path == self.state.base_path + EVENTS:
            self._events()
        elif path == self.state.base_path + SCRIPT:
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", _LIVE_JS.encode())
        else:
            self._respond(head=False)

    def _respond(self, head: bool) -> None:
        state = self.state
        with state.changed:  # read while no build writes: never half a file
            state.changed.wait_for(lambda: not state.building, timeout=60)
            file, redirect, body, epoch, found = self._read(state)
        if redirect:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = HTTPStatus.OK if found else HTTPStatus.NOT_FOUND
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if mime == "text/html":
            body = inject_script(body, state.base_path, epoch)
        if mime.startswith("text/") or mime in ("application/javascript", "application/json", "application/xml"):
            mime += "; charset=utf-8"
        self._send(status, mime, body, head)

    def _read(self, state: ServedState) -> tuple[Path, str | None, bytes, int, bool]:
        """(file, redirect, its bytes, the build epoch, found): the site's 404.html for what is not there."""
        file, redirect = resolve_request(state.root, state.base_path, self.path)
        if redirect:
            return state.root, redirect, b"", state.epoch, True
        found = file is not None
        file = file or state.root / "404.html"
        body = file.read_bytes() if file.is_file() else b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>"
        return file, None, body, state.epoch, found

    def _send(self, status: int, mime: str, body: bytes, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if head:
            self.end_headers()
            return
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the browser went on (a reload, a link) before the end
            pass

    def _events(self) -> None:
        """Server-sent events: 'reload', 'css', 'moved' and 'builderror' after each build."""
        state = self.state
        asked = dict(p.split("=", 1) for p in urlsplit(self.path).query.split("&") if "=" in p).get("epoch", "")
        seen = int(asked) if asked.isdigit() else -1
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            if state.errors or 0 <= seen < state.epoch:  # a build finished (or failed) since the page loaded
                self._event(*state.last_event)
                seen = state.epoch
            while True:
                with state.changed:
                    state.changed.wait_for(lambda: state.epoch > seen, timeout=15)
                    fresh, event = state.epoch > seen, state.last_event
                    seen = state.epoch
                self._event(*event) if fresh else self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            return

    def _event(self, name: str, data: str) -> None:
        self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode())
        self.wfile.flush()


class Preview:
    """The build thread, the watcher and the HTTP server of one `sitegen serve`."""

    def __init__(self, builder: Builder, state: ServedState, log=print):
        self.builder, self.state, self.log = builder, state, log
        self.stopping = threading.Event()
        self.urls: dict[str, str] = {}  # source → URL of the last good build, to follow renames

    def build_once(self, changes: dict[str, str]) -> BuildResult | None:
        """Rebuild, publish the outcome to browsers, print one line."""
        state = self.state
        state.build_started()
        started = time.perf_counter()
        try:
            result = self.builder.build(waiting=lambda holder: self.log(f"waiting for {holder} to finish…"))
        except SiteError as exc:
            state.errors = [_as_dict(d) for d in exc.diagnostics if d.is_error]
            state.build_ended(event=("builderror", state.errors))
            self.log(f"build failed ({_what(changes)}):")
            for diagnostic in exc.diagnostics:
                self.log("  " + diagnostic.format().replace("\n", "\n  "))
            return None
        except BaseException:  # (run_builds says what it was; requests must not wait for a build that is over)
            state.build_ended()
            raise
        recovering = bool(state.errors)
        state.errors = []
        for warning in result.warnings:
            self.log("  " + warning.format().replace("\n", "\n  "))
        moved = self._moved(result)
        if moved:
            event: tuple[str, dict | list] = ("moved", moved)
        elif result.changed and all(path.endswith(".css") for path in result.changed):
            event = ("css", {"changed": list(result.changed)})
        else:
            event = ("reload", {"changed": len(result.changed)})
        # (a build that patched or did nothing changed no setting; one that changed no output reloads nothing)
        state.build_ended(result.site.config.base_path if result.site is not None else None,
                          event if result.changed or recovering else None)
        milliseconds = round((time.perf_counter() - started) * 1000)
        pages = sum(1 for path in result.changed if path.endswith(".html"))
        self.log(f"rebuilt in {milliseconds} ms ({_what(changes)}): {counted(pages, 'page')}, "
                 f"{counted(len(result.changed), 'file')} changed")
        return result

    def _moved(self, result: BuildResult) -> dict[str, str]:
        """Old URL → new URL for articles renamed by this build (matched by title when a file was renamed);
        only a full build can rename one."""
        site = result.site
        if site is None:
            return {}
        urls = {a.source: (a.title, site.config.base_path + a.url_path) for a in (*site.articles, *site.pages)}
        gone = {source: old for source, old in self.urls.items() if source not in urls or urls[source][1] != old[1]}
        moved = {}
        for source, (title, old_url) in gone.items():
            match = urls.get(source) or next((new for s, new in urls.items() if new[0] == title and s not in self.urls), None)
            if match and match[1] != old_url:
                moved[old_url] = match[1]
        self.urls = urls
        return moved

    def run_builds(self, watcher) -> None:
        """The build thread: wait for changes, let a burst settle, rebuild."""
        while not self.stopping.is_set():
            if not watcher.wake.wait(timeout=0.2):
                continue
            while time.monotonic() - watcher.last < QUIET_SECONDS:  # debounce: a burst of events, one build
                time.sleep(QUIET_SECONDS / 2)
            changes = watcher.take()
            if changes:
                try:
                    self.build_once(changes)
                except Exception as exc:  # an unexpected crash must not kill the server: say it, keep serving
                    self.state.errors = [{"path": "sitegen", "line": 0, "message": f"{type(exc).__name__}: {exc}",
                                          "hint": "this is a bug in sitegen; please report it"}]
                    self.state.build_ended(event=("builderror", self.state.errors))
                    self.log(f"build crashed: {type(exc).__name__}: {exc}")


def _as_dict(diagnostic: Diagnostic) -> dict:
    return {"path": diagnostic.path, "line": diagnostic.line, "message": diagnostic.message, "hint": diagnostic.hint}


def _what(changes: dict[str, str]) -> str:
    names = sorted(Path(path).name for path in changes)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{shown} changed" if names else "start"


def host_allowed(header: str, started_for: str) -> bool:
    """Whether a Host header names a loopback name, an IP address or the host the server was started for
    (and this machine's name, when it listens on every address)."""
    name = header.strip().lower()
    if name.startswith("["):  # [::1]:8000
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    name = name.rstrip(".")
    try:
        ipaddress.ip_address(name)
        return True  # an address cannot be rebound: the browser connects where it says
    except ValueError:
        pass
    started_for = started_for.lower().rstrip(".")
    names = {started_for}
    if started_for in ("0.0.0.0", "::", ""):  # listening on every address: a phone on the network may use
        machine = socket.gethostname().lower()  # this machine's name
        names |= {machine, f"{machine}.local"}
    return name == "localhost" or name.endswith(".localhost") or name in names


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # (5 by default: a page with many images, and a few tabs, waited seconds)
    closing = False

    def server_close(self) -> None:
        self.closing = True
        super().server_close()

    def handle_error(self, request, client_address) -> None:
        """A connection the browser cut, or one still open as the server stops (its thread, a daemon, reads
        from a socket the exiting process closes under it), is no error: socketserver would print a traceback."""
        if self.closing or isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(state: ServedState, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (PreviewHandler,), {"state": state})
    return PreviewServer((host, port), handler)


def serve(site_dir: Path, host: str, port: int, output: Path | None, options, open_browser: bool,
          log=print) -> int:
    """Run the preview until Ctrl-C (0); SiteError when the site or the port cannot be used."""
    import errno
    import webbrowser

    from .config import load_config, with_base_url
    from .watch import ChangeWatcher
    from .write import check_output_dir

    config = with_base_url(load_config(site_dir), options.base_url)
    output = (output or config.site_dir / ".sitegen-cache" / "serve").resolve()
    refused = check_output_dir(config, output)
    published = config.site_path(config.output_dir)
    if output == published or published in output.parents:
        refused.append(error(str(output), 0, f"refusing to preview into the site's output_dir ({config.output_dir}/)",
                             "the preview holds drafts and unfinished edits, which must not reach the published "
                             "site; leave out -o, or give another folder"))
    if refused:
        raise SiteError(refused)
    if output.exists():  # a new session starts empty, so nothing of an earlier one (drafts…) is served
        shutil.rmtree(output)
    state = ServedState(root=output, base_path=config.base_path, host=host)
    # plain CSS and JS names: a CSS edit then changes one file, and browsers swap the stylesheet in place
    preview = Preview(Builder(site_dir, output, replace(options, fingerprint=False), resident=True), state, log)
    try:
        server = make_server(state, host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:  # told as every other error is
            raise SiteError([error(f"--port {port}", 0, f"port {port} on {host} is already in use",
                                   f"stop the other server, or pass another port (--port {port + 1}), or "
                                   "--port 0 for any free one")]) from None
        raise
    preview.build_once({})
    watcher = ChangeWatcher(config, ignored=[output, config.site_path(config.output_dir)])
    watcher.start()
    builds = threading.Thread(target=preview.run_builds, args=(watcher,), name="sitegen-builds", daemon=True)
    builds.start()
    url = f"http://{host if ':' not in host else f'[{host}]'}:{server.server_address[1]}{config.base_path}"
    log(f"Serving {output} at {url} (Ctrl-C to stop)")
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        log("stopping")
    finally:
        preview.stopping.set()
        watcher.stop()
        server.server_close()
        builds.join(timeout=5)
    return 0

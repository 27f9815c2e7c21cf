"""The `sitegen` command: init, new, list, eject, build, check, help, serve.

Exit codes: 0 done, 1 the site has errors, 2 bad command line. Heavy
modules are imported only by the command that needs them, so `--version`
and `--help` stay instant.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import Counter
from pathlib import Path

from . import __version__
from .errors import counted

EXIT_OK, EXIT_SITE_ERRORS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SAME_PROBLEM_LIMIT = 5  # a migrated blog can repeat one warning in thousands of files


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command line's parser, and each command's own (which reports that command's mistakes)."""
    parser = argparse.ArgumentParser(prog="sitegen", description="A static site generator for news sites.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="create a new site in a new folder")
    init.add_argument("folder", type=Path)
    init.add_argument("--force", action="store_true",
                      help="into a folder that holds files: add what a site needs, overwriting nothing")

    new = commands.add_parser("new", help="create a new article (or, with 'page', a page) from the site's archetype",
                              usage="sitegen new [page] TITLE [options]")
    new.add_argument("title", nargs="+", help="the headline; 'page TITLE' makes a page in content/pages/")
    new.add_argument("--section", default="", help="section (and folder) of the article, e.g. world")
    new.add_argument("--tags", default="", help="comma-separated tags")
    new.add_argument("--slug", default="", help="the file name and URL slug (default: from the title)")
    new.add_argument("--author", default="", help="the author (default: author in site.yaml)")
    new.add_argument("--image", default="", help="the lead image: a path under assets/ or content/, or a URL")
    new.add_argument("--subtitle", default="", help="the standfirst under the headline")
    new.add_argument("-s", "--site", type=Path, default=Path("."), help="site folder (default: .)")

    listing = commands.add_parser("list", help="list the articles a build leaves out: drafts, future or expired")
    listing.add_argument("kind", choices=("drafts", "future", "expired"))
    listing.add_argument("-s", "--site", type=Path, default=Path("."), help="site folder (default: .)")

    eject = commands.add_parser("eject", help="copy a theme file into the site's layouts/ or assets/ to edit it")
    eject.add_argument("name", nargs="?", help="the file: article.html, partials/card.html, css/site.css…")
    eject.add_argument("--list", action="store_true", help="list the theme's files")
    eject.add_argument("-s", "--site", type=Path, default=Path("."), help="site folder (default: .)")

    build = commands.add_parser("build", help="build the site into its output folder")
    build.add_argument("-s", "--site", type=Path, default=Path("."), help="site folder (default: .)")
    build.add_argument("-o", "--output", type=Path, help="output folder (default: output_dir of site.yaml)")
    build.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    build.add_argument("--future", action="store_true", help="include articles dated in the future")
    build.add_argument("--expired", action="store_true", help="include articles past their 'expires' moment")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check = commands.add_parser("check", help="everything a build checks, and broken links and anchors, images "
                                "without alt text, repeated titles; exit 1 if anything is wrong (writes nothing)")
    check.add_argument("-s", "--site", type=Path, default=Path("."), help="site folder (default: .)")
    check.add_argument("--drafts", action="store_true", help="check articles marked draft: true too")
    check.add_argument("--future", action="store_true", help="check articles dated in the future too")
    check.add_argument("-v", "--verbose", action="store_true", help="print every repeated message")

    helping = commands.add_parser("help", help="the documentation: sitegen help TOPIC (without one, the topics)")
    helping.add_argument("topic", nargs="?")

    serve = commands.add_parser("serve", help="build, serve, and rebuild and reload the browser on every save")
    for command in (build, serve):
        command.add_argument("-j", "--jobs", type=_job_count, default=0, metavar="N",
                             help="worker processes (default: one per core)")
        command.add_argument("--no-cache", dest="cache", action="store_false",
                             help="neither read nor write the build cache (.sitegen-cache/)")
        command.add_argument("--base-url", metavar="URL",
                             help="the site's address, in place of site.yaml's base_url (previews, staging hosts)")
    serve.add_argument("-s", "--site", type=Path, default=Path("."), help="site folder (default: .)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument("-o", "--output", type=Path,
                       help="folder to build into and serve (default: .sitegen-cache/serve in the site; never public/)")
    serve.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    serve.add_argument("--future", action="store_true", help="include articles dated in the future")
    serve.add_argument("--expired", action="store_true", help="include articles past their 'expires' moment")
    serve.add_argument("--open", action="store_true", help="open the site in the browser")
    serve.add_argument("-v", "--verbose", action="store_true", help="say why a rebuild did more than its change needs")

    loudness = build.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    loudness.add_argument("-v", "--verbose", action="store_true", help="print more about the build")
    return parser, {"init": init, "new": new, "list": listing, "eject": eject, "build": build, "check": check,
                    "help": helping, "serve": serve}


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, not {text!r}")
    return int(text)


def _job_count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 0 or more, not {text!r}")
    return int(text)


# A build holds millions of long-lived objects (the site model, its views); with Python's default
# thresholds the garbage collector walks them over and over (10,000 articles: 1.5 s of an 8.5 s
# build, a fifth of each preview rebuild). The build makes little cyclic garbage, so collect rarely.
GC_THRESHOLDS = (100_000, 50, 100)


def run() -> None:
    """The `sitegen` command (and `python3 -m sitegen`): `main` on the process's arguments, then its exit
    code. A build ends the process without tearing down the interpreter: freeing every module (numpy's,
    scipy's, Pygments' lexers) took 0.1–0.3 s, a fifth of a warm build. What the teardown would do for a
    build is done first: the objects still held in cycles are collected (their finalizers run: a cache's
    scratch folder is removed), logging and the standard streams are flushed."""
    args, commands = _arguments(None)
    code = _execute(args, commands)
    if args.command != "build":
        sys.exit(code)
    import logging
    import os

    gc.collect()
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # (a closed pipe: what Python's own exit would note, and end with 120)
        code = code or 120
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """The command line `argv` (the process's arguments when None) carried out; its exit code."""
    return _execute(*_arguments(argv))


def _arguments(argv: list[str] | None) -> tuple[argparse.Namespace, dict[str, argparse.ArgumentParser]]:
    """The parsed command line, and each command's parser (to report a mistake in its usage)."""
    parser, commands = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # told with the usage of the command they were given to, not the top-level one
        commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args, commands


def _execute(args: argparse.Namespace, commands: dict[str, argparse.ArgumentParser]) -> int:
    from .errors import SiteError

    if args.command in ("build", "serve"):
        gc.set_threshold(*GC_THRESHOLDS)

    stop_notes = _print_notes() if getattr(args, "verbose", False) else None
    try:
        if args.command == "init":
            return _init(args)
        if args.command == "new":
            return _new(args)
        if args.command == "list":
            return _list(args)
        if args.command == "eject":
            return _eject(args, commands["eject"])
        if args.command == "serve":
            return _serve(args)
        if args.command == "check":
            return _check(args)
        if args.command == "help":
            from .help import help_text

            print(help_text(args.topic), end="")
            return EXIT_OK
        return _build(args)
    except SiteError as exc:
        _report(exc.diagnostics, failed=f"{args.command.capitalize()} failed",
                limit=None if getattr(args, "verbose", False) else SAME_PROBLEM_LIMIT, quiet=getattr(args, "quiet", False))
        return EXIT_SITE_ERRORS
    except KeyboardInterrupt as exc:
        left = (str(exc) or "the output folder was left as it was") if args.command == "build" else "stopped"
        print(f"\ninterrupted: {left}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_SITE_ERRORS
    finally:
        if stop_notes:
            stop_notes()


def _print_notes():
    """Under -v, why a build does more work than its plan requires (a fast path given up, a record missing,
    a damaged cache) is printed as `note: ...` (sitegen's modules log it); returns what stops that."""
    import logging

    class Notes(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            print(f"note: {record.getMessage()}", file=sys.stderr)  # the standard error of now (tests swap it)

    logger, handler, level = logging.getLogger("sitegen"), Notes(), logging.getLogger("sitegen").level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)

    def stop() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return stop


def _init(args: argparse.Namespace) -> int:
    from .scaffold import init_site

    written = init_site(args.folder, args.force)
    if args.force:
        print(f"Added {len(written)} file{'s' * (len(written) != 1)} to {args.folder}/"
              + "".join(f"\n  {path.relative_to(args.folder)}" for path in written))
    else:
        print(f"Created a new site in {args.folder}/. Next:\n  cd {args.folder}\n  sitegen build")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from .errors import SiteError, error
    from .scaffold import new_article

    tags = [tag.strip() for tag in args.tags.split(",") if tag.strip()]
    page = len(args.title) == 2 and args.title[0] == "page"
    if len(args.title) > 1 and not page:
        raise SiteError([error("sitegen new", 0, f"one title, not {len(args.title)} words",
                               f"quote it: sitegen new \"{' '.join(args.title)}\"")])
    path = new_article(args.site, args.title[-1], args.section, tags, args.slug, author=args.author, image=args.image,
                       subtitle=args.subtitle, page=page)
    print(f"Created {path} (a draft: set 'draft: false' to publish it)")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    """One line per article a build leaves out for being a draft, in the future or expired: the moment that
    counts (its date, or when it expired), its file and its title, earliest first."""
    from datetime import datetime, timezone

    from .config import load_config
    from .content import load_content

    now = datetime.now(timezone.utc)
    config = load_config(args.site)
    articles = load_content(config).articles
    chosen = {
        "drafts": [(a.date, a) for a in articles if a.draft],
        "future": [(a.date, a) for a in articles if not a.draft and not a.is_page and a.date and a.date > now],
        "expired": [(a.expires, a) for a in articles if a.expires and a.expires <= now],
    }[args.kind]
    for moment, article in sorted(chosen, key=lambda pair: (pair[0] is not None, pair[0] or now, pair[1].source)):
        when = moment.strftime("%Y-%m-%d %H:%M") if moment else "(no date)       "
        print(f"{when}  {article.source}  {article.title}")
    if not chosen:
        print(f"no {dict(drafts='drafts', future='future articles', expired='expired articles')[args.kind]}",
              file=sys.stderr)
    return EXIT_OK


def _eject(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .config import load_config
    from .scaffold import eject, theme_files

    if args.list:
        for relative, overridden in theme_files(load_config(args.site)):
            print(relative + ("  (the site's own is used)" if overridden else ""))
        return EXIT_OK
    if not args.name:
        parser.error("name the file to copy (sitegen eject article.html), or ask for --list")
    path = eject(args.site, args.name)
    print(f"Copied the theme's {args.name} to {path}: edit it there; the site's file is used instead of the theme's")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .config import BuildOptions
    from .server import serve

    options = BuildOptions(drafts=args.drafts, future=args.future, expired=args.expired, jobs=args.jobs,
                           cache=args.cache, base_url=args.base_url)
    return serve(args.site, args.host, args.port, args.output, options, args.open,
                 log=lambda line: print(line, flush=True))


def _build(args: argparse.Namespace) -> int:
    from .build import build
    from .config import BuildOptions

    options = BuildOptions(drafts=args.drafts, future=args.future, expired=args.expired, strict=args.strict,
                           jobs=args.jobs, cache=args.cache, base_url=args.base_url)
    progress = _Progress() if sys.stderr.isatty() and not args.quiet else None
    result = build(args.site, args.output, options, progress,
                   lambda holder: print(f"waiting for {holder} to finish…", file=sys.stderr))
    if progress:
        progress.clear()
    if not args.quiet:
        _report(result.warnings, limit=None if args.verbose else SAME_PROBLEM_LIMIT)
        warnings = len(result.warnings)
        left_out = _skipped(result.skipped_drafts, result.skipped_future, result.skipped_expired)
        print(f"Built {counted(result.articles, 'article')}{left_out}: {counted(result.pages, 'page')} "
              f"({result.rendered} rendered), {counted(result.files_written, 'file')} written to "
              f"{result.output}, {counted(warnings, 'warning')}, in {result.milliseconds} ms")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    """The problems `sitegen check` finds, and a summary line; exit 1 when there is any."""
    from .check import check_site
    from .config import BuildOptions

    problems = check_site(args.site, BuildOptions(drafts=args.drafts, future=args.future))
    if problems:
        _report(problems, failed="Check failed", limit=None if args.verbose else SAME_PROBLEM_LIMIT)
        return EXIT_SITE_ERRORS
    print("Check passed: no problems found")
    return EXIT_OK


def _skipped(drafts: int, future: int, expired: int) -> str:
    """' (left out: 1 draft, 2 future articles, 1 expired)', or '' when none was (--drafts, --future and
    --expired build them)."""
    left = [counted(drafts, "draft") * bool(drafts), counted(future, "future article") * bool(future),
            f"{expired} expired" * bool(expired)]
    return f" (left out: {', '.join(filter(None, left))})" if any(left) else ""


def _report(diagnostics, failed: str = "", limit: int | None = SAME_PROBLEM_LIMIT, quiet: bool = False) -> None:
    """Print diagnostics (only the errors when `quiet`), the same problem at most `limit` times; after a
    failure, a count line."""
    seen: Counter = Counter()
    for diagnostic in diagnostics:
        if quiet and not diagnostic.is_error:
            continue
        same = (diagnostic.severity, diagnostic.message, diagnostic.hint)
        seen[same] += 1
        if limit is None or seen[same] <= limit:
            print(diagnostic.format(), file=sys.stderr)
    for (severity, message, _), count in seen.items():
        if limit is not None and count > limit:
            print(f"... and {count - limit} more {severity}s like \"{message}\" (-v shows all)", file=sys.stderr)
    if failed:
        errors = sum(d.is_error for d in diagnostics)
        warnings = len(diagnostics) - errors
        print(f"{failed}: {counted(errors, 'error')}, {counted(warnings, 'warning')}", file=sys.stderr)


class _Progress:
    """'reading 1200/10000', then 'rendering …', on a terminal once a build takes a while."""

    def __init__(self, delay: float = 0.5):
        self.shown_after = time.monotonic() + delay
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now >= self.shown_after and (now - self.last > 0.1 or done == total):
            self.last = now
            print(f"\r\033[K{phase} {done}/{total}", end="", file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.last:
            print("\r\033[K", end="", file=sys.stderr, flush=True)

"""`sitegen help [TOPIC]`: the documentation, wherever sitegen was installed from.

The pages are the repository's docs/*.md. A wheel carries them inside the package (setup.py copies
them into sitegen/docs/ when it is built); a clone installed in place reads the folder itself. So a
hint that says "sitegen help configuration" points at something every user has.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SiteError, did_you_mean, error

_PACKAGED = Path(__file__).parent / "docs"  # in a built wheel
_CLONE = Path(__file__).resolve().parents[2] / "docs"  # a clone installed with pip install -e


def docs_folder() -> Path | None:
    return next((folder for folder in (_PACKAGED, _CLONE) if folder.is_dir() and any(folder.glob("*.md"))), None)


def topics() -> dict[str, Path]:
    """Each page of the documentation by its name: 'configuration' → …/configuration.md."""
    folder = docs_folder()
    return {path.stem: path for path in sorted(folder.glob("*.md"))} if folder else {}


def first_heading(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def help_text(topic: str | None) -> str:
    """The page on `topic`, or the list of topics; SiteError for a topic there is no page on."""
    found = topics()
    if not found:
        raise SiteError([error("sitegen help", 0, "this installation of sitegen has no documentation pages",
                               "read them in the repository's docs/ folder")])
    if topic is None:
        width = max(map(len, found))
        return "Topics (sitegen help TOPIC):\n" + "".join(
            f"  {name.ljust(width)}  {first_heading(path)}\n" for name, path in found.items())
    wanted = topic.strip().lower().removesuffix(".md").replace("_", "-")
    if wanted not in found:
        raise SiteError([error("sitegen help", 0, f"no help on {topic!r}",
                               did_you_mean(wanted, found) or f"topics: {', '.join(found)}")])
    return found[wanted].read_text(encoding="utf-8")

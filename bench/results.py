"""bench/RESULTS.md: each benchmark owns one section between its markers and rewrites only that."""

from __future__ import annotations

import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def cpu() -> str:
    return f"{os.cpu_count()} cores"


def write_section(name: str, body: str) -> None:
    """Replace (or append) the text between <!-- name:start --> and <!-- name:end -->."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")

"""Diagnostics a user can act on: `path:line: error: message`, plus a hint.

Every stage reports problems as `Diagnostic` values instead of raising on the
first one, so a build can show all of its errors at once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    severity: str
    message: str
    hint: str = ""

    def format(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{location}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def error(path: str, line: int, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, ERROR, message, hint)


def warning(path: str, line: int, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, WARNING, message, hint)


class SiteError(Exception):
    """The site cannot be built; carries every diagnostic found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(sorted(diagnostics))
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def counted(number: int, noun: str) -> str:
    """'1 article', '2 articles' (for summary lines: the nouns sitegen counts take an 's')."""
    return f"{number} {noun}{'s' * (number != 1)}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint for a misspelt name, or '' when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else ""


def raise_if_errors(diagnostics: Iterable[Diagnostic]) -> None:
    """Raise SiteError with all diagnostics (warnings too) if any of them is an error."""
    diagnostics = list(diagnostics)
    if any(d.is_error for d in diagnostics):
        raise SiteError(diagnostics)

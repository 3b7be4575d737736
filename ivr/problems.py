"""Problems found in the operator's files: what is wrong, where, and how to fix it.

Every check in the package reports through `Problem`, so `ivr check`, start-up and the
tests all see the same structured record (file, line, message, fix, severity, code).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding: `file:line: message - fix`."""

    code: str
    file: str
    line: int
    message: str
    fix: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        tag = "" if self.severity is Severity.ERROR else "warning: "
        return f"{where}: {tag}{self.message} - {self.fix}"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "severity": self.severity.value,
        }


@dataclass
class Report:
    """Collects problems across files so one run reports all of them."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, code: str, file: str, line: int, message: str, fix: str) -> None:
        self.problems.append(Problem(code, file, line, message, fix))

    def warn(self, code: str, file: str, line: int, message: str, fix: str) -> None:
        self.problems.append(Problem(code, file, line, message, fix, Severity.WARNING))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.file, p.line, p.code, p.message))


class ConfigError(Exception):
    """The operator's files have errors; the line must not start with them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' - did you mean X?' style hint, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""

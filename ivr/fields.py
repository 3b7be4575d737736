"""Typed reading of YAML mappings with operator-friendly problems.

`Fields` wraps one `YMap` and reads fields from it, reporting each problem with the file,
the line, a breadcrumb (`menus › police › options › "3"`) and a fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .problems import Report, did_you_mean
from .yamlsrc import YMap, YNode, YScalar, YSeq, describe

ID = re.compile(r"^[a-z][a-z0-9_]*$")
TRUE = {"on", "yes", "true"}
FALSE = {"off", "no", "false"}


class Fields:
    """Read fields of one mapping; every `get_*` reports and returns None on a bad value."""

    def __init__(self, node: YMap, file: str, report: Report, where: str):
        self.node = node
        self.file = file
        self.report = report
        self.where = where

    def line(self, key: str | None = None) -> int:
        if key is not None and key in self.node.keys:
            return self.node.keys[key]
        return self.node.line

    def err(self, code: str, key: str | None, message: str, fix: str, line: int | None = None) -> None:
        crumb = f"{self.where} › {key}" if key else self.where
        self.report.error(code, self.file, line or self.line(key), f"{crumb}: {message}", fix)

    def warn(self, code: str, key: str | None, message: str, fix: str) -> None:
        crumb = f"{self.where} › {key}" if key else self.where
        self.report.warn(code, self.file, self.line(key), f"{crumb}: {message}", fix)

    def only(self, allowed: Iterable[str]) -> None:
        """Unknown fields are typos far more often than not: report them with a suggestion."""
        allowed = list(allowed)
        for key in self.node.items:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                fix = f"{hint} (known fields: {', '.join(allowed)})" if hint else (
                    f"remove it; the known fields here are: {', '.join(allowed)}"
                )
                self.err("unknown-field", key, f"unknown field '{key}'", fix)

    def need(self, key: str, what: str) -> YNode | None:
        node = self.node.get(key)
        if node is None:
            self.err("missing-field", None, f"the field '{key}' is missing", f"add '{key}:' with {what}")
        return node

    def sub(self, key: str, required: bool = True, what: str = "its settings") -> Fields | None:
        node = self.need(key, what) if required else self.node.get(key)
        if node is None:
            return None
        if not isinstance(node, YMap):
            self.err("wrong-type", key, f"expected a mapping ('name: value' lines), got {describe(node)}",
                     f"indent the {what} under '{key}:'")
            return None
        return Fields(node, self.file, self.report, f"{self.where} › {key}" if self.where else key)

    def scalar(self, key: str, required: bool = True, what: str = "a value") -> YScalar | None:
        node = self.need(key, what) if required else self.node.get(key)
        if node is None:
            return None
        if not isinstance(node, YScalar):
            self.err("wrong-type", key, f"expected {what}, got {describe(node)}", f"write '{key}: <{what}>'")
            return None
        return node

    def text(self, key: str, required: bool = True, what: str = "some text") -> str | None:
        node = self.scalar(key, required, what)
        if node is None:
            return None
        if not node.value.strip():
            self.err("empty", key, "the value is empty", f"write {what} after '{key}:'")
            return None
        return node.value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        node = self.scalar(key, required=False, what="a whole number")
        if node is None:
            return default
        try:
            value = int(node.value)
        except ValueError:
            self.err("not-a-number", key, f"'{node.value}' is not a whole number",
                     f"write a number from {low} to {high}")
            return default
        if not low <= value <= high:
            self.err("out-of-range", key, f"{value} is out of range", f"use a number from {low} to {high}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        node = self.scalar(key, required=False, what="on or off")
        if node is None:
            return default
        return parse_flag(node, self, key, default)

    def ident(self, key: str, required: bool = True, what: str = "a name") -> str | None:
        value = self.text(key, required, what)
        if value is not None and not ID.match(value):
            self.err("bad-id", key, f"'{value}' is not a valid name",
                     "use lower-case letters, digits and _ (starting with a letter)")
            return None
        return value

    def seq(self, key: str, required: bool = True, what: str = "a list") -> YSeq | None:
        node = self.need(key, what) if required else self.node.get(key)
        if node is None:
            return None
        if not isinstance(node, YSeq):
            self.err("wrong-type", key, f"expected a list, got {describe(node)}",
                     f"write a list: '{key}: [a, b]' or one '- item' per line")
            return None
        return node


def parse_flag(node: YScalar, fields: Fields, key: str, default: bool) -> bool:
    value = node.value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    fields.err("not-a-flag", key, f"'{node.value}' is not on or off", "write on or off")
    return default

"""Strict YAML reading for operator files, keeping line numbers beside the data.

PyYAML composes the file into nodes; we walk them ourselves so that
- every scalar stays a string (`1`, `0`, `on`, `no` are not turned into numbers or booleans),
- a key written twice is an error, not "last one wins",
- each value remembers its line, so problems can say `file:line`.
Anchors, aliases and tags are refused: operators never need them and they hide mistakes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .problems import Report

# `#: back` is a YAML comment, not a key: a classic way to lose the pound key.
_HASH_KEY = re.compile(r'^\s*#\s*:\s*\S')
# `*: repeat` is read as an alias, which is a syntax error with a cryptic message.
_STAR_KEY = re.compile(r'^\s*(-\s*)?\*\s*:')
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YScalar:
    value: str
    line: int
    quoted: bool


@dataclass(frozen=True)
class YSeq:
    items: tuple[YNode, ...]
    line: int


@dataclass(frozen=True)
class YMap:
    """A mapping; `keys` keeps each key's own line (for 'unknown field' messages)."""

    items: dict[str, YNode]
    keys: dict[str, int]
    line: int

    def get(self, key: str) -> YNode | None:
        return self.items.get(key)


YNode = YScalar | YSeq | YMap


def describe(node: YNode) -> str:
    return {YScalar: "a single value", YSeq: "a list", YMap: "a mapping"}[type(node)]


def read(path: Path, shown: str, report: Report) -> YMap | None:
    """Read `path` strictly; problems go to `report` under the name `shown`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        report.error("file-missing", shown, 0, "the file does not exist", f"create {shown}")
        return None
    except UnicodeDecodeError as exc:
        line = text_line_of_byte(path.read_bytes(), exc.start)
        report.error(
            "file-encoding", shown, line, "the file is not UTF-8 text",
            "save it as UTF-8 (in most editors: Save As, Encoding: UTF-8)",
        )
        return None
    for number, raw in enumerate(text.splitlines(), start=1):
        if _HASH_KEY.match(raw):
            report.error(
                "hash-key-comment", shown, number,
                "this line starts with # so YAML reads it as a comment, not as the key '#'",
                "put the key in quotes: \"#\": ...",
            )
    star_lines = [n for n, raw in enumerate(text.splitlines(), start=1) if _STAR_KEY.match(raw)]
    for number in star_lines:
        report.error(
            "star-key-unquoted", shown, number,
            "the key * must be in quotes (YAML reads a bare * as a reference)",
            "write it as \"*\": ...",
        )
    if star_lines:
        return None
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or "the YAML cannot be read"
        report.error(
            "yaml-syntax", shown, line, f"YAML syntax: {what}",
            "check the indentation (spaces, not tabs) and put text with ':' or '#' in quotes",
        )
        return None
    except yaml.YAMLError as exc:
        report.error("yaml-syntax", shown, 0, f"YAML syntax: {exc}", "fix the YAML syntax")
        return None
    for event in yaml.parse(text, Loader=FAST_LOADER):
        if getattr(event, "anchor", None):
            report.error(
                "yaml-feature", shown, event.start_mark.line + 1,
                "anchors (&name) and aliases (*name) are not allowed",
                "write the value out in full; if you meant the key '*', put it in quotes: \"*\"",
            )
            return None
    if root is None:
        report.error("file-empty", shown, 1, "the file is empty", "start it with 'version: 1'")
        return None
    node = _convert(root, shown, report)
    if not isinstance(node, YMap):
        report.error(
            "file-shape", shown, _line(root), f"the file holds {describe(node)}",
            "the top of the file must be 'key: value' lines, starting with 'version: 1'",
        )
        return None
    return node


def _compose(text: str) -> yaml.Node | None:
    """libyaml when PyYAML has it (about 10x faster on large trees); on any error the pure-Python
    loader reads the text again, so problems are worded the same either way."""
    if FAST_LOADER is not yaml.SafeLoader:
        try:
            return yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def text_line_of_byte(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _convert(node: yaml.Node, shown: str, report: Report) -> YNode:
    if node.tag.startswith("!"):
        report.error(
            "yaml-feature", shown, _line(node), f"custom tags ({node.tag}) are not allowed",
            "remove the tag and write the plain value",
        )
    if isinstance(node, yaml.ScalarNode):
        return YScalar(node.value, _line(node), node.style in ("'", '"'))
    if isinstance(node, yaml.SequenceNode):
        return YSeq(tuple(_convert(n, shown, report) for n in node.value), _line(node))
    assert isinstance(node, yaml.MappingNode)
    items: dict[str, YNode] = {}
    keys: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            report.error(
                "key-shape", shown, _line(key_node), "a key must be a single word or value",
                "write the key as plain text followed by ':'",
            )
            continue
        key = key_node.value
        if key == "<<":
            report.error(
                "yaml-feature", shown, _line(key_node), "merge keys (<<) are not allowed",
                "write the values out in full",
            )
            continue
        if key in items:
            report.error(
                "duplicate-key", shown, _line(key_node),
                f"'{key}' is written twice here (first on line {keys[key]})",
                "keep one of them; YAML would silently use only the last one",
            )
            continue
        items[key] = _convert(value_node, shown, report)
        keys[key] = _line(key_node)
    return YMap(items, keys, _line(node))

"""`ivr graph` and the diagram: every menu and edge of the YAML drawn, in SVG, DOT and mermaid."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import wave
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
import yaml

from ivr import graph as diagram
from ivr.app import build_line
from ivr.audio import synth_name
from ivr.config import Config
from ivr.load import used_prompts
from ivr.model import KEYS
from tests.conftest import BASE_EN, BASE_MENUS, ENV, REPO
from tests.test_cli import run

SVG = "{http://www.w3.org/2000/svg}"


def expected_from_yaml(root: Path) -> tuple[set[str], Counter[tuple[str, str, str]]]:
    """Nodes and edges read straight from menus.yaml with PyYAML (not through our loader)."""
    data = yaml.safe_load((root / "menus.yaml").read_text(encoding="utf-8"))
    menus, targets = data["menus"], data.get("targets", {})

    def node(name: str) -> str:
        return f"menu-{name}" if name in menus else f"target-{name}"

    def action(value: object) -> str | None:
        if isinstance(value, dict):
            name = value.get("goto") or value.get("forward")
            return node(name) if name else None
        return "menu-main" if value == "main" else None

    nodes = {"call", "language", "every"} | {f"menu-{m}" for m in menus} | {f"target-{t}" for t in targets}
    edges: Counter[tuple[str, str, str]] = Counter({("call", "language", ""): 1})
    for page in data["language_menu"]["pages"]:
        for key in page:
            edges[("language", "menu-main", str(key))] += 1
    edges[("language", "menu-main", "")] += 1                      # silence: the default language
    for key, value in data.get("standing_keys", {}).items():
        dest = action(value)
        if dest:
            edges[("every", dest, str(key))] += 1
    settings = data.get("settings", {})
    for rule in ("on_noinput", "on_invalid"):
        edges[("every", node(settings.get(rule, "main")), "")] += 1
    for name, menu in menus.items():
        for key, option in (menu.get("options") or {}).items():
            dest = action({k: v for k, v in option.items() if k != "label"})
            if dest:
                edges[(f"menu-{name}", dest, str(key))] += 1
        for rule in ("on_noinput", "on_invalid"):
            if rule in menu and menu[rule] != settings.get(rule, "main"):
                edges[(f"menu-{name}", node(menu[rule]), "")] += 1
    for name, target in targets.items():
        edges[(f"target-{name}", f"menu-{target.get('after', 'after_call')}", "")] += 1
    return nodes, edges


def bundled_graph(locale: str = "en") -> diagram.Graph:
    line = build_line(Config.from_env(REPO, ENV))
    return diagram.build_graph(line.project, line.resolver, locale)


def test_the_svg_draws_every_menu_and_every_edge_of_the_yaml() -> None:
    nodes, edges = expected_from_yaml(REPO)
    root = ET.fromstring(diagram.render(bundled_graph(), "svg").encode())
    drawn_nodes = {g.get("data-node") for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    drawn_edges: Counter[tuple[str, str, str]] = Counter()
    for g in root.iter(f"{SVG}g"):
        if "edge" in (g.get("class") or "").split():
            path = g.find(f"{SVG}path")
            assert path is not None and path.get("d", "").startswith("M"), g.attrib
            drawn_edges[(g.get("data-from"), g.get("data-to"), g.get("data-key"))] += 1
    assert drawn_nodes == nodes
    assert drawn_edges == edges


def test_no_two_boxes_of_the_diagram_overlap() -> None:
    graph = bundled_graph("es")
    boxes = diagram.layout(graph, 60).boxes
    placed = list(boxes.items())
    for i, (a, p) in enumerate(placed):
        for b, q in placed[i + 1:]:
            apart = p.x + p.w <= q.x or q.x + q.w <= p.x or p.y + p.h <= q.y or q.y + q.h <= p.y
            assert apart, f"{a} and {b} overlap"


def test_every_prompt_the_line_speaks_is_on_the_map_with_its_coverage() -> None:
    line = build_line(Config.from_env(REPO, ENV))
    project = line.project
    graph = diagram.build_graph(project, line.resolver, "es")
    shown = {row.prompt for node in graph.nodes for row in node.rows if row.prompt}
    used = used_prompts(project.menus, project.targets, project.welcome)
    expected = set(used) - ({"language.more"} if len(project.language_menu.pages) == 1 else set())
    assert expected <= shown
    rows = [row for node in graph.nodes for row in node.rows if row.prompt]
    assert all(row.coverage in diagram.COVERAGE for row in rows)
    assert sum(graph.coverage.values()) == len(used)
    main = next(n for n in graph.nodes if n.id == "menu-main")
    assert [r.text for r in main.rows if r.prompt == "main.police"] == [project.text("es", "main.police")]
    assert "machine-translated" in graph.review


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed (Debian package graphviz)")
def split_plain(line: str) -> list[str]:
    """Split a `dot -Tplain` line: only double quotes quote (labels may hold apostrophes)."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escapedquotes = '"'
    return list(lexer)


def test_graphviz_reads_the_dot_output_with_every_node_and_edge() -> None:
    nodes, edges = expected_from_yaml(REPO)
    plain = subprocess.run(["dot", "-Tplain"], input=diagram.render(bundled_graph(), "dot"),
                           capture_output=True, text=True, check=True).stdout
    seen_nodes, seen_edges = set(), Counter()
    for line in plain.splitlines():
        parts = split_plain(line)
        if parts[0] == "node":
            seen_nodes.add(parts[1])
        elif parts[0] == "edge":
            rest = parts[4 + 2 * int(parts[3]):]
            label = rest[0] if len(rest) == 5 else ""
            seen_edges[(parts[1], parts[2], label if label in KEYS else "")] += 1
    assert seen_nodes == nodes
    assert seen_edges == edges


def test_mermaid_output_has_every_node_and_edge() -> None:
    nodes, edges = expected_from_yaml(REPO)
    text = diagram.render(bundled_graph("es"), "mermaid")
    assert text.splitlines()[1] == "flowchart LR"
    declared = set(re.findall(r"^  (\w+)\[\"", text, re.M))
    assert declared == {diagram.mermaid_id(n) for n in nodes}
    found = Counter()
    for src, label, dst in re.findall(r"^  (\w+) -\.?->(?:\|([^|]*)\|)? (\w+)$", text, re.M):
        label = label.replace("#35;", "#")
        found[(src, dst, label if label in KEYS else "")] += 1
    assert found == Counter({(diagram.mermaid_id(a), diagram.mermaid_id(b), k): n for (a, b, k), n in edges.items()})
    assert '"' not in "".join(re.findall(r'\["(.*)"\]', text))


def write_wav(path: Path, seconds: float = 0.3) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * int(8000 * seconds))


def test_coverage_tells_recorded_synthesized_placeholder_say_and_missing(tiny) -> None:  # type: ignore[no-untyped-def]
    en = BASE_EN.replace("say: {language: en-US, voice: Polly.Joanna-Neural}",
                         "say: {language: en-US, voice: Polly.Joanna-Neural}\nsynth: {google: en-US-Neural2-F, "
                         "espeak: en-us}")
    fr = en.replace("name: English", "name: Français").replace("english_name: English", "english_name: French") \
        .replace("say: {language: en-US, voice: Polly.Joanna-Neural}\n", "say: none\n")
    root = tiny(menus=BASE_MENUS.replace("  en: on\n", "  en: on\n  fr: off\n"), en=en, fr=fr)
    texts = yaml.safe_load(en)["prompts"]
    write_wav(root / "audio/en/recorded/safety.0123456789.wav")
    index = {"prompts": {"safety": {"file": "safety.0123456789.wav", "text": texts["safety"]}}}
    (root / "audio/en/recorded/index.json").write_text(json.dumps(index), encoding="utf-8")
    write_wav(root / "audio/en/synth" / synth_name("info.text", texts["info.text"], "google", "en-US-Neural2-F"))
    write_wav(root / "audio/en/synth" / synth_name("after.text", texts["after.text"], "espeak", "en-us"))
    line = build_line(Config.from_env(root, ENV))
    graph = diagram.build_graph(line.project, line.resolver, "en")
    coverage = {row.prompt: row.coverage for node in graph.nodes for row in node.rows if row.prompt}
    assert coverage["safety"] == "recorded"
    assert coverage["info.text"] == "synthesized"
    assert coverage["after.text"] == "placeholder"
    assert coverage["keys.menu"] == "say"
    french = diagram.build_graph(line.project, line.resolver, "fr")
    info = next(n for n in french.nodes if n.id == "menu-info")
    assert {r.coverage for r in info.rows if r.prompt} == {"missing"}
    assert french.coverage["missing"] > 0


def test_ivr_graph_writes_each_format_to_a_file(tmp_path: Path) -> None:
    for fmt, start in (("svg", "<?xml"), ("dot", "//"), ("mermaid", "%%")):
        out = tmp_path / f"line.{fmt}"
        result = run("--root", str(REPO), "graph", "--format", fmt, "--locale", "es", "--out", str(out))
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").startswith(start)
    assert "Para español" in (tmp_path / "line.svg").read_text(encoding="utf-8")


def test_ivr_graph_prints_to_stdout_by_default() -> None:
    result = run("--root", str(REPO), "graph", "--format", "mermaid")
    assert result.exit_code == 0
    assert "flowchart LR" in result.output


def test_ivr_graph_exit_codes(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("--root", str(REPO), "graph", "--locale", "xx")
    assert result.exit_code == 2 and "there is no locale 'xx'" in result.output
    assert run("--root", str(tmp_path / "nowhere"), "graph").exit_code == 2
    broken = tiny(menus=BASE_MENUS.replace("goto: info", "goto: nowhere"))
    result = run("--root", str(broken), "graph")
    assert result.exit_code == 1 and "menus.yaml:" in result.output

"""The phone tree as a diagram: one graph model, drawn as SVG (laid out here), DOT or mermaid.

`build_graph(project, resolver, locale)` turns the loaded model into nodes and edges:
    call        the start of a call: the welcome prompts, then the language menu
    language    the language menu (each key goes to the main menu in that language)
    every       what works on every menu: standing keys, the retry rules, the shared prompts
    menu-<id>   a menu: its prompts in order, one row per option, the edges its keys take
    target-<id> a forwarding target: number, caller id, what it says, where the call goes after
Each prompt row carries its coverage in the chosen locale: recorded, synthesized (a cloud voice),
placeholder (espeak-ng), say (Twilio's <Say>) or missing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from .audio import Play, Resolver
from .load import used_prompts
from .model import Action, Kind, Project

COVERAGE = ("recorded", "synthesized", "placeholder", "say", "missing")
COVERAGE_TAG = {"recorded": "rec", "synthesized": "syn", "placeholder": "plh", "say": "say", "missing": "none"}
COVERAGE_COLOR = {"recorded": "#17703a", "synthesized": "#1d5a9e", "placeholder": "#a44f00",
                  "say": "#555555", "missing": "#b00020"}
COVERAGE_MEANING = {
    "recorded": "a person's recording",
    "synthesized": "synthesized with a cloud voice",
    "placeholder": "espeak-ng placeholder audio",
    "say": "read by Twilio's <Say> voice",
    "missing": "no sound in this language",
}
DIAL_PROMPTS = tuple(f"dial.{s}" for s in ("completed", "busy", "no-answer", "failed", "canceled"))
FORMATS = ("svg", "dot", "mermaid")


@dataclass(frozen=True)
class Row:
    """One line of a node: a prompt (with its coverage) or a plain description."""

    text: str
    key: str = ""
    prompt: str = ""
    locale: str = ""
    coverage: str = ""          # one of COVERAGE for a prompt row, "" for a plain line
    note: str = ""              # where the row's key leads, e.g. "→ police"


@dataclass(frozen=True)
class Node:
    id: str
    kind: str                   # call, language, every, menu, target
    name: str
    rows: tuple[Row, ...]

    @property
    def coverage(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            if row.coverage:
                counts[row.coverage] = counts.get(row.coverage, 0) + 1
        return counts


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    key: str                    # the key pressed, or "" for silence / "after" / "then"
    kind: str                   # key, standing, noinput, invalid, after, then
    row: int = -1               # the source row the edge leaves from (-1: the title)


@dataclass(frozen=True)
class Graph:
    locale: str
    title: str
    review: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    coverage: dict[str, int] = field(default_factory=dict)   # over every prompt the line uses
    main: str = "menu-main"                                   # the main menu's node


def menu_node(menu_id: str) -> str:
    return f"menu-{menu_id}"


def target_node(target_id: str) -> str:
    return f"target-{target_id}"


def coverage_of(resolver: Resolver, locale: str, prompt: str) -> str:
    """How a prompt sounds in a locale, as planned at load time."""
    sound = resolver.planned(locale, prompt)
    if sound is None:
        return "missing"
    if isinstance(sound, Play):
        return {"recorded": "recorded", "google": "synthesized"}.get(sound.source, "placeholder")
    return "say"


def review_line(project: Project, locale: str) -> str:
    """The locale's review status in a few words."""
    loc = project.locales[locale]
    review = loc.review
    if review.status == "human":
        return f"reviewed by a person ({review.by}, {review.date})"
    return f"machine-translated ({review.by}, {review.date}) - not yet reviewed by a fluent speaker"


def _describe(action: Action, project: Project) -> str:
    if action.kind is Kind.GOTO:
        return f"→ {action.target}"
    if action.kind is Kind.FORWARD:
        target = project.targets.get(action.target)
        return f"→ call {action.target}" + (f" ({target.number})" if target else "")
    if action.kind is Kind.MAIN:
        return f"→ {project.main} (main menu)"
    return {"repeat": "hear this again", "back": "go back", "more": "more languages"}.get(
        action.kind.value, action.kind.value)


def _destination(action: Action, project: Project) -> str | None:
    if action.kind is Kind.GOTO:
        return menu_node(action.target)
    if action.kind is Kind.FORWARD:
        return target_node(action.target)
    if action.kind is Kind.MAIN:
        return menu_node(project.main)
    return None


class _Builder:
    def __init__(self, project: Project, resolver: Resolver, locale: str):
        self.project, self.resolver, self.locale = project, resolver, locale
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def prompt(self, prompt: str, locale: str | None = None, key: str = "", note: str = "") -> Row:
        tag = locale or self.locale
        text = self.project.texts.get((tag, prompt))
        if text is None:
            return Row("(no text in this language)", key, prompt, tag, "missing", note)
        return Row(text, key, prompt, tag, coverage_of(self.resolver, tag, prompt), note)

    def add(self, node_id: str, kind: str, name: str, rows: list[Row],
            edges: list[tuple[int, str, str, str]]) -> None:
        """edges: (row index, destination node, key, kind)."""
        self.nodes.append(Node(node_id, kind, name, tuple(rows)))
        self.edges += [Edge(node_id, dest, key, kind, row) for row, dest, key, kind in edges]

    def build(self) -> None:
        p = self.project
        s = p.settings
        # the start of a call
        rows = [self.prompt(prompt, tag) for tag, prompt in p.welcome]
        self.add("call", "call", "a call comes in", rows, [(-1, "language", "", "then")])
        # the language menu
        rows, edges = [], []
        pages = p.language_menu.pages
        for number, page in enumerate(pages, start=1):
            for key, tag in page.items():
                if tag not in p.locales:
                    continue
                off = "" if p.locales[tag].enabled else " (off)"
                rows.append(self.prompt("language.choose", tag, key, f"→ {p.main} in {tag}{off}"))
                edges.append((len(rows) - 1, menu_node(p.main), key, "key"))
            if number < len(pages) and p.language_menu.more_key:
                rows.append(self.prompt("language.more", p.language_menu.default, p.language_menu.more_key,
                                        f"→ page {number + 1}"))
            elif number > 1 and p.language_menu.more_key:
                rows.append(Row(f"{p.language_menu.more_key} (not said here) → page 1"))
        rows.append(Row(f"{s.max_noinput} silences → {p.main} in {p.language_menu.default}"))
        edges.append((len(rows) - 1, menu_node(p.main), "", "noinput"))
        rows.append(self.prompt("language.default", p.language_menu.default))
        self.add("language", "language", "language menu", rows, edges)
        # what every menu shares
        rows, edges = [], []
        for key, action in p.standing.items():
            rows.append(Row(_describe(action, p), key))
            dest = _destination(action, p)
            if dest:
                edges.append((len(rows) - 1, dest, key, "standing"))
        for kind, count, action in (("noinput", s.max_noinput, s.on_noinput),
                                    ("invalid", s.max_invalid, s.on_invalid)):
            what = "silences" if kind == "noinput" else "wrong keys"
            rows.append(Row(f"{count} {what} in a row {_describe(action, p)} (unless a menu says otherwise)"))
            dest = _destination(action, p)
            if dest:
                edges.append((len(rows) - 1, dest, "", kind))
        shared = ["noinput.1", "noinput.2", "invalid.1", "invalid.2"]
        shared += sorted({f"max.{a.target}" for m in p.menus.values() for a in (m.on_noinput, m.on_invalid)})
        shared += [*DIAL_PROMPTS, "trouble"]
        rows += [self.prompt(pid) for pid in shared]
        self.add("every", "every", "on every menu", rows, edges)
        # the menus
        for menu in p.menus.values():
            rows = [self.prompt(pid) for pid in menu.say]
            edges = []
            for option in menu.options.values():
                rows.append(self.prompt(option.label, key=option.key, note=_describe(option.action, p)))
                dest = _destination(option.action, p)
                if dest:
                    edges.append((len(rows) - 1, dest, option.key, "key"))
            if menu.keys_prompt:
                rows.append(self.prompt(menu.keys_prompt))
            standing = " ".join(menu.standing) or "none"
            rows.append(Row(f"standing keys here: {standing} · waits {menu.timeout} s for a key"))
            for kind, count, action, default in (
                    ("noinput", menu.max_noinput, menu.on_noinput, s.on_noinput),
                    ("invalid", menu.max_invalid, menu.on_invalid, s.on_invalid)):
                if action != default:
                    what = "silences" if kind == "noinput" else "wrong keys"
                    rows.append(Row(f"{count} {what} {_describe(action, p)}"))
                    dest = _destination(action, p)
                    if dest:
                        edges.append((len(rows) - 1, dest, "", kind))
            self.add(menu_node(menu.id), "menu", menu.id, rows, edges)
        # the forwarding targets
        for target in p.targets.values():
            caller = "the caller's own number" if target.show_caller else (target.caller_id or "none set")
            rows = [
                Row(f"dials {target.number}, rings up to {target.timeout} s"),
                Row(f"caller id {caller}"),
            ]
            if target.hours is not None:
                rows += [Row("outside office hours, instead of ringing:"), self.prompt(target.closed)]
            if target.hours_prompt:
                rows.append(self.prompt(target.hours_prompt))
            rows.append(self.prompt(target.connecting))
            rows.append(Row(f"when the call ends → {target.after}"))
            self.add(target_node(target.id), "target", target.id, rows,
                     [(len(rows) - 1, menu_node(target.after), "", "after")])


def build_graph(project: Project, resolver: Resolver, locale: str | None = None) -> Graph:
    """The diagram's content for one locale (default: the language menu's default)."""
    tag = locale or project.language_menu.default
    if tag not in project.locales:
        raise KeyError(tag)
    builder = _Builder(project, resolver, tag)
    builder.build()
    used = used_prompts(project.menus, project.targets, project.welcome)
    counts = {c: 0 for c in COVERAGE}
    for pid in used:
        if (tag, pid) in project.texts:
            counts[coverage_of(resolver, tag, pid)] += 1
        else:
            counts["missing"] += 1
    loc = project.locales[tag]
    title = f"The rights line: menus in {loc.name} ({tag})"
    return Graph(tag, title, review_line(project, tag), tuple(builder.nodes), tuple(builder.edges), counts,
                 menu_node(project.main))


# --- layout ------------------------------------------------------------------------------------------

NODE_W = 380
ROW_H = 19
TITLE_H = 26
PAD = 6
COL_GAP = 120
NODE_GAP = 22
MARGIN = 20
LANE = 9
FONT = 12


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    layer: int

    def row_y(self, row: int) -> float:
        if row < 0:
            return self.y + TITLE_H / 2
        return self.y + TITLE_H + PAD + row * ROW_H + ROW_H / 2


def node_height(node: Node) -> float:
    return TITLE_H + 2 * PAD + len(node.rows) * ROW_H


def layers(graph: Graph) -> dict[str, int]:
    """Longest-path layers over the edges that do not close a cycle; 'every' sits beside main.

    Edges back to the start of the tree (the main menu, the language menu) are drawn but do not
    push their destination to the right: the main menu stays next to the language menu."""
    ids = [n.id for n in graph.nodes]
    succ: dict[str, list[str]] = {i: [] for i in ids}
    hubs = {"call", "language", graph.main}
    spine = {("call", "language"), ("language", graph.main)}
    for e in graph.edges:
        if e.target in succ and e.target not in succ[e.source] and (
                e.target not in hubs or (e.source, e.target) in spine):
            succ[e.source].append(e.target)
    if "language" in succ and "every" in succ:
        succ["language"].append("every")   # a layout hint: the shared keys sit with the main menu
    order: list[str] = []
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()

    def visit(start: str) -> None:
        stack = [(start, iter(succ[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(succ[child])))

    for start in ["call", *ids]:
        if start in succ and start not in state:
            visit(start)
    layer = {i: 0 for i in ids}
    for node in reversed(order):     # a topological order of the acyclic part
        for child in succ[node]:
            if (node, child) not in back:
                layer[child] = max(layer[child], layer[node] + 1)
    return layer


def discovery_order(graph: Graph) -> list[str]:
    """Nodes in depth-first order from the start, following the YAML's order of keys."""
    succ: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        if e.target in succ:
            succ[e.source].append(e.target)
    seen: list[str] = []

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.append(node)
        for child in succ[node]:
            visit(child)

    for n in ["call", "language", *succ]:
        if n in succ:
            visit(n)
    return seen


@dataclass
class Layout:
    boxes: dict[str, Box]
    routes: list[tuple[Edge, str, tuple[float, float]]]   # edge, SVG path, label position
    width: float
    height: float


def layout(graph: Graph, top: float) -> Layout:
    """Place nodes in columns (left to right) and route every edge without crossing a node."""
    layer = layers(graph)
    nodes = {n.id: n for n in graph.nodes}
    order = discovery_order(graph)
    columns: dict[int, list[str]] = {}
    for node_id in order:
        columns.setdefault(layer[node_id], []).append(node_id)
    direct: list[Edge] = []
    top_bus: list[Edge] = []
    bottom_bus: list[Edge] = []
    for e in graph.edges:
        if e.target not in nodes:
            continue
        gap = layer[e.target] - layer[e.source]
        (direct if gap == 1 else top_bus if gap > 1 else bottom_bus).append(e)
    y0 = top + (len(top_bus) + 1) * LANE + 10
    boxes: dict[str, Box] = {}
    for col in sorted(columns):
        bottom = y0
        for node_id in columns[col]:
            h = node_height(nodes[node_id])
            parents = [boxes[e.source].row_y(e.row) for e in direct
                       if e.target == node_id and e.source in boxes]
            want = (sum(parents) / len(parents) - TITLE_H / 2) if parents else bottom
            y = max(want, bottom)
            boxes[node_id] = Box(MARGIN + col * (NODE_W + COL_GAP), y, NODE_W, h, col)
            bottom = y + h + NODE_GAP
    lowest = max((b.y + b.h for b in boxes.values()), default=y0)
    routes = []
    for e in direct:
        s, t = boxes[e.source], boxes[e.target]
        sx, sy, tx, ty = s.x + s.w, s.row_y(e.row), t.x, t.row_y(-1)
        bend = COL_GAP / 2
        path = f"M{sx:.1f},{sy:.1f} C{sx + bend:.1f},{sy:.1f} {tx - bend:.1f},{ty:.1f} {tx - 2:.1f},{ty:.1f}"
        routes.append((e, path, (sx + 4, sy - 3)))
    for lanes, base, step in ((top_bus, top + LANE, LANE), (bottom_bus, lowest + 18, LANE)):
        for i, e in enumerate(lanes):
            s, t = boxes[e.source], boxes[e.target]
            bus = base + i * step
            out = s.x + s.w + 14 + (i * 7) % (COL_GAP - 40)
            into = t.x - 14 - (i * 7) % (COL_GAP - 40)
            sy, ty = s.row_y(e.row), t.row_y(-1)
            path = (f"M{s.x + s.w:.1f},{sy:.1f} H{out:.1f} V{bus:.1f} H{into:.1f} V{ty:.1f} H{t.x - 2:.1f}")
            routes.append((e, path, (s.x + s.w + 4, sy - 3)))
    width = MARGIN * 2 + (max(columns, default=0) + 1) * (NODE_W + COL_GAP) - COL_GAP
    height = lowest + 18 + len(bottom_bus) * LANE + MARGIN
    return Layout(boxes, routes, width, height)


# --- text fitting ------------------------------------------------------------------------------------

def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width: wide (CJK) characters count double, combining marks nothing."""
    units = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        units += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return units * size * 0.56


def fit(text: str, width: float, size: float = FONT) -> str:
    """Cut `text` to fit `width`, ending with an ellipsis when cut."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out.rstrip() + "…"


def row_label(row: Row) -> str:
    """A row as one line of plain text (DOT, mermaid and the SVG's tooltip)."""
    parts = []
    if row.key:
        parts.append(f"[{row.key}]")
    if row.coverage:
        parts.append(f"({COVERAGE_TAG[row.coverage]})")
    if row.prompt:
        parts.append(f"{row.prompt}:")
    parts.append(row.text)
    if row.note:
        parts.append(row.note)
    return " ".join(parts)


# --- SVG ---------------------------------------------------------------------------------------------

EDGE_STYLE = {
    "key": 'stroke="#333" stroke-width="1.4"',
    "standing": 'stroke="#6a3d9a" stroke-width="1.4"',
    "noinput": 'stroke="#a44f00" stroke-width="1.3" stroke-dasharray="6 4"',
    "invalid": 'stroke="#b00020" stroke-width="1.3" stroke-dasharray="2 3"',
    "after": 'stroke="#1d5a9e" stroke-width="1.3" stroke-dasharray="8 3 2 3"',
    "then": 'stroke="#333" stroke-width="1.4"',
}
EDGE_MEANING = {
    "key": "a key on this menu",
    "standing": "a key on every menu",
    "noinput": "after repeated silence",
    "invalid": "after repeated wrong keys",
    "after": "when a forwarded call ends",
}
NODE_FILL = {"call": "#fff7d6", "language": "#eef6ff", "every": "#f3ecfa", "menu": "#ffffff", "target": "#eaf7ee"}


def render_svg(graph: Graph, play: dict[tuple[str, str], dict[str, str]] | None = None) -> str:
    """A standalone SVG of the graph. With `play` (prompt -> data attributes), prompt rows carry
    what the map page needs to play them and a ▶ mark."""
    legend_h = 2 * 20 + 16
    lay = layout(graph, MARGIN + legend_h)
    width = max(lay.width, 900.0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {width:.0f} {lay.height:.0f}" role="img" aria-labelledby="graph-title" '
        f'font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="{FONT}" class="ivr-graph">',
        f'<title id="graph-title">{escape(graph.title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{lay.height:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 6}" font-size="16" font-weight="bold">{escape(graph.title)}</text>',
        f'<text x="{MARGIN}" y="{MARGIN + 26}">{escape(graph.locale)}: {escape(graph.review)}</text>',
    ]
    x = MARGIN
    y = MARGIN + 46
    for cov in COVERAGE:
        label = f"{COVERAGE_MEANING[cov]} ({graph.coverage.get(cov, 0)})"
        out.append(_pill(x, y - 11, cov))
        out.append(f'<text x="{x + 38}" y="{y}">{escape(label)}</text>')
        x += 48 + text_width(label)
    x += 10
    for kind in ("key", "standing", "noinput", "invalid", "after"):
        out.append(f'<path d="M{x},{y - 4} H{x + 30}" fill="none" {EDGE_STYLE[kind]}/>')
        out.append(f'<text x="{x + 36}" y="{y}">{escape(EDGE_MEANING[kind])}</text>')
        x += 50 + text_width(EDGE_MEANING[kind])
    out.append('<g class="edges">')
    for edge, path, (lx, ly) in lay.routes:
        src, dst = edge.source, edge.target
        what = f"{src} {edge.key or edge.kind} → {dst}"
        out.append(f'<g class="edge edge-{edge.kind}" data-from={quoteattr(src)} data-to={quoteattr(dst)} '
                   f'data-key={quoteattr(edge.key)} data-kind={quoteattr(edge.kind)}>'
                   f'<title>{escape(what)}</title>'
                   f'<path d="{path}" fill="none" {EDGE_STYLE[edge.kind]} marker-end="url(#arrow)"/>'
                   + (f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" font-weight="bold">{escape(edge.key)}</text>'
                      if edge.key else "") + '</g>')
    out.append('</g><g class="nodes">')
    for node in graph.nodes:
        out.append(_node_svg(node, lay.boxes[node.id], play))
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def _pill(x: float, y: float, coverage: str) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="32" height="14" rx="7" fill="{COVERAGE_COLOR[coverage]}"/>'
            f'<text x="{x + 16:.1f}" y="{y + 11:.1f}" font-size="10" fill="#fff" text-anchor="middle">'
            f'{COVERAGE_TAG[coverage]}</text>')


def _node_svg(node: Node, box: Box, play: dict[tuple[str, str], dict[str, str]] | None) -> str:
    x, y, w = box.x, box.y, box.w
    summary = " ".join(f"{n} {COVERAGE_TAG[c]}" for c, n in sorted(node.coverage.items(),
                                                                      key=lambda i: COVERAGE.index(i[0])))
    parts = [
        f'<g class="node node-{node.kind}" id={quoteattr("node-" + node.id)} data-node={quoteattr(node.id)}>',
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{box.h:.1f}" rx="6" '
        f'fill="{NODE_FILL.get(node.kind, "#fff")}" stroke="#333" stroke-width="1.2"/>',
        f'<path d="M{x:.1f},{y + TITLE_H:.1f} H{x + w:.1f}" stroke="#999"/>',
        f'<text x="{x + 8:.1f}" y="{y + 17:.1f}" font-size="14" font-weight="bold">{escape(node.name)}</text>',
    ]
    if summary:
        parts.append(f'<text x="{x + w - 8:.1f}" y="{y + 17:.1f}" font-size="10" fill="#444" '
                     f'text-anchor="end">{escape(summary)}</text>')
    for i, row in enumerate(node.rows):
        cy = box.row_y(i)
        base = cy + 4
        cells = []
        left = x + 8
        if row.key:
            cells.append(f'<rect x="{left:.1f}" y="{cy - 8:.1f}" width="18" height="16" rx="3" fill="#222"/>'
                         f'<text x="{left + 9:.1f}" y="{base:.1f}" fill="#fff" text-anchor="middle" '
                         f'font-weight="bold">{escape(row.key)}</text>')
        left += 24
        right = x + w - 8 - (18 if play is not None and row.prompt else 0)
        if row.coverage:
            cells.append(_pill(left, cy - 7, row.coverage))
            left += 38
            label = fit(f"{row.prompt}: {row.text}", right - left)
            pid, _, rest = label.partition(":")
            cells.append(f'<text x="{left:.1f}" y="{base:.1f}"><tspan fill="#555">{escape(pid)}:</tspan>'
                         f'{escape(rest)}</text>')
        else:
            cells.append(f'<text x="{left:.1f}" y="{base:.1f}" fill="#333" font-style="italic">'
                         f'{escape(fit(row.text, right - left))}</text>')
        if row.prompt:
            attrs = (play or {}).get((row.locale, row.prompt))
            data = "".join(f" data-{k}={quoteattr(v)}" for k, v in (attrs or {}).items())
            if play is not None:
                cells.append(f'<text x="{x + w - 20:.1f}" y="{base:.1f}" fill="#1d5a9e" aria-hidden="true">▶</text>')
            parts.append(f'<g class="prompt" data-prompt={quoteattr(row.prompt)} data-locale={quoteattr(row.locale)} '
                         f'data-coverage={quoteattr(row.coverage)}{data}><title>{escape(row_label(row))}</title>'
                         + "".join(cells) + "</g>")
        else:
            parts.append(f"<g><title>{escape(row_label(row))}</title>" + "".join(cells) + "</g>")
    parts.append("</g>")
    return "".join(parts)


# --- DOT and mermaid ---------------------------------------------------------------------------------

def render_dot(graph: Graph) -> str:
    """Graphviz DOT: one HTML-table node per menu, edges leaving from the row of their key."""
    lines = [
        "// " + graph.title + " - " + graph.locale + ": " + graph.review,
        "digraph line {",
        '  rankdir=LR; nodesep=0.25; ranksep=0.9;',
        '  node [shape=plain, fontname="DejaVu Sans", fontsize=10];',
        '  edge [fontname="DejaVu Sans", fontsize=10, arrowsize=0.7];',
    ]
    for node in graph.nodes:
        cells = [f'<TR><TD ALIGN="LEFT" BGCOLOR="{NODE_FILL.get(node.kind, "#ffffff")}"><B>'
                 f'{_html(node.name)}</B></TD></TR>']
        for i, row in enumerate(node.rows):
            color = f' COLOR="{COVERAGE_COLOR[row.coverage]}"' if row.coverage else ""
            cells.append(f'<TR><TD ALIGN="LEFT" PORT="r{i}"><FONT{color}>{_html(fit(row_label(row), 520))}'
                         f'</FONT></TD></TR>')
        lines.append(f'  "{node.id}" [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
                     + "".join(cells) + "</TABLE>>];")
    styles = {"key": "solid", "standing": "solid", "noinput": "dashed", "invalid": "dotted",
              "after": "dashed", "then": "solid"}
    for e in graph.edges:
        port = f":r{e.row}" if e.row >= 0 else ""
        label = f', label="{e.key}"' if e.key else (f', label="{e.kind}"' if e.kind not in ("key", "then") else "")
        lines.append(f'  "{e.source}"{port} -> "{e.target}" [style={styles[e.kind]}{label}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _html(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def mermaid_id(node_id: str) -> str:
    return node_id.replace("-", "_")


def render_mermaid(graph: Graph) -> str:
    """A mermaid flowchart (paste it into a Markdown file that renders mermaid)."""
    lines = ["%% " + graph.title + " - " + graph.locale + ": " + graph.review, "flowchart LR"]
    for node in graph.nodes:
        parts = [f"<b>{_mermaid_text(node.name)}</b>", *(_mermaid_text(fit(row_label(r), 420)) for r in node.rows)]
        label = "<br/>".join(parts)
        lines.append(f'  {mermaid_id(node.id)}["{label}"]')
    arrows = {"key": "-->", "standing": "-->", "then": "-->", "noinput": "-.->", "invalid": "-.->", "after": "-.->"}
    for e in graph.edges:
        label = e.key or ("" if e.kind in ("key", "then") else e.kind)
        text = f"|{label.replace('#', '#35;')}|" if label else ""
        lines.append(f"  {mermaid_id(e.source)} {arrows[e.kind]}{text} {mermaid_id(e.target)}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def render(graph: Graph, fmt: str) -> str:
    """The graph in one of FORMATS."""
    if fmt == "svg":
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + render_svg(graph)
    if fmt == "dot":
        return render_dot(graph)
    if fmt == "mermaid":
        return render_mermaid(graph)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")

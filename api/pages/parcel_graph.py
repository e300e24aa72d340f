"""The small graph on a case page: senders, parcels, receivers and addresses as inline SVG, no script."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

COLUMNS = ("sender", "waybill", "receiver", "address")
COLOURS = {"sender": "#1f77b4", "waybill": "#7f7f7f", "receiver": "#2ca02c", "address": "#ff7f0e"}
MAX_PARCELS = 24


@dataclass(slots=True)
class ParcelGraph:
    """Nodes per column (key → text) and edges between node keys."""

    nodes: dict[str, dict[str, str]] = field(default_factory=lambda: {c: {} for c in COLUMNS})
    edges: set[tuple[str, str]] = field(default_factory=set)
    focus: str = ""

    def add(self, column: str, key: str, text: str) -> str:
        """A node (once), returning its key."""
        node = f"{column}:{key}"
        self.nodes[column].setdefault(node, text)
        return node


def _party(waybill: Mapping[str, Any], role: str) -> tuple[str, str, str]:
    party: Mapping[str, Any] = waybill.get(role) or {}
    address: Mapping[str, Any] = party.get("address") or {}
    # Chinese addresses run together; others read better with spaces.
    glue = "" if address.get("country") in (None, "CN") else " "
    where = glue.join(str(address[k]) for k in ("city", "district", "detail") if address.get(k))
    who = str(party.get("id_number") or party.get("phone") or party.get("name") or "?")
    return who, str(party.get("name") or "?"), where or "?"


def build_graph(waybill: Mapping[str, Any], linked: Iterable[Mapping[str, Any] | str]) -> ParcelGraph:
    """The case's parcel and its linked ones: a linked parcel is a waybill snapshot, or just its number.

    A bare number (a linked parcel without a case) is drawn from the case's own sender, the entity
    its reasons linked it by.
    """
    graph = ParcelGraph()
    own_sender = ""
    for n, parcel in enumerate([waybill, *linked]):
        if n > MAX_PARCELS:
            break
        if isinstance(parcel, str):
            node = graph.add("waybill", parcel, parcel)
            graph.edges.add((own_sender, node))
            continue
        number = str(parcel.get("waybill_no") or "?")
        parcel_node = graph.add("waybill", number, number)
        sender_key, sender_name, _ = _party(parcel, "sender")
        receiver_key, receiver_name, receiver_address = _party(parcel, "receiver")
        sender = graph.add("sender", sender_key, sender_name)
        receiver = graph.add("receiver", receiver_key, receiver_name)
        address = graph.add("address", receiver_address, receiver_address)
        graph.edges |= {(sender, parcel_node), (parcel_node, receiver), (receiver, address)}
        if n == 0:
            own_sender, graph.focus = sender, parcel_node
    return graph


def _short(text: str, size: int = 18) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def graph_svg(graph: ParcelGraph, *, headings: Mapping[str, str], width: int = 760) -> str:
    """The graph drawn in four columns with straight edges; the case's own parcel in bold."""
    row_h, top, column_w = 26, 36, width // len(COLUMNS)
    rows = max(len(nodes) for nodes in graph.nodes.values()) or 1
    height = top + rows * row_h + 10
    places: dict[str, tuple[float, float]] = {}
    for c, column in enumerate(COLUMNS):
        for r, node in enumerate(graph.nodes[column]):
            places[node] = (c * column_w + 12, top + r * row_h + row_h / 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(headings.get("title", ""))}" class="parcel-graph" font-family="sans-serif" '
        'font-size="11">'
    ]
    for c, column in enumerate(COLUMNS):
        heading = escape(headings.get(column, column))
        parts.append(f'<text x="{c * column_w + 12}" y="18" font-weight="bold">{heading}</text>')
    for start, end in sorted(graph.edges):
        if start in places and end in places:
            (x1, y1), (x2, y2) = places[start], places[end]
            parts.append(
                f'<line x1="{x1 + column_w - 30:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
                'stroke="#bbb" stroke-width="1.2"/>'
            )
    for column in COLUMNS:
        for node, text in graph.nodes[column].items():
            x, y = places[node]
            weight = ' font-weight="bold"' if node == graph.focus else ""
            parts.append(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="5" fill="{COLOURS[column]}"/>')
            parts.append(
                f'<text x="{x + 9:.0f}" y="{y + 4:.0f}"{weight}><title>{escape(text)}</title>'
                f"{escape(_short(text))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)

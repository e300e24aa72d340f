"""Charts as inline SVG text: no scripts, no files, so a report page is one self-contained document."""

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def rate_text(value: float) -> str:
    """A rate 0..1 as a percentage to one decimal, with more where one would round it to 0 % or 100 %."""
    # 2,999 of 3,000 is not full compliance: a page must not print 100.0% while one parcel failed.
    for decimals in range(1, 7):
        shown = f"{value * 100:.{decimals}f}"
        if (float(shown) not in (0.0, 100.0)) or value in (0.0, 1.0):
            return f"{shown}%"
    return "<0.000001%" if value < 0.5 else ">99.999999%"


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    width: int = 720,
    height: int = 300,
) -> str:
    """Rates (0..1) over labelled points, one line per series; a missing value breaks its line."""
    left, right, top, bottom = 48, 16, 28, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for points in series.values() for v in points if v is not None]
    low = min([*values, 1.0])
    # Compliance rates sit near 100 %: start the axis at a round value under the lowest point.
    floor = max(0.0, min(0.9, int(low * 10) / 10)) if values else 0.0
    span = 1.0 - floor or 1.0
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - floor) / span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for k in range(5):
        v = floor + span * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
        )
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{rate_text(v)}</text>')
    for i, text in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 14}" text-anchor="end" '
            f'transform="rotate(-45 {x(i):.1f} {top + plot_h + 14})">{escape(text)}</text>'
        )
    for n, (name, points) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, point in enumerate(points):
            if point is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(point):.1f}")
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(point):.1f}" r="2.5" fill="{colour}"><title>'
                f"{escape(name)} {escape(labels[i])}: {rate_text(point)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(run)}"/>'
                )
        legend_x = left + n * 160
        parts.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{height - 5}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str, width: int = 720) -> str:
    """Horizontal bars of rates (0..1), one per label, in the order given."""
    row_h, left, top = 22, 260, 28
    height = top + row_h * len(labels) + 8
    plot_w = width - left - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (text, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(text)}</text>')
        if value is None:
            continue
        w = max(plot_w * value, 1.0)
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="#d62728"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}">{rate_text(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)

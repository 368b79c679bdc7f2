"""A line chart's geometry, for server-drawn SVG (no script: the site's CSP allows none)."""

from __future__ import annotations


def polyline(values: list[int], width: int, height: int, top: int) -> str:
    """SVG `points` for `values` spread over `width` (left to right, oldest first) and drawn up
    from the bottom of `height`, `top` being the value at the top edge (at least 1)."""
    top = max(top, 1)
    step = width / (len(values) - 1) if len(values) > 1 else 0
    return " ".join(f"{index * step:.1f},{height - value * height / top:.1f}" for index, value in enumerate(values))


def nice_top(value: int) -> int:
    """The smallest of 1, 2, 5 × a power of ten that is at least `value` (an axis' top label)."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10

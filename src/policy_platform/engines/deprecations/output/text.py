"""``normal``, ``wide`` and ``custom`` output: Pluto's tab-aligned table (Go ``text/tabwriter``, padding 2)."""

from __future__ import annotations

from collections.abc import Sequence

from policy_platform.engines.deprecations.detect import Detection
from policy_platform.engines.deprecations.output.columns import row
from policy_platform.engines.deprecations.output.tabwriter import tabwrite


def render_text(
    detections: Sequence[Detection], columns: Sequence[str], *, no_headers: bool = False, padchar: str = " "
) -> str:
    """Header and rows as Pluto builds them: first cell, then `` cell`` for each other, every cell ending in a tab,
    then one blank line."""
    lines: list[list[str]] = [] if no_headers else [list(columns)]
    lines.extend(row(d, columns) for d in detections)
    text = "".join(pluto_line(cells) + "\n" for cells in lines) + "\n"
    return tabwrite(text, padding=2, padchar=padchar)


def pluto_line(cells: Sequence[str]) -> str:
    """``first\\t cell\\t cell\\t``: Pluto's row shape (a space before every cell but the first)."""
    return "".join((cell if i == 0 else f" {cell}") + "\t" for i, cell in enumerate(cells))

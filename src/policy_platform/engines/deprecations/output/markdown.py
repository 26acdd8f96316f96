"""``markdown`` output: the table Pluto prints with ``olekukonko/tablewriter`` in Markdown mode.

Each column is as wide as its widest cell or header; headers are centred (extra space on the right), cells are
left-aligned except numbers, which tablewriter right-aligns. Text is not wrapped (Pluto's cells rarely hold spaces).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from policy_platform.engines.deprecations.detect import Detection
from policy_platform.engines.deprecations.output.columns import row

_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})*|\d+)(?:\.\d+)?$|^-?\d+\.?\d*%$")


def render_markdown(detections: Sequence[Detection], columns: Sequence[str], *, no_headers: bool = False) -> str:
    rows = [row(d, columns) for d in detections]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) if not no_headers else max([0] + [len(r[i]) for r in rows])
              for i, c in enumerate(columns)]
    out: list[str] = []
    if not no_headers:
        out.append("|" + "|".join(f" {_center(c, w)} " for c, w in zip(columns, widths, strict=True)) + "|")
        out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        out.append("|" + "|".join(f" {_cell(v, w)} " for v, w in zip(r, widths, strict=True)) + "|")
    return "".join(line + "\n" for line in out)


def _center(text: str, width: int) -> str:
    gap = width - len(text)
    left = gap // 2
    return " " * left + text + " " * (gap - left)


def _cell(text: str, width: int) -> str:
    if _NUMBER.match(text.strip()):
        return text.rjust(width)
    return text.ljust(width)

"""``csv`` output: Go ``encoding/csv`` quoting (a field is quoted when it holds a comma, quote, CR or LF, starts with a
space, or is ``\\.``; quotes are doubled), ``\\n`` line endings."""

from __future__ import annotations

from collections.abc import Sequence

from policy_platform.engines.deprecations.detect import Detection
from policy_platform.engines.deprecations.output.columns import row


def render_csv(detections: Sequence[Detection], columns: Sequence[str], *, no_headers: bool = False) -> str:
    lines = [] if no_headers else [list(columns)]
    lines.extend(row(d, columns) for d in detections)
    return "".join(",".join(_field(f) for f in cells) + "\n" for cells in lines)


def _field(text: str) -> str:
    if text == "":
        return text
    if text == "\\." or text[0] in " \t" or any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text

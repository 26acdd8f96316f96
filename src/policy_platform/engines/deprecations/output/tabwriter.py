"""A port of the layout rules of Go's ``text/tabwriter`` (no flags), so text tables are byte-compatible with Pluto's.

Input is text whose cells are terminated by ``\\t``; the text after a line's last tab is not a cell and is never
padded. Adjacent lines that share a column form a *column block*; the block's width is its widest cell plus
``padding`` (at least ``minwidth``); cells are padded with ``padchar`` to that width. Widths count characters (Go counts
UTF-8 runes). ``tabwidth`` only matters when padding with tabs, which Pluto does not do.
"""

from __future__ import annotations


def tabwrite(text: str, *, minwidth: int = 0, padding: int = 2, padchar: str = " ") -> str:
    """Align ``text`` as ``tabwriter.NewWriter(w, minwidth, 15, padding, padchar, 0)`` followed by ``Flush``."""
    if not text:
        return ""
    ends_with_newline = text.endswith("\n")
    raw_lines = text.split("\n")
    if ends_with_newline:
        raw_lines = raw_lines[:-1]
    lines = [line.split("\t") for line in raw_lines]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for i in range(line0, line1):
            cells = lines[i]
            parts: list[str] = []
            for j, cell in enumerate(cells):
                parts.append(cell)
                if j < len(widths) and j < len(cells) - 1:
                    parts.append(padchar * (widths[j] - len(cell)))
            out.append("".join(parts))

    def fmt(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    fmt(0, len(lines))
    result = "\n".join(out)
    return result + "\n" if ends_with_newline else result

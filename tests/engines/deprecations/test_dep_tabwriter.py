"""The port of Go's ``text/tabwriter`` layout: column blocks, trailing text, padding."""

from __future__ import annotations

import pytest

from policy_platform.engines.deprecations.output.tabwriter import tabwrite

CASES = [
    ("empty", "", ""),
    ("one line, trailing text not padded", "a\tbb\tc\n", "a.bb.c\n"),
    (
        "column blocks end where a line has fewer cells",
        "a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n",
        "a....b..c\naa...bb.cc\naaa..\naaaa.dddd.eeee\n",
    ),
    ("every cell terminated: the last is padded too", "x\ty\t\nxx\tyy\t\n", "x..y..\nxx.yy.\n"),
    ("a blank line ends the table block", "ab\tc\t\n\nabcd\te\t\n", "ab.c.\n\nabcd.e.\n"),
    ("no final newline", "a\tb", "a.b"),
    ("width counts characters, not bytes", "é\tx\t\nab\ty\t\n", "é..x.\nab.y.\n"),
]


@pytest.mark.parametrize(("text", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_tabwrite(text: str, want: str) -> None:
    assert tabwrite(text, padding=1, padchar=".") == want


def test_minwidth() -> None:
    assert tabwrite("a\tb\t\n", minwidth=4, padding=1, padchar=".") == "a...b...\n"

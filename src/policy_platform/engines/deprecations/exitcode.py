"""Pluto's exit codes for the ``deprecations`` command (``GetReturnCode`` in ``pkg/api/output.go``).

Computed on the reported (filtered) detections, in the order 2, 3, 4, the later winning:

* 2 - an API is deprecated (not counted when ``ignore_deprecations``; a deprecated API whose replacement is
  unavailable is not counted either when ``ignore_unavailable_replacements``);
* 3 - an API is removed (not counted when ``ignore_removals``);
* 4 - a reported API's replacement is not available at the target, including when the data gives no
  ``replacement-available-in`` (Pluto's behaviour; not counted when ``ignore_unavailable_replacements``).

Inputs that could not be read or parsed make the code at least 1 (Pluto's "error" code): the run goes on, but an
unreadable input is never reported as clean. Fatal problems (bad flags, a bad versions file) exit 2 through the CLI's
error handler, as every policy-platform command does.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy_platform.engines.deprecations.detect import Detection

CLEAN = 0
INPUT_ERRORS = 1
DEPRECATED = 2
REMOVED = 3
REPLACEMENT_UNAVAILABLE = 4


def exit_code(
    detections: Sequence[Detection],
    *,
    ignore_deprecations: bool = False,
    ignore_removals: bool = False,
    ignore_unavailable_replacements: bool = False,
    input_errors: bool = False,
) -> int:
    deprecations = any(
        d.deprecated and (d.replacement_available or not ignore_unavailable_replacements) for d in detections
    )
    removals = any(d.removed for d in detections)
    unavailable = any(not d.replacement_available for d in detections)
    code = CLEAN
    if deprecations and not ignore_deprecations:
        code = DEPRECATED
    if removals and not ignore_removals:
        code = REMOVED
    if unavailable and not ignore_unavailable_replacements:
        code = REPLACEMENT_UNAVAILABLE
    if code == CLEAN and input_errors:
        code = INPUT_ERRORS
    return code

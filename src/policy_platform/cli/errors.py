"""The only place where exceptions become exit codes.

* :class:`~policy_platform.errors.PolicyPlatformError` → one line on stderr, exit 2;
* ``KeyboardInterrupt`` → exit 130;
* anything else → one line naming a log file that holds the traceback, exit 3.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable

from policy_platform.errors import PolicyPlatformError

PROG = "policy-platform"


def run_guarded(func: Callable[[], int]) -> int:
    try:
        return func()
    except PolicyPlatformError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        with tempfile.NamedTemporaryFile("w", prefix="policy-platform-crash-", suffix=".log", delete=False) as fh:
            traceback.print_exc(file=fh)
            log = fh.name
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc} (traceback in {log})", file=sys.stderr)
        return 3

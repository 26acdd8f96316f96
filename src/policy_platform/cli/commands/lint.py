"""`policy-platform lint`: lint YAML/JSON files with a Spectral ruleset, with Spectral's output and exit codes."""

from __future__ import annotations

import argparse
import base64
import binascii
import glob
import json
import os
import sys
from pathlib import Path

from policy_platform.engines.spectral import find_ruleset, load_ruleset, parse_document
from policy_platform.engines.spectral.document import ParsedDocument
from policy_platform.engines.spectral.formatters import FORMATTERS
from policy_platform.engines.spectral.linter import SpectralResult, lint_parsed
from policy_platform.engines.spectral.ruleset import SEVERITIES, RulesetError
from policy_platform.errors import InputFileError, UsageError

HELP = "lint values files with a Spectral ruleset (Spectral-compatible output and exit codes)"
DESCRIPTION = """\
Lint YAML/JSON documents (Helm values files) with a Spectral ruleset (.spectral.yaml/.yml/.json), natively.

Arguments are files or quoted globs ('values/**/*.yaml'), or '-' for stdin. Without -r the ruleset is found in the
working directory. Several formats: -f json,junit --output.junit report.xml (a format without output goes to stdout).
Differences from Spectral: 'severity: warning' is read as 'warn' with a notice (--strict rejects it); JavaScript
rulesets and custom functions are not supported.
Exit codes: 0 no result at or above --fail-severity, 1 at least one, 2 invalid ruleset, no files, or bad usage.
JSON output has 0-based ranges; the human formats print 1-based line:col.

examples:
  policy-platform lint -r .spectral.yaml values.yaml cd/values.prod.yaml
  policy-platform lint -q -f json -r .spectral.yaml 'apps/*/values.yaml'
  policy-platform lint -F warn -f github-actions values.yaml
"""

_FAIL_LEVELS = ("error", "warn", "info", "hint")
# Spectral's --encoding choices (Node names) → Python codecs.
_ENCODINGS = {"utf8": "utf-8", "utf-8": "utf-8", "ascii": "ascii", "utf16le": "utf-16-le", "ucs2": "utf-16-le",
              "ucs-2": "utf-16-le", "latin1": "latin-1", "base64": "base64"}
_PUNCT_ORDER = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("documents", nargs="*", metavar="FILE_OR_GLOB", help="documents to lint (files or globs)")
    parser.add_argument("-r", "--ruleset", help="ruleset file (default: .spectral.yaml/.yml/.json in the cwd)")
    parser.add_argument("-f", "--format", action="append", dest="formats", metavar="FORMAT",
                        help=f"output format: {', '.join(FORMATTERS)} (repeatable or comma-separated; "
                             "default stylish)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the (single) format's output to FILE instead of stdout")
    for name in FORMATTERS:
        parser.add_argument(f"--output.{name}", dest=f"output_{name.replace('-', '_')}", metavar="FILE",
                            help=argparse.SUPPRESS)
    parser.add_argument("-F", "--fail-severity", choices=_FAIL_LEVELS, default="error",
                        help="results at or above this severity fail the run (default: error)")
    parser.add_argument("-D", "--display-only-failures", action="store_true",
                        help="only show results at or above --fail-severity")
    parser.add_argument("-q", "--quiet", action="store_true", help="no output except results")
    parser.add_argument("--ignore-unknown-format", action="store_true",
                        help="do not warn about documents that match none of the ruleset's formats")
    parser.add_argument("--fail-on-unmatched-globs", action="store_true",
                        help="exit 2 when a glob matches no file")
    parser.add_argument("-e", "--encoding", default="utf8", choices=sorted(_ENCODINGS),
                        help="text encoding of the documents (default utf8)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print more details")
    parser.add_argument("--stdin-filepath", metavar="PATH",
                        help="name to report for the document read from stdin ('-' as a document)")
    parser.add_argument("--relative-paths", action="store_true",
                        help="report document paths as given instead of absolute (Spectral prints absolute paths)")
    parser.add_argument("--strict", action="store_true",
                        help="reject 'severity: warning' instead of reading it as 'warn'")


def _collation_table() -> dict[int, str]:
    """Map ASCII punctuation and digits below letters, in ICU's root order, so ``str`` comparison of the translated,
    case-folded text approximates ``String#localeCompare``."""
    table: dict[int, str] = {}
    for rank, ch in enumerate(_PUNCT_ORDER):
        table[ord(ch)] = chr(0x01 + rank)
    for digit in "0123456789":
        table[ord(digit)] = chr(0x30 + int(digit))
    return table


_COLLATION = _collation_table()


def _locale_key(text: str) -> tuple[str, str]:
    folded = text.casefold().translate(_COLLATION)
    return (folded, text.swapcase())


def _braces(pattern: str) -> list[str]:
    """Brace expansion as fast-glob does it: ``values/*.{yaml,yml}`` → ``values/*.yaml``, ``values/*.yml``."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    parts: list[str] = []
    last = start + 1
    for index in range(start, len(pattern)):
        ch = pattern[index]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                parts.append(pattern[last:index])
                head, tail = pattern[:start], pattern[index + 1 :]
                if len(parts) == 1:
                    return [head + "{" + parts[0] + "}" + t for t in _braces(tail)]
                return [e for part in parts for e in _braces(head + part + tail)]
        elif ch == "," and depth == 1:
            parts.append(pattern[last:index])
            last = index + 1
    return [pattern]


def _expand(patterns: list[str], fail_unmatched: bool, quiet: bool = True) -> list[str]:
    if not patterns:
        raise UsageError("No documents provided.")
    found: dict[str, str] = {}
    unmatched: list[str] = []
    for pattern in patterns:
        if any(c in pattern for c in "*?[{"):
            matches = [m for p in _braces(pattern) for m in glob.glob(p, recursive=True) if os.path.isfile(m)]
        else:
            matches = [pattern] if os.path.isfile(pattern) else []
        if not matches:
            unmatched.append(pattern)
        for m in matches:
            found.setdefault(os.path.abspath(m), os.path.normpath(m))
    if unmatched and fail_unmatched:
        raise UsageError(f"Unmatched glob patterns: `{','.join(unmatched)}`")
    if found and not quiet:
        for pattern in unmatched:  # Spectral logs these on stdout; stderr keeps machine-readable output clean
            print(f"Glob pattern `{pattern}` did not match any files", file=sys.stderr)
    if not found:
        raise UsageError("No files found to lint. Please check your file path and extension and try again "
                         f"({', '.join(patterns)})")
    ordered = sorted(found, key=_locale_key)
    return [found[a] for a in ordered]


def _read(path: str, encoding: str, source: str) -> ParsedDocument:
    try:
        raw = Path(path).read_bytes()
        # Like Node, undecodable bytes become U+FFFD instead of failing the run.
        if encoding == "base64":
            text = base64.b64decode(raw).decode("utf-8", errors="replace")
        else:
            text = raw.decode(_ENCODINGS[encoding], errors="replace")
    except (OSError, binascii.Error) as exc:
        raise InputFileError(f"cannot read: {exc}", file=path) from None
    doc = parse_document(text, source)
    if doc.fatal and path.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError:
            return doc
        return ParsedDocument(data, source, text, None)
    return doc


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs, with Spectral's rules for ``-o`` and ``--output.<format>``."""
    formats: list[str] = []
    for value in args.formats or ["stylish"]:
        for name in value.split(","):
            if name not in FORMATTERS:
                raise UsageError(f"invalid format {name!r} (choose from {', '.join(FORMATTERS)})")
            if name not in formats:
                formats.append(name)
    per_format = {n: getattr(args, f"output_{n.replace('-', '_')}") for n in formats}
    per_format = {n: f for n, f in per_format.items() if f}
    if len(formats) == 1:
        if args.output and per_format:
            raise UsageError("Output must be either string or unspecified when a single format is specified")
        return [(formats[0], args.output or per_format.get(formats[0]))]
    if args.output:
        raise UsageError("Multiple outputs have to be provided when more than a single format is specified")
    missing = [n for n in formats if n not in per_format]
    if len(missing) > 1:
        raise UsageError(f"Missing outputs for the following formats: {', '.join(missing[1:])}")
    return [(n, per_format.get(n)) for n in formats]


def _print_ruleset_error(exc: RulesetError) -> None:
    print("Error running policy-platform lint: invalid ruleset", file=sys.stderr)
    for i, issue in enumerate(exc.issues, 1):
        print(f"Error #{i}: {issue}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    ruleset_path = args.ruleset or find_ruleset(".")
    if ruleset_path is None and any(Path(f".spectral{ext}").is_file() for ext in (".js", ".mjs", ".cjs")):
        raise UsageError("JavaScript rulesets (.spectral.js) are not supported; use .spectral.yaml, .yml or .json")
    if ruleset_path is None:
        raise UsageError(
            "No ruleset has been found. Please provide a ruleset using the --ruleset CLI argument, or make sure your "
            "current working directory contains a valid ruleset file."
        )
    try:
        ruleset = load_ruleset(ruleset_path, strict=args.strict)
    except RulesetError as exc:
        _print_ruleset_error(exc)
        return 2
    for notice in ruleset.notices:  # on stderr even with -q: it explains a deviation from Spectral
        print(f"notice: {notice}", file=sys.stderr)
    from_stdin = "-" in args.documents
    patterns = [d for d in args.documents if d != "-"]
    documents = _expand(patterns, args.fail_on_unmatched_globs, args.quiet) if patterns or not from_stdin else []
    outputs = _outputs(args)
    fail = SEVERITIES[args.fail_severity]
    results: list[SpectralResult] = []
    if from_stdin:
        name = args.stdin_filepath or "<STDIN>"
        doc = parse_document(sys.stdin.read(), name)
        results.extend(lint_parsed(ruleset, doc, abs_path=os.path.abspath(name) if args.stdin_filepath else None,
                                   ignore_unknown_format=args.ignore_unknown_format))
    for path in documents:
        doc = _read(path, args.encoding, path if args.relative_paths else os.path.abspath(path))
        results.extend(lint_parsed(ruleset, doc, abs_path=os.path.abspath(path),
                                   ignore_unknown_format=args.ignore_unknown_format))
    shown = [r for r in results if r.severity <= fail] if args.display_only_failures else results
    for name, target in outputs:
        text = (FORMATTERS[name](shown, fail, list(ruleset.rules.values())) if name == "sarif"
                else FORMATTERS[name](shown, fail))
        if target is None:
            sys.stdout.write(text)
        else:
            try:
                Path(target).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    if shown:
        return 1 if any(r.severity <= fail for r in shown) else 0
    if not args.quiet:
        higher = "" if fail == 0 else "or higher "
        sys.stdout.write(f"No results with a severity of '{args.fail_severity}' {higher}found!")
    return 0

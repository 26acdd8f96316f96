"""`policy-platform apply`: apply Kyverno policies to resource files, like `kyverno apply`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from policy_platform._internal.yamlio import dump, load_single
from policy_platform.engines.kyverno.applyrun import (
    apply,
    counts,
    effective_status,
    exit_code,
    policy_report,
    status_memo,
)
from policy_platform.engines.kyverno.engine import KyvernoEngine, LoadedPolicies, Options
from policy_platform.engines.kyverno.inputs import load_policy_files, load_yaml_mapping
from policy_platform.engines.kyverno.testreport import table
from policy_platform.engines.kyverno.values import Values
from policy_platform.errors import UsageError

HELP = "apply Kyverno policies to resources (like `kyverno apply`)"
DESCRIPTION = """\
Apply ClusterPolicy/Policy documents (files, folders or - for stdin) to resources (files, folders, Helm-rendered
streams or -), offline, with Kyverno 1.13 semantics, in parallel worker processes.

Exit codes (as `kyverno apply`): 1 when any rule fails or errors; otherwise the --warn-exit-code value when a rule
warns (a fail under Audit counts as warn with --audit-warn, and policies annotated policies.kyverno.io/scored: "false"
warn), or when --warn-no-pass is given and nothing passed; otherwise 0. 2 for bad arguments or unreadable input files
(the other files are still checked and reported).
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policies", nargs="+", metavar="POLICY", help="policy file or folder (- for stdin)")
    parser.add_argument("-r", "--resource", action="append", default=[], help="resource file or folder (- for stdin)")
    parser.add_argument("-f", "--values-file", default="", help="Kyverno values file (kind: Values)")
    parser.add_argument("-u", "--userinfo", default="", help="admission user info file (roles, clusterRoles, userInfo)")
    parser.add_argument("-e", "--exception", action="append", default=[], help="PolicyException file or folder")
    parser.add_argument("--set", action="append", default=[], help="a global value KEY=VALUE (repeatable)")
    parser.add_argument("--audit-warn", action="store_true", help="report fails of Audit policies as warnings")
    parser.add_argument("--warn-exit-code", type=int, default=0, help="exit code when there are warnings")
    parser.add_argument("--warn-no-pass", action="store_true", help="use --warn-exit-code when nothing passed")
    parser.add_argument("-p", "--policy-report", action="store_true", help="print a ClusterPolicyReport (YAML)")
    parser.add_argument("-t", "--table", action="store_true", help="print the results as a table")
    parser.add_argument("--detailed-results", action="store_true", help="with --table, add messages")
    parser.add_argument("--remove-color", action="store_true", help="no ANSI colours")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: number of cores)")


def _values(args: argparse.Namespace) -> Values:
    data: dict[str, Any] = {}
    if args.values_file:
        data = dict(load_yaml_mapping(args.values_file, "values file") or {})
    if args.set:
        gv = dict(data.get("globalValues") or {})
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
            gv[key] = value
        data["globalValues"] = gv
    return Values.parse(data, file=args.values_file)


def run(args: argparse.Namespace) -> int:
    if not args.resource:
        raise UsageError("at least one --resource is required")
    if sum(1 for p in [*args.policies, *args.resource] if p == "-") > 1:
        raise UsageError("only one of the inputs can be - (stdin)")
    t0 = time.perf_counter()
    user_info = load_single(args.userinfo).data if args.userinfo else None
    pset = load_policy_files(args.policies)
    eset = load_policy_files(args.exception) if args.exception else None
    exceptions = [*pset.exceptions, *(eset.exceptions if eset else [])]
    loaded = LoadedPolicies.build(pset.policies, exceptions)
    engine = KyvernoEngine(Options(values=_values(args), user_info=user_info))
    result = apply(engine, loaded, args.resource, jobs=args.jobs)
    result.timings["wall"] = time.perf_counter() - t0
    load_errors = [*pset.errors, *(eset.errors if eset else [])]
    c = counts(result, audit_warn=args.audit_warn)
    policy_errors = [e for e in load_errors if e.stage == "policy"]
    c["error"] += len(policy_errors)
    input_errors = [e for e in [*load_errors, *result.errors] if e.stage != "policy"]
    for err in [*policy_errors, *input_errors]:
        print(f"policy-platform: error: {err.display()}", file=sys.stderr)
    if args.format == "json":
        items = []
        for res in result.resources:
            for o in res.outcomes:
                items.append(
                    {
                        "policy": o.policy,
                        "rule": o.rule,
                        "resource": {
                            "apiVersion": res.api_version,
                            "kind": res.kind,
                            "namespace": res.namespace,
                            "name": res.name,
                        },
                        "status": effective_status(o, audit_warn=args.audit_warn),
                        "message": o.message,
                        "action": o.properties.get("action", ""),
                        "file": res.file,
                        "line": res.line,
                    }
                )
        for err in policy_errors:
            items.append({"policy": "", "rule": "", "resource": None, "status": "error", "message": err.display()})
        sys.stdout.write(json.dumps({"results": items, "summary": c}, indent=2) + "\n")
    elif args.policy_report:
        sys.stdout.write(dump(policy_report(result, audit_warn=args.audit_warn)))
    else:
        rules = sum(len(p.rules) for p in pset.policies)
        out = [f"Applying {rules} policy rule(s) to {len(result.resources)} resource(s)...", ""]
        if args.table:
            rows = []
            n = 0
            for res in result.resources:
                for o in res.outcomes:
                    n += 1
                    row = [str(n), o.policy, o.rule, res.display(), effective_status(o, audit_warn=args.audit_warn)]
                    if args.detailed_results:
                        row.append(" ".join(o.message.split()))
                    rows.append(row)
            headers = ["ID", "POLICY", "RULE", "RESOURCE", "RESULT"] + (["MESSAGE"] if args.detailed_results else [])
            out.extend(table(rows, headers))
            out.append("")
        else:
            status_of = status_memo(audit_warn=args.audit_warn)
            oneline: dict[str, str] = {}  # message → its one-line form (messages repeat across resources)
            for res in result.resources:
                by_policy: dict[str, list[Any]] = {}
                for o in res.outcomes:
                    st = status_of(o)
                    if st in ("fail", "warn", "error"):
                        by_policy.setdefault(o.policy, []).append((o, st))
                for pol, items2 in by_policy.items():
                    worst = "failed" if any(s == "fail" for _o, s in items2) else "has warnings or errors"
                    out.append(f"policy {pol} -> resource {res.display()} {worst}:")
                    for i, (o, st) in enumerate(items2, 1):
                        text = oneline.get(o.message)
                        if text is None:
                            text = oneline[o.message] = " ".join(o.message.split())
                        out.append(f"{i}. {o.rule} ({st}): {text}")
                    out.append("")
        out.append(f"pass: {c['pass']}, fail: {c['fail']}, warn: {c['warn']}, error: {c['error']}, skip: {c['skip']}")
        sys.stdout.write("\n".join(out) + "\n")
    code = exit_code(c, warn_exit_code=args.warn_exit_code, warn_no_pass=args.warn_no_pass)
    if input_errors and code == 0:
        return 2
    return code

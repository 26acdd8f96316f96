"""`policy-platform sources`: list sources with type, reference, pin, version, lock and cache state (no network)."""

from __future__ import annotations

import argparse
import json

from policy_platform.cli.commands._common import add_config

HELP = "list sources with pin, version and cache state"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", default=None, metavar="DIR", help="source cache directory")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_config(parser)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policy_platform.config import load_config
    from policy_platform.render.sources import chart_version, find_chart
    from policy_platform.sources import source_statuses

    config = load_config(args.config)
    rows = []
    for st in source_statuses(config, cache_dir=Path(args.cache_dir) if args.cache_dir else None):
        version = ""
        if st.root is not None:
            spec = config.source(st.name)
            try:
                chart = find_chart(st.root, spec.chart, what=f"source '{st.name}'")
                version = chart_version(chart) if chart is not None else ""
            except Exception:
                version = "?"
        rows.append({"name": st.name, "type": st.type, "ref": st.ref, "pin": st.pin, "version": version,
                     "lock": st.locked, "cache": st.cached})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    headers = ["NAME", "TYPE", "REF", "PIN", "VERSION", "LOCK", "CACHE"]
    table = [headers] + [[r["name"], r["type"], r["ref"], r["pin"][:19], r["version"], r["lock"], r["cache"]]
                         for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0

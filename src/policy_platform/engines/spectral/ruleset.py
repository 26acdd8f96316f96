"""Loading Spectral rulesets (``.spectral.yaml``/``.yml``/``.json``) into compiled, immutable :class:`Ruleset` objects.

What is read (reference: ``docs/reference/spectral.md`` §1-3): ``rules`` (full definitions and the ``off``/``true``/
severity shorthands), ``extends`` (relative files, ``spectral:oas|asyncapi|arazzo``, ``[target, all|recommended|off]``;
cycles ignored), ``overrides`` (file globs relative to the ruleset, ``file#/pointer`` severity overrides, later entries
win, longest pointer prefix wins), ``aliases`` (plain and format-scoped, nestable, ``#Name.tail``), ``formats``,
``parserOptions``, Spectral 5's ``except`` (read as pointer overrides) and the metadata keys.

Every problem is collected with its file, line and column, Spectral-worded (``Function is not defined``, ``the value has
to be one of: 0, 1, 2, 3 or "error", …``); :class:`RulesetError` carries all of them. ``severity: warning`` — which
Spectral rejects — is read as ``warn`` with a notice in :attr:`Ruleset.notices` (or rejected with ``strict=True``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import re2

from policy_platform.engines.spectral.builtin import BUILTINS
from policy_platform.engines.spectral.document import ParsedDocument, parse_document
from policy_platform.engines.spectral.formats import FORMAT_ALIASES, FORMAT_NAMES
from policy_platform.engines.spectral.functions import FUNCTIONS, CoreFunction
from policy_platform.engines.spectral.jsonpath import JsonPath, JsonPathSyntaxError, compile_path
from policy_platform.errors import PolicyLoadError

SEVERITIES: dict[str, int] = {"error": 0, "warn": 1, "info": 2, "hint": 3, "off": -1}
SEVERITY_ERROR = 'the value has to be one of: 0, 1, 2, 3 or "error", "warn", "info", "hint", "off"'
GIVEN_ERROR = (
    "must be a valid JSON Path expression or a reference to the existing Alias optionally paired with a JSON Path "
    "expression subset"
)
RULESET_FILES = (".spectral.yaml", ".spectral.yml", ".spectral.json")
_TOP_KEYS = frozenset({"rules", "extends", "formats", "overrides", "aliases", "functions", "functionsDir",
                       "parserOptions", "documentationUrl", "description", "except"})
_RULE_KEYS = frozenset({"given", "then", "description", "message", "severity", "recommended", "resolved", "formats",
                        "documentationUrl", "tags", "type", "extensions"})
_THEN_KEYS = frozenset({"field", "function", "functionOptions"})
_ALIAS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_ALIAS_REF = re.compile(r"^#([A-Za-z][A-Za-z0-9_-]*)(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Issue:
    """One ruleset problem: ``file:line:col — message`` (line and column 1-based, when known)."""

    file: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message if not self.file else f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column} — {self.message}"


class RulesetError(PolicyLoadError):
    """An invalid ruleset; ``issues`` lists every problem found (the message names the first)."""

    def __init__(self, issues: list[Issue]) -> None:
        first = issues[0]
        more = f" (and {len(issues) - 1} more problem{'s' if len(issues) > 2 else ''})" if len(issues) > 1 else ""
        super().__init__(first.message + more, file=first.file or None,
                         line=first.line)
        self.issues = issues

    def __str__(self) -> str:
        first = self.issues[0]
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        return f"{first}{more}"


@dataclass(frozen=True, slots=True)
class Given:
    """One compiled ``given`` path; ``formats`` is set when it came from a format-scoped alias."""

    source: str
    path: JsonPath
    formats: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Then:
    """One ``then`` entry: ``field_kind`` is none, key, jsonpath or lodash."""

    field: str | None
    field_kind: str
    field_path: Any
    function: CoreFunction
    options: Any


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule; ``severity`` is -1 when the rule is off."""

    name: str
    given: tuple[Given, ...]
    then: tuple[Then, ...]
    severity: int
    message: str | None
    description: str | None
    formats: frozenset[str] | None
    recommended: bool = True
    resolved: bool = True
    documentation_url: str | None = None


@dataclass(frozen=True, slots=True)
class PointerOverride:
    """``file#/pointer`` override: rule name → severity for results under ``pointer`` in matching files."""

    files: tuple[str, ...]
    pointer: str
    rules: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class FileOverride:
    """An ``overrides`` entry without pointers: compiled rule replacements for matching files."""

    files: tuple[str, ...]
    rules: tuple[tuple[str, Rule], ...]
    formats: tuple[str, ...]
    parser_options: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A loaded ruleset. ``rules`` holds every rule (off ones with severity -1); ``formats`` lists the registered
    formats (union over extends) for the ``unrecognized-format`` check."""

    path: str
    directory: str
    rules: dict[str, Rule]
    formats: tuple[str, ...]
    parser_options: dict[str, int]
    file_overrides: tuple[FileOverride, ...] = ()
    pointer_overrides: tuple[PointerOverride, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def enabled_rules(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.severity >= 0]


# ------------------------------------------------------------------------------------------------------------ loading


@dataclass(frozen=True, slots=True)
class _Where:
    file: str
    doc: ParsedDocument | None
    path: tuple[str | int, ...]

    def issue(self, message: str) -> Issue:
        if self.doc is None:
            return Issue(self.file, None, None, message)
        (line, col), _ = self.doc.range_for(self.path)
        return Issue(self.file, line + 1, col + 1, message)


@dataclass(slots=True)
class _RuleState:
    name: str
    defn: dict[str, Any]
    origin: dict[str, _Where]
    where: _Where
    enabled: bool
    base_formats: tuple[str, ...] | None = None
    base_doc_url: str | None = None
    owner: int = 0


@dataclass(slots=True)
class _Loaded:
    rules: dict[str, _RuleState] = field(default_factory=dict)
    formats: list[str] = field(default_factory=list)
    aliases: dict[str, tuple[Any, _Where]] = field(default_factory=dict)
    parser_options: dict[str, int] = field(default_factory=dict)
    builtin_rules_ok: bool = False


class _Loader:
    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.issues: list[Issue] = []
        self.notices: list[str] = []
        self.custom_functions: set[str] = set()
        self.ruleset_ids = 0

    # ---- helpers
    def display(self, path: Path) -> str:
        try:
            rel = os.path.relpath(path)
        except ValueError:
            return str(path)
        return rel if not rel.startswith("..") else str(path)

    def severity(self, value: Any, where: _Where) -> int | None:
        if isinstance(value, bool):
            self.issues.append(where.issue(SEVERITY_ERROR))
            return None
        if isinstance(value, int) and value in (0, 1, 2, 3):
            return value
        if isinstance(value, str):
            if value in SEVERITIES:
                return SEVERITIES[value]
            if value == "warning" and not self.strict:
                issue = where.issue("")
                self.notices.append(
                    f"{issue.file}:{issue.line}: severity 'warning' is not a Spectral severity; read as 'warn'"
                )
                return 1
        self.issues.append(where.issue(SEVERITY_ERROR))
        return None

    # ---- files
    def load_file(self, path: Path, stack: tuple[Path, ...], mode: str = "recommended") -> _Loaded:
        display = self.display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.issues.append(Issue(display, None, None, "ruleset file not found"))
            return _Loaded()
        except (OSError, UnicodeDecodeError) as exc:
            self.issues.append(Issue(display, None, None, f"cannot read ruleset: {exc}"))
            return _Loaded()
        doc = parse_document(text, display)
        if doc.fatal:
            diag = doc.diagnostics[0]
            self.issues.append(Issue(display, diag.range[0][0] + 1, diag.range[0][1] + 1, diag.message))
            return _Loaded()
        for diag in doc.diagnostics:
            self.issues.append(Issue(display, diag.range[0][0] + 1, diag.range[0][1] + 1, diag.message))
        return self.load_data(doc.data, doc, display, path.parent, (*stack, path.resolve()), mode)

    def load_data(self, data: Any, doc: ParsedDocument | None, display: str, directory: Path,
                  stack: tuple[Path, ...], mode: str = "recommended") -> _Loaded:
        """Read one ruleset. ``mode`` is how its parent extends it (``recommended``, ``all``, ``off``): as in Spectral
        it decides which of the rules this ruleset *owns* (defines) are enabled; inherited rules keep their state."""
        root = _Where(display, doc, ())
        loaded = _Loaded()
        self.ruleset_ids += 1
        owner = self.ruleset_ids
        if not isinstance(data, dict):
            self.issues.append(root.issue("Provided ruleset is not an object"))
            return loaded
        if not any(k in data for k in ("rules", "extends", "overrides")):
            self.issues.append(Issue(display, 1, 1, "Ruleset must have rules or extends or overrides defined"))
            return loaded
        for key in data:
            if key not in _TOP_KEYS and not str(key).startswith("x-"):
                self.issues.append(root.issue("must NOT have additional properties"))
        if "documentationUrl" in data and not _is_url(data["documentationUrl"]):
            self.issues.append(_Where(display, doc, ("documentationUrl",)).issue("must be a valid URL"))
        if "description" in data and not isinstance(data["description"], str):
            self.issues.append(_Where(display, doc, ("description",)).issue("must be string"))
        # extends
        if "extends" in data:
            self.apply_extends(loaded, data["extends"], _Where(display, doc, ("extends",)), directory, stack)
        # formats
        own_formats: tuple[str, ...] | None = None
        if "formats" in data:
            own_formats = self.formats(data["formats"], _Where(display, doc, ("formats",)))
            for f in own_formats:
                if f not in loaded.formats:
                    loaded.formats.append(f)
        # aliases
        if "aliases" in data:
            self.read_aliases(loaded, data["aliases"], _Where(display, doc, ("aliases",)))
        # parserOptions
        if "parserOptions" in data:
            self.read_parser_options(loaded.parser_options, data["parserOptions"], _Where(display, doc,
                                                                                         ("parserOptions",)))
        if "functions" in data:
            funcs = data["functions"]
            if not isinstance(funcs, list) or not all(isinstance(f, str) for f in funcs):
                self.issues.append(_Where(display, doc, ("functions",)).issue("must be array of strings"))
            else:
                self.custom_functions.update(funcs)
        # rules
        rules = data.get("rules", {})
        if not isinstance(rules, dict):
            self.issues.append(_Where(display, doc, ("rules",)).issue("must be object"))
            rules = {}
        doc_url = data.get("documentationUrl")
        for name, value in rules.items():
            self.apply_rule(loaded, str(name), value, _Where(display, doc, ("rules", name)), own_formats,
                            doc_url if isinstance(doc_url, str) else None, owner)
        for state in loaded.rules.values():
            if state.owner == owner:
                recommended = state.defn.get("recommended", True) is not False
                state.enabled = mode == "all" or (mode == "recommended" and recommended)
        return loaded

    def formats(self, value: Any, where: _Where) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.issues.append(where.issue("must be an array of formats"))
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            name = FORMAT_ALIASES.get(item, item) if isinstance(item, str) else item
            if not isinstance(name, str) or name not in FORMAT_NAMES:
                self.issues.append(_Where(where.file, where.doc, (*where.path, i)).issue(
                    "must be a valid format"))
                continue
            out.append(name)
        return tuple(out)

    def read_parser_options(self, target: dict[str, int], value: Any, where: _Where) -> None:
        if not isinstance(value, dict):
            self.issues.append(where.issue("must be object"))
            return
        for key, sev in value.items():
            sub = _Where(where.file, where.doc, (*where.path, key))
            if key not in ("duplicateKeys", "incompatibleValues"):
                self.issues.append(sub.issue("must NOT have additional properties"))
                continue
            parsed = self.severity(sev, sub)
            if parsed is not None:
                target[key] = parsed

    def read_aliases(self, loaded: _Loaded, value: Any, where: _Where) -> None:
        if not isinstance(value, dict):
            self.issues.append(where.issue("must be object"))
            return
        for name, alias in value.items():
            sub = _Where(where.file, where.doc, (*where.path, name))
            if not isinstance(name, str) or not _ALIAS_NAME.match(name):
                self.issues.append(where.issue(
                    "to avoid confusion the name must match /^[A-Za-z][A-Za-z0-9_-]*$/ regular expression"))
                continue
            problem = self.alias_problem(alias, sub)
            if problem is None:
                loaded.aliases[name] = (alias, sub)
            else:
                self.issues.append(problem)

    def alias_problem(self, alias: Any, where: _Where) -> Issue | None:
        """Spectral's alias validation: a non-empty list of expressions, or ``{targets: [{formats, given}]}``."""
        def given_problem(items: Any, at: _Where) -> Issue | None:
            if not isinstance(items, list) or not items:
                return at.issue("must be a non-empty array of expressions")
            for index, item in enumerate(items):
                if not isinstance(item, str) or not (item.startswith("$") or _ALIAS_REF.match(item)):
                    return _Where(at.file, at.doc, (*at.path, index)).issue(GIVEN_ERROR)
            return None

        if isinstance(alias, list):
            return given_problem(alias, where)
        if not isinstance(alias, dict) or "targets" not in alias:
            return where.issue("targets must be present and have at least a single alias definition")
        targets = alias["targets"]
        at_targets = _Where(where.file, where.doc, (*where.path, "targets"))
        if not isinstance(targets, list):
            return at_targets.issue("must be array")
        if not targets:
            return at_targets.issue("targets must have at least a single alias definition")
        for index, target in enumerate(targets):
            at = _Where(where.file, where.doc, (*where.path, "targets", index))
            if (not isinstance(target, dict) or "given" not in target or not isinstance(target.get("formats"), list)
                    or not target["formats"]):
                return at.issue("a valid target must contain given and non-empty formats")
            problem = given_problem(target["given"], _Where(at.file, at.doc, (*at.path, "given")))
            if problem is not None:
                return problem
        return None

    def apply_extends(self, loaded: _Loaded, value: Any, where: _Where, directory: Path,
                      stack: tuple[Path, ...]) -> None:
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            sub = _Where(where.file, where.doc, (*where.path, i) if isinstance(value, list) else where.path)
            mode = "recommended"
            target = item
            if isinstance(item, list):
                if len(item) != 2 or not isinstance(item[0], str):
                    self.issues.append(sub.issue("must be a valid ruleset"))
                    continue
                if item[1] not in ("all", "recommended", "off"):
                    self.issues.append(_Where(sub.file, sub.doc, (*sub.path, 1)).issue(
                        'allowed types are "off", "recommended" and "all"'))
                    continue
                target, mode = item
            if not isinstance(target, str):
                self.issues.append(sub.issue("must be a valid ruleset"))
                continue
            if target in BUILTINS:
                builtin = BUILTINS[target]
                for f in builtin.formats:
                    if f not in loaded.formats:
                        loaded.formats.append(f)
                builtin_where = _Where(target, None, ())
                for alias_name, alias_value in builtin.aliases.items():
                    loaded.aliases.setdefault(alias_name, (alias_value, builtin_where))
                loaded.builtin_rules_ok = True
                continue
            if re.match(r"^[a-z]+://", target) or not (target.startswith((".", "/")) or
                                                       target.endswith((".yaml", ".yml", ".json"))):
                self.issues.append(sub.issue(
                    f'cannot extend "{target}": only local ruleset files and spectral:oas, spectral:asyncapi, '
                    "spectral:arazzo are supported"))
                continue
            path = (directory / target).resolve()
            if path in stack:
                continue  # cycles are ignored, as in Spectral
            if not path.is_file():
                self.issues.append(sub.issue(f'cannot extend "{target}": no such file ({self.display(path)})'))
                continue
            child = self.load_file(path, stack, mode)
            for f in child.formats:
                if f not in loaded.formats:
                    loaded.formats.append(f)
            for alias_name, alias_value in child.aliases.items():
                loaded.aliases[alias_name] = alias_value
            for key, sev in child.parser_options.items():
                loaded.parser_options[key] = sev
            loaded.builtin_rules_ok = loaded.builtin_rules_ok or child.builtin_rules_ok
            for name, state in child.rules.items():
                loaded.rules[name] = _RuleState(name, dict(state.defn), dict(state.origin), state.where,
                                                state.enabled, state.base_formats, state.base_doc_url, state.owner)

    def apply_rule(self, loaded: _Loaded, name: str, value: Any, where: _Where,
                   own_formats: tuple[str, ...] | None, doc_url: str | None = None, owner: int = 0) -> None:
        existing = loaded.rules.get(name)
        if isinstance(value, bool) or (isinstance(value, str | int) and not isinstance(value, dict)):
            if existing is None:
                if loaded.builtin_rules_ok:
                    return  # a rule of a built-in ruleset: format-gated, never runs on values files
                self.issues.append(Issue("", None, None, f'Cannot extend non-existing rule: "{name}"'))
                return
            if isinstance(value, bool):
                existing.enabled = value
                return
            sev = self.severity(value, where)
            if sev is None:
                return
            if sev == -1:
                existing.enabled = False
                return
            existing.defn["severity"] = value if value != "warning" else "warn"
            existing.origin["severity"] = where
            existing.enabled = True
            return
        if not isinstance(value, dict):
            self.issues.append(where.issue("must be a rule object, a severity or a boolean"))
            return
        if existing is not None:
            existing.defn.update(value)
            for key in value:
                existing.origin[key] = _Where(where.file, where.doc, (*where.path, key))
            existing.enabled = True
            return
        origin = {key: _Where(where.file, where.doc, (*where.path, key)) for key in value}
        enabled = value.get("recommended", True) is not False
        loaded.rules[name] = _RuleState(name, dict(value), origin, where, enabled, own_formats, doc_url, owner)

    # ---- compile
    def compile_rule(self, state: _RuleState, aliases: dict[str, tuple[Any, _Where]]) -> Rule | None:
        defn = state.defn
        where = state.where
        before = len(self.issues)
        if "given" not in defn or "then" not in defn:
            self.issues.append(where.issue('the rule must have at least "given" and "then" properties'))
            return None
        if any(k not in _RULE_KEYS for k in defn):
            self.issues.append(where.issue("must NOT have additional properties"))
        severity = 1
        if "severity" in defn:
            sev = self.severity(defn["severity"], state.origin["severity"])
            severity = sev if sev is not None else 1
        message = defn.get("message")
        if message is not None and not isinstance(message, str):
            self.issues.append(state.origin["message"].issue("must be string"))
        description = defn.get("description")
        if description is not None and not isinstance(description, str):
            self.issues.append(state.origin["description"].issue("must be string"))
        for flag in ("recommended", "resolved"):
            if flag in defn and not isinstance(defn[flag], bool):
                self.issues.append(state.origin[flag].issue("must be boolean"))
        if "type" in defn and defn["type"] not in ("style", "validation"):
            self.issues.append(state.origin["type"].issue('allowed types are "style" and "validation"'))
        if "documentationUrl" in defn and not _is_url(defn["documentationUrl"]):
            self.issues.append(state.origin["documentationUrl"].issue("must be a valid URL"))
        formats: frozenset[str] | None = None
        if "formats" in defn:
            formats = frozenset(self.formats(defn["formats"], state.origin["formats"]))
        elif state.base_formats:
            formats = frozenset(state.base_formats)
        given = self.compile_given(defn["given"], state.origin["given"], aliases)
        thens = self.compile_then(defn["then"], state.origin["then"])
        if len(self.issues) > before:
            return None
        return Rule(
            name=state.name,
            given=tuple(given),
            then=tuple(thens),
            severity=severity if state.enabled else -1,
            message=message,
            description=description,
            formats=formats,
            recommended=defn.get("recommended", True) is not False,
            resolved=defn.get("resolved", True) is not False,
            documentation_url=_doc_url(defn.get("documentationUrl"), state.base_doc_url, state.name),
        )

    def compile_given(self, value: Any, where: _Where, aliases: dict[str, tuple[Any, _Where]]) -> list[Given]:
        items = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            self.issues.append(where.issue("must be a non-empty array"))
            return []
        out: list[Given] = []
        for i, expr in enumerate(items):
            sub = _Where(where.file, where.doc, (*where.path, i)) if isinstance(value, list) else where
            if not isinstance(expr, str):
                self.issues.append(sub.issue(GIVEN_ERROR))
                continue
            out.extend(self.expand(expr, sub, aliases, None, ()))
        return out

    def expand(self, expr: str, where: _Where, aliases: dict[str, tuple[Any, _Where]],
               formats: frozenset[str] | None, seen: tuple[str, ...]) -> list[Given]:
        if expr.startswith("$"):
            try:
                return [Given(expr, compile_path(expr), formats)]
            except JsonPathSyntaxError:
                self.issues.append(where.issue(GIVEN_ERROR))
                return []
        found = _ALIAS_REF.match(expr)
        if not found:
            self.issues.append(where.issue(GIVEN_ERROR))
            return []
        name, tail = found.group(1), found.group(2)
        if name not in aliases:
            self.issues.append(where.issue(f'Alias "{name}" does not exist'))
            return []
        if name in seen:
            self.issues.append(where.issue(f'Alias "{name}" is circular'))
            return []
        alias, _alias_where = aliases[name]
        out: list[Given] = []
        if isinstance(alias, list):
            for target in alias:
                out.extend(self.expand(str(target) + tail, where, aliases, formats, (*seen, name)))
        else:
            for target in alias.get("targets", []):
                scope = frozenset(FORMAT_ALIASES.get(f, f) for f in target.get("formats", []))
                # a scoped alias applies when the document matches one of the target's formats
                combined = scope if formats is None else formats & scope
                for g in target.get("given", []):
                    out.extend(self.expand(str(g) + tail, where, aliases, combined, (*seen, name)))
        return out

    def compile_then(self, value: Any, where: _Where) -> list[Then]:
        items = value if isinstance(value, list) else [value]
        out: list[Then] = []
        for i, item in enumerate(items):
            sub = _Where(where.file, where.doc, (*where.path, i)) if isinstance(value, list) else where
            if not isinstance(item, dict):
                self.issues.append(sub.issue("must be object"))
                continue
            if any(k not in _THEN_KEYS for k in item):
                self.issues.append(sub.issue("must NOT have additional properties"))
                continue
            if "function" not in item:
                self.issues.append(sub.issue('must have required property "function"'))
                continue
            fn_where = _Where(sub.file, sub.doc, (*sub.path, "function"))
            func = FUNCTIONS.get(item["function"]) if isinstance(item["function"], str) else None
            if func is None:
                name = item["function"]
                if isinstance(name, str) and name in self.custom_functions and name not in FUNCTIONS:
                    self.issues.append(fn_where.issue(
                        f'Function "{name}" is a custom JavaScript function, which policy-platform cannot run; '
                        "use the core functions"))
                else:
                    self.issues.append(fn_where.issue("Function is not defined"))
                continue
            options = item.get("functionOptions")
            opt_where = _Where(sub.file, sub.doc, (*sub.path, "functionOptions")) if "functionOptions" in item else sub
            problem = func.check_options(options)
            if problem:
                self.issues.append(opt_where.issue(problem))
                continue
            field_value = item.get("field")
            kind: str = "none"
            fpath: Any = None
            if field_value is not None:
                if not isinstance(field_value, str):
                    self.issues.append(_Where(sub.file, sub.doc, (*sub.path, "field")).issue("must be string"))
                    continue
                if field_value == "@key":
                    kind = "key"
                elif field_value.startswith("$"):
                    try:
                        fpath = compile_path(field_value, engine="jsonpath-plus")
                    except JsonPathSyntaxError as exc:
                        self.issues.append(_Where(sub.file, sub.doc, (*sub.path, "field")).issue(str(exc)))
                        continue
                    kind = "jsonpath"
                else:
                    kind, fpath = "lodash", lodash_path(field_value)
            out.append(Then(field_value, kind, fpath, func, func.prepare(options)))
        return out


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/]+", value))


def _doc_url(own: Any, base: str | None, name: str) -> str | None:
    """A rule's ``documentationUrl``, else the ruleset's with ``#rule-name`` appended (Spectral's rule)."""
    if isinstance(own, str):
        return own
    return f"{base}#{name}" if base else None


def lodash_path(text: str) -> tuple[str, ...]:
    """lodash ``toPath``: ``a.b[0].c`` → ``('a', 'b', '0', 'c')``; ``a["x.y"]`` keeps the quoted key."""
    out: list[str] = []
    i = 0
    buf = ""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == ".":
            if buf or (i > 0 and text[i - 1] not in "]"):
                out.append(buf)
            buf = ""
            i += 1
            continue
        if ch == "[":
            if buf:
                out.append(buf)
                buf = ""
            end = text.find("]", i)
            if end < 0:
                buf += text[i:]
                break
            inner = text[i + 1 : end]
            if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                inner = inner[1:-1]
            out.append(inner)
            i = end + 1
            continue
        buf += ch
        i += 1
    if buf or (text.endswith(".")):
        out.append(buf)
    return tuple(out)


# --------------------------------------------------------------------------------------------------------------- public


def find_ruleset(directory: str | Path = ".") -> Path | None:
    """The auto-discovered ruleset of ``directory`` (``.spectral.yaml``, ``.yml`` or ``.json``), if any."""
    for name in RULESET_FILES:
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def load_ruleset(path: str | Path, *, strict: bool = False) -> Ruleset:
    """Load and compile a ruleset file; raise :class:`RulesetError` (a ``PolicyLoadError``) listing every problem."""
    ruleset_path = Path(path)
    if ruleset_path.suffix in (".js", ".mjs", ".cjs", ".ts"):
        raise RulesetError([Issue(str(path), None, None,
                                  "JavaScript rulesets are not supported; use .spectral.yaml, .yml or .json")])
    loader = _Loader(strict)
    stack: tuple[Path, ...] = ()
    display = loader.display(ruleset_path)
    try:
        text = ruleset_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesetError([Issue(display, None, None, "ruleset file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError([Issue(display, None, None, f"cannot read ruleset: {exc}")]) from None
    doc = parse_document(text, display)
    if doc.fatal or doc.diagnostics:
        diag = doc.diagnostics[0]
        raise RulesetError([Issue(display, diag.range[0][0] + 1, diag.range[0][1] + 1, diag.message)])
    data = doc.data
    if isinstance(data, dict) and "except" in data:
        data = dict(data)
    loaded = loader.load_data(data, doc, display, ruleset_path.parent, (*stack, ruleset_path.resolve()))
    rules: dict[str, Rule] = {}
    for name, state in loaded.rules.items():
        rule = loader.compile_rule(state, loaded.aliases)
        if rule is not None:
            rules[name] = rule
    file_overrides, pointer_overrides = _overrides(loader, data, doc, display, ruleset_path.parent, loaded)
    if loader.issues:
        raise RulesetError(loader.issues)
    return Ruleset(
        path=display,
        directory=str(ruleset_path.parent.resolve()),
        rules=rules,
        formats=tuple(loaded.formats),
        parser_options=loaded.parser_options,
        file_overrides=tuple(file_overrides),
        pointer_overrides=tuple(pointer_overrides),
        notices=tuple(loader.notices),
    )


def load_ruleset_data(data: Any, *, name: str = "<ruleset>", directory: str | Path = ".",
                      strict: bool = False) -> Ruleset:
    """Compile a ruleset given as data (already parsed); ``directory`` anchors ``extends`` and ``overrides``."""
    loader = _Loader(strict)
    base = Path(directory)
    loaded = loader.load_data(data, None, name, base, ())
    rules: dict[str, Rule] = {}
    for rule_name, state in loaded.rules.items():
        rule = loader.compile_rule(state, loaded.aliases)
        if rule is not None:
            rules[rule_name] = rule
    file_overrides, pointer_overrides = _overrides(loader, data, None, name, base, loaded)
    if loader.issues:
        raise RulesetError(loader.issues)
    return Ruleset(name, str(base.resolve()), rules, tuple(loaded.formats), loaded.parser_options,
                   tuple(file_overrides), tuple(pointer_overrides), tuple(loader.notices))


def _overrides(loader: _Loader, data: Any, doc: ParsedDocument | None, display: str, directory: Path,
               base: _Loaded) -> tuple[list[FileOverride], list[PointerOverride]]:
    files_out: list[FileOverride] = []
    pointers_out: list[PointerOverride] = []
    if not isinstance(data, dict):
        return files_out, pointers_out
    if "except" in data:
        exc = data["except"]
        where = _Where(display, doc, ("except",))
        if not isinstance(exc, dict):
            loader.issues.append(where.issue("must be object"))
        else:
            for target, names in exc.items():
                sub = _Where(display, doc, ("except", target))
                file_part, _, pointer = str(target).partition("#")
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    loader.issues.append(sub.issue("must be array of rule names"))
                    continue
                pointers_out.append(PointerOverride((file_part,) if file_part else ("**",), "#" + pointer,
                                                    tuple((n, -1) for n in names)))
    if "overrides" not in data:
        return files_out, pointers_out
    overrides = data["overrides"]
    where = _Where(display, doc, ("overrides",))
    if not isinstance(overrides, list):
        loader.issues.append(where.issue("must be array"))
        return files_out, pointers_out
    if not overrides:
        loader.issues.append(where.issue("must not be empty"))
    for i, entry in enumerate(overrides):
        sub = _Where(display, doc, ("overrides", i))
        if not isinstance(entry, dict) or not isinstance(entry.get("files"), list) or not entry["files"]:
            loader.issues.append(sub.issue('must be a override, i.e. { "files": ["v2/**/*.json"], "rules": {} }'))
            continue
        unknown = set(entry) - {"files", "rules", "extends", "formats", "aliases", "parserOptions"}
        if unknown:
            loader.issues.append(sub.issue("must NOT have additional properties"))
            continue
        files = [str(f) for f in entry["files"]]
        with_pointer = [f for f in files if "#" in f]
        if with_pointer:
            if "rules" not in entry:
                loader.issues.append(sub.issue("must contain rules when JSON Pointers are defined"))
                continue
            if len(with_pointer) != len(files) or set(entry) - {"files", "rules"}:
                loader.issues.append(sub.issue(
                    "must not override any other property than rules when JSON Pointers are defined"))
                continue
            sev_rules: list[tuple[str, int]] = []
            for name, value in (entry.get("rules") or {}).items():
                sev = loader.severity(value, _Where(display, doc, ("overrides", i, "rules", name)))
                if sev is not None:
                    sev_rules.append((str(name), sev))
            for f in files:
                file_part, _, pointer = f.partition("#")
                pointers_out.append(PointerOverride((file_part or "**",), "#" + pointer, tuple(sev_rules)))
            continue
        # a file override behaves like a small ruleset extending the base one
        patch = _Loaded(
            rules={n: _RuleState(s.name, dict(s.defn), dict(s.origin), s.where, s.enabled, s.base_formats,
                                 s.base_doc_url, s.owner)
                   for n, s in base.rules.items()},
            formats=list(base.formats),
            aliases=dict(base.aliases),
            parser_options=dict(base.parser_options),
            builtin_rules_ok=base.builtin_rules_ok,
        )
        if "extends" in entry:
            loader.apply_extends(patch, entry["extends"], _Where(display, doc, ("overrides", i, "extends")),
                                 directory, ())
        formats: tuple[str, ...] = ()
        if "formats" in entry:
            formats = loader.formats(entry["formats"], _Where(display, doc, ("overrides", i, "formats")))
        if "aliases" in entry:
            loader.read_aliases(patch, entry["aliases"], _Where(display, doc, ("overrides", i, "aliases")))
        parser_options: dict[str, int] = {}
        if "parserOptions" in entry:
            loader.read_parser_options(parser_options, entry["parserOptions"],
                                       _Where(display, doc, ("overrides", i, "parserOptions")))
        touched: list[str] = []
        rules_value = entry.get("rules") or {}
        if not isinstance(rules_value, dict):
            loader.issues.append(_Where(display, doc, ("overrides", i, "rules")).issue("must be object"))
            rules_value = {}
        for name, value in rules_value.items():
            loader.apply_rule(patch, str(name), value, _Where(display, doc, ("overrides", i, "rules", name)),
                              formats or None)
            touched.append(str(name))
        if "extends" in entry:
            touched.extend(n for n in patch.rules if n not in base.rules)
        compiled: list[tuple[str, Rule]] = []
        for name in dict.fromkeys(touched):
            state = patch.rules.get(name)
            if state is None:
                continue
            rule = loader.compile_rule(state, patch.aliases)
            if rule is not None:
                compiled.append((name, rule))
        files_out.append(FileOverride(tuple(files), tuple(compiled), formats, tuple(parser_options.items())))
    return files_out, pointers_out


def glob_to_regex(pattern: str) -> Any:
    """A minimatch-like glob (``**``, ``*``, ``?``, ``{a,b}``, ``[…]``) as an anchored RE2 regex on ``/`` paths."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    depth = 0
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                if pattern.startswith("**/", i):
                    out.append("(?:.*/)?")
                    i += 3
                else:
                    out.append(".*")
                    i += 2
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "{":
            depth += 1
            out.append("(?:")
        elif ch == "}" and depth:
            depth -= 1
            out.append(")")
        elif ch == "," and depth:
            out.append("|")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    try:
        return re2.compile("^" + "".join(out) + "$")
    except re2.error:
        return re2.compile("^" + re.escape(pattern) + "$")


def glob_matches(pattern: str, relative: str) -> bool:
    pattern = pattern.removeprefix("./")
    return bool(glob_to_regex(pattern).match(relative))

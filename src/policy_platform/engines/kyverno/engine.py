"""The Kyverno-compatible validation engine: :class:`KyvernoEngine` (satisfies ``engines.base.Engine``).

Per resource (Kyverno ``pkg/engine/engine.go:invokeRuleHandler``): for each policy whose kinds may match, for each rule:
match/exclude (no match → no outcome), policy exceptions (→ skip), rule context (error → error), preconditions
(unmet → skip), then one handler: assert, manifests, podSecurity, cel, else deny, pattern/anyPattern, foreach.
Policies are compiled once by :meth:`KyvernoEngine.load` and indexed by kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from policy_platform._internal.yamlio import Document
from policy_platform.engines.base import EngineContext, PolicyDocument, RuleOutcome
from policy_platform.engines.kyverno import actions
from policy_platform.engines.kyverno.conditions import evaluate_conditions
from policy_platform.engines.kyverno.context import inject, load_entries
from policy_platform.engines.kyverno.exceptions import PolicyException, is_exception, load_exception
from policy_platform.engines.kyverno.images import images_context
from policy_platform.engines.kyverno.match import Request
from policy_platform.engines.kyverno.policy import Policy, Rule, is_policy, load_policy
from policy_platform.engines.kyverno.validation import EVAL_ERRORS, Level, Result, validate_level
from policy_platform.engines.kyverno.values import Values, add_values
from policy_platform.errors import PolicyLoadError
from policy_platform.model.findings import Status

OFFLINE = ("mutate", "generate", "verifyImages")
_FAIL = Status.FAIL
_DECIDED = frozenset({Status.PASS, Status.FAIL})  # statuses that end an applyRules: One policy


@dataclass(frozen=True, slots=True)
class LoadedPolicies:
    """Compiled policies and exceptions with a kind index: ``by_kind`` maps a kind to the positions of every policy
    that may apply to it (wildcard-kind policies merged in, load order); ``any_kind`` serves kinds not in the index."""

    policies: tuple[Policy, ...] = ()
    exceptions: tuple[PolicyException, ...] = ()
    by_kind: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    any_kind: tuple[int, ...] = ()

    def candidates(self, kind: str) -> Sequence[Policy]:
        """Policies that may have a rule for ``kind``, in load order."""
        idx = self.by_kind.get(kind)
        if idx is None:
            return [self.policies[i] for i in self.any_kind]
        return [self.policies[i] for i in idx]

    @staticmethod
    def build(policies: Sequence[Policy], exceptions: Sequence[PolicyException] = ()) -> LoadedPolicies:
        by_kind: dict[str, list[int]] = {}
        any_kind: list[int] = []
        for i, pol in enumerate(policies):
            kinds: set[str] = set()
            wildcard = False
            for rule in pol.rules:
                if rule.kinds is None:
                    wildcard = True
                    break
                kinds.update(rule.kinds)
            if wildcard:
                any_kind.append(i)
            else:
                for k in kinds:
                    by_kind.setdefault(k, []).append(i)
        merged = {k: tuple(sorted(set(v) | set(any_kind))) for k, v in by_kind.items()}
        return LoadedPolicies(
            policies=tuple(policies),
            exceptions=tuple(exceptions),
            by_kind=merged,
            any_kind=tuple(any_kind),
        )


@dataclass(frozen=True, slots=True)
class Options:
    """Run inputs the Kyverno CLI takes besides policies and resources."""

    values: Values = field(default_factory=Values)
    user_info: Mapping[str, Any] | None = None
    default_namespace: str = "default"


def with_default_namespace(resource: dict[str, Any], namespace: str) -> dict[str, Any]:
    """The resource with ``metadata.namespace`` set when missing (the Kyverno CLI does this for every resource)."""
    meta = resource.get("metadata")
    if not namespace or (isinstance(meta, dict) and meta.get("namespace")):
        return resource
    new_meta = dict(meta) if isinstance(meta, dict) else {}
    new_meta["namespace"] = namespace
    out = dict(resource)
    out["metadata"] = new_meta
    return out


def _statement_keys(value: Any, out: set[str]) -> None:
    """Every mapping key anywhere in a match/exclude statement."""
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(str(k))
            _statement_keys(v, out)
    elif isinstance(value, list):
        for v in value:
            _statement_keys(v, out)


def _str_items(mapping: Mapping[str, Any]) -> tuple[tuple[str, str], ...] | None:
    """The items of a labels/annotations map as a hashable key, or None when some key or value is not a string."""
    items = tuple(mapping.items())
    for k, v in items:
        if type(k) is not str or type(v) is not str:
            return None
    return items


class KyvernoEngine:
    """Kyverno 1.13 validation, offline."""

    name = "kyverno"

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        # per-engine memo of (policy, namespace) → outcome properties incl. the resolved failure action
        self._props: dict[tuple[int, str], dict[str, str]] = {}
        # per-engine memo of match/exclude: policy id → (policy, what its statements read, {request key: rules})
        self._match: dict[int, tuple[Policy, tuple[bool, bool, bool], dict[Any, tuple[Rule, ...]]]] = {}
        # per-engine memo of the CREATE-request candidates per (loaded, group, version, kind, namespace)
        self._static: dict[tuple[Any, ...], tuple[LoadedPolicies, list[tuple[Policy, tuple[Rule, ...] | None]]]] = {}
        # per-engine intern table of outcomes: (policy id, rule id, status, message, path, properties id) → outcome
        self._outcomes: dict[tuple[Any, ...], tuple[Rule, RuleOutcome]] = {}
        # per-engine memo of the routes of a rule set in evaluate_resource (see _route): id → (rules, routes)
        self._routes: dict[int, tuple[tuple[Rule, ...], list[list[Any]]]] = {}
        self._route_of: dict[int, list[Any]] = {}

    # --- loading --------------------------------------------------------------------------------------------------
    def load(self, policies: Sequence[PolicyDocument]) -> LoadedPolicies:
        """Compile ClusterPolicy/Policy (and PolicyException) documents; other kinds are ignored."""
        compiled: list[Policy] = []
        exceptions: list[PolicyException] = []
        for pd in policies:
            doc = pd.document
            data = doc.data
            line = doc.start_line + 1
            if is_policy(data):
                compiled.append(load_policy(data, file=doc.file, line=line, origin=pd.origin))
            elif is_exception(data):
                exceptions.append(load_exception(data, file=doc.file, line=line))
        return LoadedPolicies.build(compiled, exceptions)

    def load_tolerant(self, policies: Sequence[PolicyDocument]) -> tuple[LoadedPolicies, list[PolicyLoadError]]:
        """Like :meth:`load`, but an invalid document is returned as an error and every other policy still loads."""
        compiled: list[Policy] = []
        exceptions: list[PolicyException] = []
        errors: list[PolicyLoadError] = []
        for pd in policies:
            doc = pd.document
            data = doc.data
            line = doc.start_line + 1
            try:
                if is_policy(data):
                    compiled.append(load_policy(data, file=doc.file, line=line, origin=pd.origin))
                elif is_exception(data):
                    exceptions.append(load_exception(data, file=doc.file, line=line))
            except PolicyLoadError as exc:
                errors.append(exc)
        return LoadedPolicies.build(compiled, exceptions), errors

    # --- evaluation -----------------------------------------------------------------------------------------------
    def evaluate(self, loaded: LoadedPolicies, document: Document, context: EngineContext) -> Iterator[RuleOutcome]:
        del context
        data = document.data
        if not isinstance(data, dict):
            return iter(())
        items = data.get("items")
        if data.get("kind") == "List" and isinstance(items, list):
            return iter(self._evaluate_list(loaded, items))
        return iter(self.evaluate_resource(loaded, data))

    def _evaluate_list(self, loaded: LoadedPolicies, items: list[Any]) -> list[RuleOutcome]:
        """Outcomes of every item of a ``kind: List``, paths prefixed with ``items/<i>`` so lines resolve."""
        out: list[RuleOutcome] = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                for o in self.evaluate_resource(loaded, item):
                    out.append(replace(o, path=("items", i, *o.path)))
        return out

    def evaluate_resource(self, loaded: LoadedPolicies, resource: dict[str, Any]) -> list[RuleOutcome]:
        """Every rule outcome of every policy on one resource, in policy and rule order."""
        opts = self.options
        resource = with_default_namespace(resource, opts.default_namespace)
        kind = str(resource.get("kind") or "")
        target = None
        if opts.values.subresources:
            target = opts.values.subresource_target(str(resource.get("apiVersion") or ""), kind)
        if target is not None:
            kind = target[2]  # matched as ParentKind/subresource (values file ``subresources``)
        policies = loaded.candidates(kind)
        if not policies:
            return []
        meta = resource.get("metadata") or {}
        name = str(meta.get("name") or "")
        namespace = str(meta.get("namespace") or "")
        ns_labels = opts.values.namespace_labels.get(namespace, {})
        base: dict[str, Any] | None = None
        activations: dict[str, Any] = {}
        requests: dict[str, Request] = {}
        has_values = bool(opts.values.resources or opts.values.global_values)
        out: list[RuleOutcome] = []
        plan: list[tuple[Policy, str, Request, tuple[Rule, ...]]] = []
        if not has_values:
            create = Request.of(
                resource, operation="CREATE", namespace_labels=ns_labels, user_info=opts.user_info, target=target
            )
            for policy, known in self._static_plan(loaded, policies, kind, create):
                applicable = self._applicable(policy, kind, create) if known is None else known
                if applicable:
                    plan.append((policy, "CREATE", create, applicable))
        for policy in policies if has_values else ():
            if policy.kind == "Policy" and namespace != policy.namespace:
                continue
            operation = opts.values.operation_for(policy.plain_name, name)
            req = requests.get(operation)
            if req is None:
                req = Request.of(
                    resource, operation=operation, namespace_labels=ns_labels, user_info=opts.user_info, target=target
                )
                requests[operation] = req
            applicable = self._applicable(policy, kind, req)
            if applicable:
                plan.append((policy, operation, req, applicable))
        activations["plan"] = plan  # the cel handler binds the inputs of all applicable cel rules at once
        interned = self._outcomes
        routes = self._routes
        direct = not loaded.exceptions and not opts.values.rules
        for policy, operation, req, applicable in plan:
            if base is None:
                base = self._base_context(resource, namespace)
            ctx = add_values(base, opts.values.resources.get((policy.plain_name, name))) if has_values else base
            if operation != "CREATE":
                ctx = add_values(ctx, {"request.operation": operation})
                if operation == "UPDATE":
                    ctx = add_values(ctx, {"request.oldObject": resource})
                elif operation == "DELETE":
                    request = dict(ctx["request"])
                    request["oldObject"] = request.pop("object", resource)
                    ctx = {**ctx, "request": request}
            props = self._props.get((id(policy), namespace))
            if props is None:
                action = actions.resolve(policy.spec, namespace, ns_labels)
                props = {**policy.properties, "action": action}
                if len(self._props) < 100_000:
                    self._props[(id(policy), namespace)] = props
            action = props["action"]
            scored = policy.scored
            apply_one = policy.apply_one
            is_create = operation == "CREATE"
            # the common rules (no context, no preconditions, nothing from a values file or an exception) go
            # straight to their handler; everything else through _rule. Routes per rule, looked up per rule set
            # (match results are memoized, so the same tuple recurs; the entry holds it, so its id stays unique)
            found = routes.get(id(applicable))
            if found is None or found[0] is not applicable:
                found = (applicable, [self._route(rule) for rule in applicable])
                if len(routes) < 100_000:
                    routes[id(applicable)] = found
            for rule, route in zip(applicable, found[1], strict=True):
                code = route[1] if direct else 0
                if code == 1:
                    result = self._cel(rule, resource, req, activations)
                elif code == 2 and operation != "DELETE":
                    run = route[2]  # the level's compiled runner: what validate_level(top=True) calls
                    if run is not None:
                        result = run(ctx, resource)
                    else:
                        result = validate_level(rule.level, ctx, resource, top=True)
                else:
                    result = self._rule(loaded, policy, rule, ctx, resource, req, activations)
                if result is None:
                    continue
                if is_create and result is route[3] and props is route[4]:
                    # the handler returned the very result it gave last time (handlers share their constant
                    # results): same outcome as last time for this rule
                    outcome = route[5]
                    out.append(outcome)
                    if apply_one and outcome.status in _DECIDED:
                        break
                    continue
                status = result.status
                if status is _FAIL:
                    if (
                        operation == "UPDATE"
                        and action == "Enforce"
                        and rule.handler in ("pattern", "anyPattern")
                        and (rule.data.get("validate") or {}).get("allowExistingViolations", True) is not False
                    ):
                        status = Status.SKIP
                    elif not scored:
                        status = Status.WARN
                # equal outcomes (most passes, many failures) are one shared frozen object: building a RuleOutcome
                # costs ~4 µs, the lookup ~0.3 µs
                # (the entry holds rule and, through the outcome, props alive, so their ids stay unique)
                key = (id(rule), status, result.message, result.path, id(props))
                entry = interned.get(key)
                if entry is not None:
                    outcome = entry[1]
                else:
                    outcome = RuleOutcome(
                        policy=policy.name,
                        rule=rule.name,
                        status=status,
                        message=result.message,
                        path=result.path,
                        severity=policy.severity,
                        origin=policy.origin,
                        properties=props,
                    )
                    if len(interned) < 200_000:
                        interned[key] = (rule, outcome)
                if is_create:
                    route[3] = result  # compared by identity next time
                    route[4] = props
                    route[5] = outcome
                out.append(outcome)
                if apply_one and status in _DECIDED:
                    break
        return out

    def _route(self, rule: Rule) -> list[Any]:
        """How ``evaluate_resource`` runs ``rule`` (memoized per rule): ``[rule, code, runner, last result, last
        properties, last outcome]``. Code 1 = the cel handler directly, 2 = its validation level's runner directly,
        0 = through :meth:`_rule`; 1 and 2 apply only when the run has no exceptions and no per-rule values. The last
        three slots remember the outcome of the last CREATE evaluation, reused when the handler returns the same
        result object again."""
        found = self._route_of.get(id(rule))
        if found is not None and found[0] is rule:
            return found  # one route (and last-outcome memory) per rule, shared by the rule sets holding it
        data = rule.data
        code = 0
        if not rule.load_error and not data.get("context") and data.get("preconditions") is None:
            if rule.handler == "cel":
                code = 1
            elif rule.handler in ("pattern", "anyPattern", "deny", "foreach") and rule.level is not None:
                code = 2
        route = [rule, code, getattr(rule.level, "run", None) if code == 2 else None, None, None, None]
        if len(self._route_of) < 100_000:
            self._route_of[id(rule)] = route  # holds the rule, so its id is not reused while cached
        return route

    def _match_entry(self, policy: Policy) -> tuple[Policy, tuple[bool, bool, bool], dict[Any, tuple[Rule, ...]]]:
        entry = self._match.get(id(policy))
        if entry is None or entry[0] is not policy:
            keys: set[str] = set()
            for rule in policy.rules:
                _statement_keys(rule.data.get("match"), keys)
                _statement_keys(rule.data.get("exclude"), keys)
            needs = (
                bool(keys & {"name", "names", "namespaces"}),
                "selector" in keys,
                "annotations" in keys,
            )
            entry = (policy, needs, {})
            self._match[id(policy)] = entry
        return entry

    def _static_plan(
        self, loaded: LoadedPolicies, policies: Sequence[Policy], kind: str, req: Request
    ) -> list[tuple[Policy, tuple[Rule, ...] | None]]:
        """For a CREATE request: the candidate policies (namespace filter applied), each with its applicable rules
        when they depend only on (group, version, kind, namespace), else None (name, labels or annotations matter).
        Memoized per (loaded policies, group, version, kind, namespace)."""
        key = (id(loaded), req.group, req.version, kind, req.subresource, req.namespace)
        entry = self._static.get(key)
        if entry is not None and entry[0] is loaded:
            return entry[1]
        items: list[tuple[Policy, tuple[Rule, ...] | None]] = []
        for policy in policies:
            if policy.kind == "Policy" and req.namespace != policy.namespace:
                continue
            needs = self._match_entry(policy)[1]
            dynamic = any(needs) or kind == "Namespace"
            items.append((policy, None if dynamic else self._applicable(policy, kind, req)))
        if len(self._static) < 10_000:
            self._static[key] = (loaded, items)
        return items

    def _applicable(self, policy: Policy, kind: str, req: Request) -> tuple[Rule, ...]:
        """The rules of ``policy`` whose match/exclude select the request, memoized on what the statements read.

        Matching reads the request's operation, group, version, kind and namespace, plus the name, labels or
        annotations only when some statement has a name/names/namespaces, selector or annotations filter; the
        namespace labels and user info are fixed per engine. Requests that agree on those share the answer.
        """
        _, (need_name, need_labels, need_annotations), memo = self._match_entry(policy)
        key: Any = (req.operation, req.group, req.version, req.kind, req.subresource, req.namespace)
        if need_name or req.kind == "Namespace":
            key = (*key, req.name)
        if need_labels:
            labels = _str_items(req.labels)
            key = None if labels is None else (*key, labels)
        if need_annotations and key is not None:
            annotations = _str_items(req.annotations)
            key = None if annotations is None else (*key, annotations)
        if key is not None:
            found = memo.get(key)
            if found is not None:
                return found
        applicable = tuple(r for r in policy.rules if r.applies(kind, req))
        if key is not None and len(memo) < 100_000:
            memo[key] = applicable
        return applicable

    def _base_context(self, resource: dict[str, Any], namespace: str) -> dict[str, Any]:
        ctx: dict[str, Any] = {"request": {"object": resource, "operation": "CREATE", "namespace": namespace}}
        images = images_context(resource)
        if images:
            ctx["images"] = images
        info = self.options.user_info
        if info is not None:
            user = dict(info.get("userInfo") or {})
            ctx["request"]["userInfo"] = user
            ctx["request"]["roles"] = list(info.get("roles") or [])
            ctx["request"]["clusterRoles"] = list(info.get("clusterRoles") or [])
            username = str(user.get("username") or "")
            if username.startswith("system:serviceaccount:"):
                parts = username.split(":")
                if len(parts) >= 4:
                    ctx["serviceAccountNamespace"] = parts[2]
                    ctx["serviceAccountName"] = parts[3]
        return add_values(ctx, self.options.values.global_values)

    def _rule(
        self,
        loaded: LoadedPolicies,
        policy: Policy,
        rule: Rule,
        ctx: dict[str, Any],
        resource: dict[str, Any],
        req: Request,
        activations: dict[str, Any],
    ) -> Result | None:
        if rule.load_error:
            return Result(Status.ERROR, rule.load_error)
        if loaded.exceptions:
            for exc in loaded.exceptions:
                if exc.covers(policy.name, rule.name) and exc.applies(req, ctx):
                    return Result(Status.SKIP, f"rule skipped due to policy exception {exc.name}")
        if rule.handler in OFFLINE:
            return Result(Status.SKIP, f"skip: {rule.handler} rules are not supported offline")
        data = rule.data
        rule_values = self.options.values.rules
        rv = rule_values.get((policy.plain_name, rule.name)) if rule_values else None
        if rv is None and rule_values and rule.name.startswith("autogen-"):
            base_name = rule.name.removeprefix("autogen-").removeprefix("cronjob-")
            rv = rule_values.get((policy.plain_name, base_name))
        if rv is not None:
            ctx = inject(ctx, rv.values)
        entries = data.get("context")
        if entries:
            try:
                ctx = load_entries(entries, ctx)
            except EVAL_ERRORS as exc:
                return Result(Status.ERROR, f"failed to load context: {exc}")
        pre = data.get("preconditions")
        if pre is not None:
            try:
                ok, _ = evaluate_conditions(pre, ctx)
            except EVAL_ERRORS as exc:
                return Result(Status.ERROR, f"failed to evaluate preconditions: {exc}")
            if not ok:
                return Result(Status.SKIP, "preconditions not met")
        validate = data.get("validate") or {}
        handler = rule.handler
        if handler == "assert":
            return Result(Status.ERROR, "validate.assert is not supported by policy-platform")
        if handler == "manifests":
            return Result(Status.SKIP, "skip: validate.manifests (signature verification) is not supported offline")
        if req.operation == "DELETE" and handler in ("podSecurity", "pattern", "anyPattern"):
            return None  # Kyverno skips pattern and podSecurity validation of a deleted resource: no rule response
        if handler == "podSecurity":
            return self._pod_security(rule, validate, resource, activations.setdefault("podSecurity", {}))
        if handler == "cel":
            return self._cel(rule, resource, req, activations)
        level = rule.level
        if level is None or (rv is not None and rv.foreach_values):
            level = Level(
                rule_name=rule.name,
                message=validate.get("message"),
                spec=validate,
                nesting=0,
                foreach_values=rv.foreach_values if rv is not None else None,
                plans=rule.plans,
            )
        return validate_level(level, ctx, resource, top=True)

    def _pod_security(
        self, rule: Rule, validate: Mapping[str, Any], resource: dict[str, Any], memo: dict[Any, Any]
    ) -> Result | None:
        try:
            from policy_platform.engines.kyverno.podsecurity import evaluate_pod_security
        except ImportError:
            return Result(Status.ERROR, "podSecurity support not available")
        try:
            res = evaluate_pod_security(validate["podSecurity"], resource, rule_name=rule.name, memo=memo)
        except ValueError as exc:
            return Result(Status.ERROR, f"invalid podSecurity: {exc}")
        if res.status == "pass":
            return Result(Status.PASS, res.message or f"validation rule '{rule.name}' passed.")
        if res.status == "fail":
            return Result(Status.FAIL, res.message)
        return Result(Status.SKIP, res.message or "skipped")

    @staticmethod
    def _cel_programs(plan: Sequence[tuple[Policy, str, Request, tuple[Rule, ...]]]) -> Iterator[Any]:
        """The CEL programs of every applicable cel rule of a resource (to bind their inputs in one batch).

        A generator: the activation consumes it only if a program falls back to the Rust engine.
        """
        for _policy, _operation, _req, applicable in plan:
            for rule in applicable:
                if rule.handler == "cel" and rule.compiled is not None and not rule.load_error:
                    validation, pre = rule.compiled
                    yield from validation.programs()
                    if pre is not None:
                        yield from pre.programs()

    def _cel(self, rule: Rule, resource: dict[str, Any], req: Request, activations: dict[str, Any]) -> Result | None:
        compiled = rule.compiled
        if compiled is None:
            return Result(Status.ERROR, "cel support not available")
        activation = activations.get(req.operation)
        if activation is None:  # once per resource and operation
            try:
                from policy_platform.engines.kyverno import cel as cel_mod
            except ImportError:
                return Result(Status.ERROR, "cel support not available")
            request: dict[str, Any] = {
                "operation": req.operation,
                "namespace": req.namespace,
                "name": req.name,
                "kind": {"group": req.group, "version": req.version, "kind": req.kind},
            }
            if self.options.user_info is not None:
                request["userInfo"] = dict(self.options.user_info.get("userInfo") or {})
            ns_obj = {"metadata": {"name": req.namespace}} if req.namespace else None
            old = resource if req.operation == "UPDATE" else None
            activation = cel_mod.ResourceActivation(
                obj=resource, old_object=old, request=request, namespace_object=ns_obj
            )
            # compiled closures read the bindings directly; the Rust engine (fallback only) binds them lazily
            activation.prepare(self._cel_programs(activations.get("plan") or ()))
            activations[req.operation] = activation
        compiled_validation, compiled_pre = compiled
        memo = compiled_validation.memo
        if compiled_pre is not None:
            try:
                ok = compiled_pre.evaluate(activation)
            except Exception as exc:
                from policy_platform.engines.kyverno.cel import CelEvaluationError

                if isinstance(exc, CelEvaluationError):
                    # Kyverno 1.13 applies failure policy Fail to a celPreconditions evaluation error: a fail
                    return Result(Status.FAIL, str(getattr(exc, "message", exc)))
                return Result(Status.ERROR, f"failed to evaluate cel preconditions: {exc}")
            if not ok:
                return Result(Status.SKIP, "cel preconditions not met")
        # the rule's runner (by rule name; see CompiledValidation.runner): one call for the common outcomes, giving
        # the rule's one (immutable) pass result and one (immutable) result per static failure message
        run = memo.get(rule.name)
        if run is None:

            def denied(message: str) -> Result:
                key = ("fail", message)
                found: Result | None = memo.get(key)
                if found is None:
                    found = Result(Status.FAIL, message)
                    if len(memo) < 1000:
                        memo[key] = found
                return found

            passed = Result(Status.PASS, f"validation rule '{rule.name}' passed.")
            run = memo[rule.name] = (compiled_validation.runner(passed, denied), passed, denied)
        result: Result | None = run[0](activation)
        if result is not None:
            return result
        try:
            res = compiled_validation.evaluate(activation)
        except Exception as exc:
            return Result(Status.ERROR, f"cel evaluation failed: {exc}")
        status = res.status
        if status == "pass":
            if res.message:
                return Result(Status.PASS, res.message)
            return run[1]  # type: ignore[no-any-return]
        if status == "fail":
            return run[2](res.message)  # type: ignore[no-any-return]
        return Result(Status.ERROR, res.message)

"""The scenario suite (``tests/scenarios/*.json`` at the repository root), run through the Python API.

The format is in ``tests/scenarios/README.md``. The same files are run by
``core/tests/scenarios.rs`` and ``bindings-node/__test__/scenarios.test.mjs``:
a scenario that fails in any language fails the test command. One test per
scenario, on the in-memory store with a ``ManualClock``.

An operation is the ``InviteKit`` method of that name, called with the step's
``args`` as positional and its ``opts`` as keyword arguments; results are
turned into plain values (public properties of result objects, times as
RFC 3339 with milliseconds) and compared with the step's expectations.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import invitekit as ik

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "tests" / "scenarios"
ERROR_FIELDS = ("check", "invitation_id", "status", "domain", "retry_at")
LINK = re.compile(r"https://\S*?/join/ikinv_[A-Za-z0-9_-]+")


def load_scenarios() -> List[Tuple[str, Dict[str, Any]]]:
    out: List[Tuple[str, Dict[str, Any]]] = []
    for path in sorted(SCENARIO_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        setup = doc.get("setup", [])
        for sc in doc["scenarios"]:
            assert sc.get("description"), f"{path.stem}/{sc['name']}: no description"
            scenario = {"policy": sc.get("policy"), "steps": setup + sc["steps"]}
            out.append((f"{path.stem}/{sc['name']}", scenario))
    ids = [i for i, _ in out]
    assert len(ids) == len(set(ids)), "two scenarios share a name"
    assert out, f"no scenario in {SCENARIO_DIR}"
    return out


SCENARIOS = load_scenarios()


def iso(t: dt.datetime) -> str:
    t = t.astimezone(dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def plain(v: Any) -> Any:
    """A result as plain values: objects become dicts of their public properties."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, dt.datetime):
        return iso(v)
    if isinstance(v, ik.ThreadPage):
        return {"threads": [plain(t) for t in v], "next_cursor": v.next_cursor}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    out: Dict[str, Any] = {}
    for name in dir(v):
        if name.startswith("_"):
            continue
        attr = getattr(v, name)
        if not callable(attr):
            out[name] = plain(attr)
    return out


class Run:
    def __init__(self, policy: Optional[Dict[str, Any]]) -> None:
        self.clock = ik.ManualClock()
        pol = ik.Policy.from_json(json.dumps(policy)) if policy is not None else None
        self.kit = ik.InviteKit.open("memory:", policy=pol, clock=self.clock)
        self.native: Dict[str, Any] = {}
        self.saved: Dict[str, Any] = {}

    def resolve(self, v: Any, native: bool = False) -> Any:
        """Replaces ``"$name.path"`` strings with saved values (``"$name"`` alone: the object itself)."""
        if isinstance(v, str) and v.startswith("$$"):
            return v[1:]
        if isinstance(v, str) and v.startswith("$"):
            name, *path = v[1:].split(".")
            if native and not path:
                return self.native[name]
            cur = self.saved[name]
            for p in path:
                cur = cur[int(p)] if isinstance(cur, list) else cur[p]
            return cur
        if isinstance(v, list):
            return [self.resolve(x, native) for x in v]
        if isinstance(v, dict):
            return {k: self.resolve(x, native) for k, x in v.items()}
        return v

    def call(self, op: str, args: List[Any], opts: Dict[str, Any]) -> Any:
        if op == "advance_clock":
            self.clock.advance(args[0])
            return None
        if op == "preview":
            return args[0].preview()
        if op == "link_in":
            m = LINK.search(args[0])
            assert m, f"no join link in {args[0]!r}"
            return m.group(0)
        if op == "open":
            ik.InviteKit.open(*args, **opts)
            return None
        return getattr(self.kit, op)(*args, **opts)


def show(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 300 else s[:300] + "…"


def check(expected: Any, actual: Any, at: str, problems: List[str]) -> None:
    """Compares as tests/scenarios/README.md says: fields named, lists item by item, matchers."""
    if isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)).startswith("$"):
        op, arg = next(iter(expected.items()))
        if op == "$len":
            ok = isinstance(actual, list) and len(actual) == arg
        elif op == "$contains":
            ok = contains(actual, arg)
        elif op == "$not_contains":
            ok = not contains(actual, arg)
        elif op == "$starts_with":
            ok = isinstance(actual, str) and actual.startswith(arg)
        elif op == "$ne":
            ok = not matches(arg, actual)
        else:
            raise AssertionError(f"{at}: unknown matcher {op}")
        if not ok:
            problems.append(f"{at}: expected {expected!r}, got {show(actual)}")
    elif isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{at}: expected an object {expected!r}, got {show(actual)}")
            return
        for k, e in expected.items():
            if k not in actual:
                problems.append(f"{at}: no field `{k}` (fields: {', '.join(actual)})")
            else:
                check(e, actual[k], f"{at}.{k}", problems)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            problems.append(f"{at}: expected {expected!r}, got {show(actual)}")
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            check(e, a, f"{at}[{i}]", problems)
    elif isinstance(expected, bool) or isinstance(actual, bool):
        if expected is not actual:
            problems.append(f"{at}: expected {expected!r}, got {show(actual)}")
    elif expected != actual:
        problems.append(f"{at}: expected {expected!r}, got {show(actual)}")


def matches(expected: Any, actual: Any) -> bool:
    problems: List[str] = []
    check(expected, actual, "", problems)
    return not problems


def contains(actual: Any, x: Any) -> bool:
    if isinstance(actual, str) and isinstance(x, str):
        return x in actual
    if isinstance(actual, list):
        return any(matches(x, y) for y in actual)
    return False


def run_scenario(scenario: Dict[str, Any]) -> List[str]:
    run = Run(scenario["policy"])
    problems: List[str] = []
    for i, step in enumerate(scenario["steps"]):
        op = step["op"]
        at = f"step {i} ({op})"
        args = [run.resolve(a, native=True) for a in step.get("args", [])]
        opts = run.resolve(step.get("opts", {}), native=True)
        try:
            result = run.call(op, args, opts)
        except ik.InviteKitError as e:
            code = step.get("error")
            if code is None:
                problems.append(f"{at}: unexpected error {e.code}: {e}")
                return problems
            if e.code != code:
                problems.append(f"{at}: expected error {code}, got {e.code} ({e})")
            elif "error_fields" in step:
                fields = {k: plain(getattr(e, k)) for k in ERROR_FIELDS if hasattr(e, k)}
                check(run.resolve(step["error_fields"]), fields, f"{at}: error", problems)
            continue
        if "error" in step:
            problems.append(f"{at}: expected error {step['error']}, got success: {plain(result)!r}")
            return problems
        value = plain(result)
        if "expect" in step:
            check(run.resolve(step["expect"]), value, at, problems)
        if "save" in step:
            run.native[step["save"]] = result
            run.saved[step["save"]] = value
    return problems


@pytest.mark.parametrize("scenario", [s for _, s in SCENARIOS], ids=[i for i, _ in SCENARIOS])
def test_scenario(scenario: Dict[str, Any]) -> None:
    problems = run_scenario(scenario)
    assert not problems, "\n".join(problems)

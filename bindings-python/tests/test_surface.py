"""The Python and Node packages have the same surface, item for item.

Read from the two packages' declarations (``_native.pyi`` and the Node
package's ``binding.d.ts`` and ``index.d.ts``): every class and record, every
attribute, every operation and every argument (Python's keywords against Node's
positional arguments and options object), compared after each language's
naming (``snake_case``, ``camelCase``). The only differences allowed are the
idioms listed in ``IDIOMS`` below, which both packages' READMEs describe.
"""

from __future__ import annotations

import ast
import pathlib
import re
from typing import Any, Dict, List, Set, Tuple

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYI = ROOT / "bindings-python" / "python" / "invitekit" / "_native.pyi"
DTS = ROOT / "bindings-node" / "binding.d.ts"
INDEX_DTS = ROOT / "bindings-node" / "index.d.ts"

# Deliberate differences, each a language's idiom: (class, member) -> why.
IDIOMS: Dict[Tuple[str, str], str] = {
    # Python raises one subclass per code; Node has InviteKitError and `err.code`.
    **{(name, "*"): "Python's exception subclass per code" for name in (
        "InvalidInput", "InvalidEmail", "DomainNotAllowed", "NotFound", "PermissionDenied", "AlreadyMember",
        "AlreadyInvited", "AlreadyParticipant", "InvalidToken", "InvitationExpired", "InvitationNotPending",
        "EmailMismatch", "RateLimited", "Conflict", "Storage", "InvalidArgumentType",
    )},
    # Python's `with kit:`; Node's `await kit.close()` alone.
    ("InviteKit", "__enter__"): "Python's context manager",
    ("InviteKit", "__exit__"): "Python's context manager",
    # Python compares with ==; Node has no operator overloading.
    ("Policy", "equals"): "Node's stand-in for Python's ==",
    # A Python ThreadPage is a list with `next_cursor`; Node's is an object.
    ("ThreadPage", "threads"): "Node's page object; Python's page is the list itself",
    # Node's one error class carries each code's detail; Python's subclasses carry their own.
    **{("InviteKitError", d): "Node's single error class" for d in ("check", "domain", "invitationId", "retryAt", "status")},
    # `Organization.settings` is a dict in Python (snake_case keys), a typed object in Node.
    ("OrganizationSettings", "*"): "Python's settings dict",
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def python_classes() -> Dict[str, Set[str]]:
    text = PYI.read_text(encoding="utf-8")
    classes: Dict[str, Set[str]] = {}
    for m in re.finditer(r"^class (\w+)[^\n]*:\n((?:(?:    [^\n]*)?\n)+)", text, flags=re.M):
        name, body = m.group(1), m.group(2)
        # A docstring's line may look like an attribute (`secret: keep them out of logs.`).
        body = re.sub(r'"""(?:.|\n)*?"""', "", body)
        members = set(re.findall(r"^    (?:async )?def (\w+)\(", body, flags=re.M))
        members |= set(re.findall(r"^    (\w+): ", body, flags=re.M))
        members = {n for n in members if n in ("__enter__", "__exit__") or not n.startswith("_")}
        classes[name] = {camel(n) if not n.startswith("__") else n for n in members}
    classes["ThreadPage"] = {"nextCursor"}  # python/invitekit/_page.py: a list with `next_cursor`
    return classes


def node_classes() -> Dict[str, Set[str]]:
    text = DTS.read_text(encoding="utf-8") + INDEX_DTS.read_text(encoding="utf-8")
    classes: Dict[str, Set[str]] = {}
    for m in re.finditer(r"^export (?:declare class|interface) (\w+)(?: extends \w+)? \{\n(.*?)^\}", text, flags=re.M | re.S):
        name, body = m.group(1), m.group(2)
        body = re.sub(r"/\*\*.*?\*/", "", body, flags=re.S)
        members = set(re.findall(r"^  (?:static |readonly |get )*(\w+)[?]?[(:]", body, flags=re.M))
        classes[name] = {n for n in members if n != "constructor"}
    return classes


def allowed(cls: str, member: str) -> bool:
    return (cls, member) in IDIOMS or (cls, "*") in IDIOMS


def test_every_class_and_member_is_in_both_packages() -> None:
    py, node = python_classes(), node_classes()
    problems: List[str] = []
    for cls, members in sorted(py.items()):
        if allowed(cls, "*"):
            continue
        if cls not in node:
            problems.append(f"{cls}: in Python, not in Node")
            continue
        for m in sorted(members - node[cls]):
            if not allowed(cls, m):
                problems.append(f"{cls}.{m}: in Python, not in Node")
        for m in sorted(node[cls] - members):
            if not allowed(cls, m):
                problems.append(f"{cls}.{m}: in Node, not in Python")
    results = {
        c for c in node if not c.endswith("Options") and not allowed(c, "*") and c not in ("OrganizationSettingsUpdate",)
    }
    for cls in sorted(results - set(py)):
        problems.append(f"{cls}: in Node, not in Python")
    assert problems == [], "\n".join(problems)


def python_operations() -> Dict[str, List[str]]:
    # Parsed, not matched: an annotation such as `Dict[str, Any]` holds commas.
    tree = ast.parse(PYI.read_text(encoding="utf-8"))
    kit = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "InviteKit")
    ops: Dict[str, List[str]] = {}
    for fn in kit.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name.startswith("_"):
            continue
        if any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list):
            continue
        a = fn.args
        names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
        names += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
        ops[camel(fn.name)] = [camel(n) for n in names if n not in ("self", "cls")]
    return ops


def node_operations() -> Dict[str, List[str]]:
    text = DTS.read_text(encoding="utf-8")
    kit = re.search(r"^export declare class InviteKit \{\n(.*?)^\}", text, flags=re.M | re.S)
    assert kit is not None
    options = {
        m.group(1): re.findall(r"^  (\w+)\??:", re.sub(r"/\*\*.*?\*/", "", m.group(2), flags=re.S), flags=re.M)
        for m in re.finditer(r"^export interface (\w+) \{\n(.*?)^\}", text, flags=re.M | re.S)
    }
    ops: Dict[str, List[str]] = {}
    body = re.sub(r"/\*\*.*?\*/", "", kit.group(1), flags=re.S)
    for m in re.finditer(r"^  (?:static )?(\w+)\((.*?)\):", body, flags=re.M):
        names: List[str] = []
        for p in filter(None, (x.strip() for x in m.group(2).split(","))):
            arg, _, ty = p.partition(":")
            arg = arg.rstrip("?").strip()
            first = ty.strip().split(" ")[0]
            if arg == "options" and first in options:
                names += options[first]  # Python's keywords are Node's options' keys
            elif arg == "settings":
                names.append("settings")
            else:
                names.append(arg)
        ops[m.group(1)] = names
    return ops


# Arguments one package has as its idiom: (operation, argument) -> why.
ARG_IDIOMS: Dict[Tuple[str, str], str] = {
    # Node's calls settle on the event loop's thread unless told otherwise; Python's
    # counterpart is the choice between the synchronous class and `invitekit.aio`.
    ("inMemory", "threadPool"): "Node's event loop",
    ("open", "threadPool"): "Node's event loop",
}


def test_every_operation_takes_the_same_arguments() -> None:
    py, node = python_operations(), node_operations()
    node = {op: [a for a in args if (op, a) not in ARG_IDIOMS] for op, args in node.items()}
    # Python's `**settings` is Node's settings object; Node's `close` is Python's too.
    assert set(py) == set(node), f"only Python: {sorted(set(py) - set(node))}, only Node: {sorted(set(node) - set(py))}"
    problems = [f"{op}: Python {py[op]}, Node {node[op]}" for op in sorted(py) if sorted(py[op]) != sorted(node[op])]
    assert problems == [], "\n".join(problems)


RECORDS = ROOT / "core" / "interface" / "records.json"


def test_every_core_record_field_is_in_both_packages() -> None:
    import json

    # Both packages' record classes are written from this list by
    # scripts/gen-interface; this holds what the packages declare to it.
    records: List[Dict[str, Any]] = json.loads(RECORDS.read_text(encoding="utf-8"))
    py, node = python_classes(), node_classes()
    problems: List[str] = []
    for record in records:
        name = record["name"]
        expected = {camel(f["name"]) for f in record["fields"]}
        for package, classes in (("Python", py), ("Node", node)):
            got = classes.get(name)
            if got is None:
                if not (package == "Python" and record["python"] == "dict"):  # Python's settings dict
                    problems.append(f"{name}: not in {package}")
                continue
            problems += [f"{name}.{f}: in core, not in {package}" for f in sorted(expected - got) if not allowed(name, f)]
            extra = {m for m in got - expected if not m.startswith("__") and not allowed(name, m)}
            problems += [f"{name}.{m}: in {package}, not in core" for m in sorted(extra)]
    assert problems == [], "\n".join(problems)


OPERATIONS = ROOT / "core" / "interface" / "operations.json"


def test_every_core_operation_takes_the_same_arguments_in_both_packages() -> None:
    import json

    core: Dict[str, List[str]] = json.loads(OPERATIONS.read_text(encoding="utf-8"))
    py, node = python_operations(), node_operations()
    problems: List[str] = []
    for op, params in sorted(core.items()):
        name, want = camel(op), [camel(p) for p in params]
        if py.get(name) != want:
            problems.append(f"{op}: core {want}, Python {py.get(name)}")
        if sorted(node.get(name, [])) != sorted(want):
            problems.append(f"{op}: core {want}, Node {node.get(name)}")
    # Beyond the core's operations, only the kit's own: opening, closing, its clock.
    extra = (set(py) | set(node)) - {camel(op) for op in core} - {"close", "inMemory", "open", "now"}
    problems += [f"{op}: in a package, not in core" for op in sorted(extra)]
    assert problems == [], "\n".join(problems)

"""The house rules, checked by a test rather than by review: a file's path is its import path, services never
import each other, the shared parts name no stage, `newsflow_schemas` needs pydantic only, no import cycles, and
no bare `schemas`/`services`/`common` import names."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

from tests.conftest import REPO

SOURCE_ROOT = REPO / "services"
STAGES = ("fetch", "parse", "enrich", "index")
SHARED_PARTS = ("common", "search")  # plumbing and adapters every stage may use: they know no stage


def module_name(path: Path, root: Path = SOURCE_ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in (SOURCE_ROOT / "newsflow").rglob("*.py")}


def imports_of(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The modules (or packages) `path` imports, relative imports resolved."""
    tree = ast.parse(path.read_text())
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return found


def part_of(module: str) -> str | None:
    """The part of newsflow a module belongs to (`newsflow.parse.stage` -> `parse`), None outside newsflow."""
    parts = module.split(".")
    return parts[1] if parts[0] == "newsflow" and len(parts) > 1 else None


def test_every_module_imports_from_where_it_lies():
    assert len(MODULES) > 50
    for name, path in MODULES.items():
        spec = importlib.util.find_spec(name)
        assert spec is not None and Path(spec.origin or "").resolve() == path.resolve(), name


def test_services_never_import_each_other():
    crossings = [f"{name} imports {imported}" for name, path in MODULES.items() if part_of(name) in STAGES
                 for imported in imports_of(path) if part_of(imported) in STAGES and part_of(imported) != part_of(name)]
    assert crossings == []


def test_the_shared_parts_name_no_stage():
    stage_member = re.compile(r"\bStage\.(FETCH|PARSE|ENRICH|INDEX)\b")
    offenders = []
    for name, path in MODULES.items():
        if part_of(name) not in SHARED_PARTS:
            continue
        offenders += [f"{name} imports {imported}" for imported in imports_of(path) if part_of(imported) in STAGES]
        offenders += [f"{name} names {found.group(0)}" for found in stage_member.finditer(_code_only(path))]
        if part_of(name) == "common":  # the search adapter's "index" is the engine's word, not the stage
            offenders += [f"{name} names the stage {node.value!r}" for node in ast.walk(ast.parse(path.read_text()))
                          if isinstance(node, ast.Constant) and node.value in STAGES]
    assert offenders == []


def _code_only(path: Path) -> str:
    """The module without docstrings (an example in a docstring may name a stage)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant):
            body.pop(0)
    return ast.unparse(tree)


def test_no_import_cycles_between_modules():
    graph = {name: {m for m in imports_of(path, top_level_only=True) if m in MODULES and m != name}
             for name, path in MODULES.items()}
    cycles = _cycles(graph)
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_a_bare_schemas_services_or_common_name():
    bare = re.compile(r"^\s*(from|import)\s+(schemas|services|common)\b", re.MULTILINE)
    offenders = [str(path.relative_to(REPO)) for folder in ("services", "schemas", "tests", "infra", "benchmarks")
                 for path in (REPO / folder).rglob("*.py") if bare.search(path.read_text())]
    assert offenders == []


def test_the_schemas_package_imports_only_pydantic_and_the_standard_library():
    allowed = {"pydantic", "pydantic_core", "newsflow_schemas", "__future__"}
    stdlib = set(sys.stdlib_module_names)
    for path in (REPO / "schemas" / "newsflow_schemas").rglob("*.py"):
        for module in imports_of_any(path):
            assert module in allowed or module in stdlib, f"{path.name} imports {module}"


def imports_of_any(path: Path) -> set[str]:
    """Top-level package names a file outside `services/` imports (relative imports stay in its package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found

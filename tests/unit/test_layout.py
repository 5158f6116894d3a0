"""The packaging contract: services/ is `newsflow`, schemas/ is `newsflow_schemas`, no bare import names."""

import re
import tomllib

from tests.conftest import REPO


def test_every_services_package_is_declared_in_pyproject():
    declared = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {"newsflow" + "".join(f".{part}" for part in init.parent.relative_to(REPO / "services").parts)
               for init in (REPO / "services").rglob("__init__.py")}
    assert declared == on_disk


def test_no_module_imports_a_bare_schemas_services_or_common_name():
    bare = re.compile(r"^\s*(from|import)\s+(schemas|services|common)\b", re.MULTILINE)
    offenders = [str(path.relative_to(REPO)) for folder in ("services", "schemas", "tests", "infra")
                 for path in (REPO / folder).rglob("*.py") if bare.search(path.read_text())]
    assert offenders == []


def test_the_schemas_package_imports_only_pydantic_and_the_standard_library():
    allowed = {"pydantic", "pydantic_core", "newsflow_schemas", "__future__"}
    import sys

    stdlib = set(sys.stdlib_module_names)
    imported = re.compile(r"^\s*(?:from|import)\s+([\w]+)", re.MULTILINE)
    for path in (REPO / "schemas" / "newsflow_schemas").rglob("*.py"):
        for module in imported.findall(path.read_text()):
            assert module in allowed or module in stdlib, f"{path.name} imports {module}"

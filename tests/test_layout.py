"""The layer rules of DESIGN.md and STYLE.md, checked on the imports of every module (parsed once).

- every outside library is imported only behind its seam (SEAMS), and a library missing from
  SEAMS is a violation wherever it is imported, so none slips in unlisted;
- compliance/detect/ depends on no other stage, nor on the callers (pipeline, cli, web);
- compliance/store/ works on plain values: no numpy;
- compliance/cli/ and web/ reach the core only through the facade and plain values (FACADE).

The last tests run the checker on small synthetic trees, to show that each rule can fail.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("compliance", "web")
SEAMS = {
    "flask": ("web/",),
    "flask_login": ("web/auth.py", "web/dashboard/"),
    "flask_wtf": ("web/security.py", "web/auth.py", "web/errors.py"),
    "wtforms": ("web/auth.py",),
    "flask_babel": ("web/",),
    "click": ("compliance/cli/",),
    "requests": ("compliance/capture/transport.py",),
    "urllib3": ("compliance/capture/transport.py",),
    "charset_normalizer": ("compliance/capture/content.py",),
    "sqlalchemy": ("compliance/store/",),
    "alembic": ("compliance/store/",),
    "datasketch": ("compliance/detect/fingerprint.py", "compliance/detect/index.py"),
    "numpy": ("compliance/detect/", "compliance/records/articles.py", "compliance/pipeline.py"),
    "trafilatura": ("compliance/capture/html.py",),
    "lxml": ("compliance/capture/html.py",),
    "warcio": ("compliance/capture/evidence.py", "compliance/capture/warc_records.py"),
    "pypdf": ("compliance/capture/documents.py",),
    "tld": ("compliance/policy/domains.py",),
    "jinja2": ("compliance/cases/notices.py", "compliance/cases/report.py"),
    "weasyprint": ("compliance/cases/report.py",),
    "argon2": ("compliance/users.py",),
    "apiflask": ("web/",),
    "werkzeug": ("web/",),
    "marshmallow": ("web/api/",),
    "flask_limiter": ("web/api/limits.py",),
    "limits": ("web/api/limits.py",),
    "protego": ("compliance/scans/politeness.py",),
    "feedparser": ("compliance/scans/discovery.py",),
    "defusedxml": ("compliance/scans/discovery.py",),
    "courlan": ("compliance/scans/discovery.py",),
    "apscheduler": ("compliance/scans/schedule.py",),
    "celery": ("compliance/workers/",),
}
# The detection engine: text in, passages and scores out; it knows nothing of where text comes from.
DETECT_MUST_NOT_IMPORT = (
    "compliance.store",
    "compliance.capture",
    "compliance.ingest",
    "compliance.cli",
    "compliance.pipeline",
    "web",
)
# What the callers (CLI, web) may import from the core: the facade, settings, errors, plain values.
# `compliance` itself holds only __version__.
FACADE = (
    "compliance",
    "compliance.pipeline",
    "compliance.settings",
    "compliance.errors",
    "compliance.records",
    "compliance.shapes",
)
CALLERS = ("compliance/cli/", "web/")


@dataclass(frozen=True)
class Module:
    """One source file: where it is, its dotted name, and every module it imports (dotted)."""

    path: str  # relative to the root, with forward slashes
    name: str
    imports: frozenset[str]


def scan(root: Path) -> list[Module]:
    """Every module of compliance/ and web/ under `root`, each parsed once."""
    files = sorted(p for package in OURS for p in (root / package).rglob("*.py"))
    names = {_dotted(p.relative_to(root)) for p in files}
    return [_module(root, path, names) for path in files]


def _dotted(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module(root: Path, path: Path, known: set[str]) -> Module:
    relative = path.relative_to(root)
    name = _dotted(relative)
    package = name if relative.name == "__init__.py" else name.rpartition(".")[0]
    imports: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            imports |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            # `from compliance import store` imports the module compliance.store, not a name.
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known
            imports |= submodules or {base}
    return Module(relative.as_posix(), name, frozenset(imports))


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The dotted module a `from … import` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    """Whether dotted `name` is one of `prefixes` or inside one of them."""
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _outside_library(name: str) -> str | None:
    """The top-level name of an imported library that is neither stdlib nor ours, else None."""
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or top in OURS or not top:
        return None
    return top


def violations(modules: list[Module]) -> list[str]:
    """Every broken layer rule, one line each: which file imports what, and which rule it breaks."""
    found = []
    for module in modules:
        for name in sorted(module.imports):
            found += [f"{module.path} imports {name}: {rule}" for rule in _broken_rules(module.path, name)]
    return found


def _broken_rules(path: str, name: str) -> list[str]:
    rules = []
    library = _outside_library(name)
    if library is not None and library not in SEAMS:
        rules.append(f"{library} is not in the SEAMS table")
    elif library is not None and not path.startswith(SEAMS[library]):
        rules.append(f"{library} belongs behind {', '.join(SEAMS[library])}")
    if path.startswith("compliance/detect/") and _within(name, DETECT_MUST_NOT_IMPORT):
        rules.append("detect/ depends on no other stage and on no caller")
    if path.startswith("compliance/store/") and library == "numpy":
        rules.append("store/ works on plain values, without numpy")
    caller = path.startswith(CALLERS) and not _within(name, ("compliance.cli",))  # its own modules
    if caller and _within(name, ("compliance",)) and name not in FACADE:
        rules.append(f"the CLI and the web app import only {', '.join(FACADE[1:])} from the core")
    return rules


@cache
def project() -> tuple[Module, ...]:
    return tuple(scan(ROOT))


# --- the project ----------------------------------------------------------------------------------


def test_every_module_is_scanned() -> None:
    names = {module.name for module in project()}
    assert {"compliance.pipeline", "compliance.detect.score", "web"} <= names
    assert len(names) == len(list(ROOT.glob("compliance/**/*.py")) + list(ROOT.glob("web/**/*.py")))


@pytest.mark.parametrize("library", sorted(SEAMS))
def test_library_is_imported_only_behind_its_seam(library: str) -> None:
    importers = {m.path for m in project() if any(_outside_library(n) == library for n in m.imports)}
    assert importers, f"{library} is imported nowhere: drop it from SEAMS (and from pyproject.toml)"
    outside = {path for path in importers if not path.startswith(SEAMS[library])}
    assert outside == set(), f"{library} imported outside its seam"


def test_every_outside_library_is_listed_in_seams() -> None:
    libraries = {_outside_library(name) for module in project() for name in module.imports} - {None}
    assert libraries - set(SEAMS) == set(), "add each library to SEAMS with the one place it may be imported"


@pytest.mark.parametrize(
    "area",
    ["compliance/detect/", "compliance/store/", "compliance/cli/", "web/"],
)
def test_layer_rules(area: str) -> None:
    assert [line for line in violations(list(project())) if line.startswith(area)] == []


# --- each rule can fail ---------------------------------------------------------------------------

CLEAN_TREE = {
    "compliance/__init__.py": '__version__ = "0"\n',
    "compliance/records/__init__.py": "from compliance.records.articles import Match\n",
    "compliance/records/articles.py": "import numpy as np\nfrom dataclasses import dataclass\n",
    "compliance/shapes.py": "from compliance.records import Match\n",
    "compliance/detect/__init__.py": "",
    "compliance/detect/score.py": "import numpy\nfrom compliance.records import Match\nfrom . import align\n",
    "compliance/detect/align.py": "from compliance.settings import Settings\n",
    "compliance/store/__init__.py": "import sqlalchemy\nfrom .tables import Base\n",
    "compliance/store/tables.py": "from sqlalchemy.orm import DeclarativeBase\n",
    "compliance/cli/__init__.py": "import click\nfrom compliance import __version__\n",
    "compliance/cli/check.py": "from compliance.pipeline import Archive\nfrom . import output\n",
    "compliance/cli/output.py": "from compliance.errors import InputError\nfrom compliance import shapes\n",
    "web/__init__.py": "from flask import Flask\nfrom compliance import records\nfrom web import health\n",
    "web/health.py": "from .archive import get_archive\n",
    "web/archive.py": "from compliance.pipeline import Archive\n",
}


def synthetic(tmp_path: Path, changes: dict[str, str]) -> list[str]:
    """The violations of the clean tree with `changes` (path → source) applied."""
    for relative, source in {**CLEAN_TREE, **changes}.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return violations(scan(tmp_path))


def test_the_clean_synthetic_tree_breaks_no_rule(tmp_path: Path) -> None:
    assert synthetic(tmp_path, {}) == []


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        pytest.param(
            "compliance/detect/index.py",
            "from compliance.store import Store\n",
            "compliance/detect/index.py imports compliance.store: detect/ depends on no other stage",
            id="detect-imports-store",
        ),
        pytest.param(
            "compliance/detect/index.py",
            "from compliance import store\n",
            "compliance/detect/index.py imports compliance.store: detect/",
            id="detect-imports-store-as-a-name",
        ),
        pytest.param(
            "compliance/detect/index.py",
            "from ..store.tables import Base\n",
            "compliance/detect/index.py imports compliance.store.tables: detect/",
            id="detect-imports-store-relatively",
        ),
        pytest.param(
            "compliance/detect/index.py",
            "def f():\n    from compliance.pipeline import Archive\n",
            "compliance/detect/index.py imports compliance.pipeline: detect/",
            id="detect-imports-the-facade-inside-a-function",
        ),
        pytest.param(
            "compliance/detect/index.py",
            "import web.health\n",
            "compliance/detect/index.py imports web.health: detect/",
            id="detect-imports-web",
        ),
        pytest.param(
            "compliance/store/articles.py",
            "import numpy as np\n",
            "compliance/store/articles.py imports numpy: store/ works on plain values, without numpy",
            id="store-imports-numpy",
        ),
        pytest.param(
            "compliance/store/articles.py",
            "from numpy.typing import NDArray\n",
            "compliance/store/articles.py imports numpy.typing: store/ works on plain values",
            id="store-imports-numpy-typing",
        ),
        pytest.param(
            "web/views.py",
            "from compliance.store.articles import Store\n",
            "web/views.py imports compliance.store.articles: the CLI and the web app import only",
            id="web-imports-the-store",
        ),
        pytest.param(
            "compliance/cli/check.py",
            "from compliance.detect.align import align\n",
            "compliance/cli/check.py imports compliance.detect.align: the CLI and the web app import only",
            id="cli-imports-the-engine",
        ),
        pytest.param(
            "compliance/ingest/readers.py",
            "import requests\n",
            "compliance/ingest/readers.py imports requests: requests belongs behind compliance/capture/",
            id="library-outside-its-seam",
        ),
        pytest.param(
            "compliance/cli/serve.py",
            "from flask import Flask\n",
            "compliance/cli/serve.py imports flask: flask belongs behind web/",
            id="flask-outside-web",
        ),
        pytest.param(
            "compliance/detect/align.py",
            "import leftpad\n",
            "compliance/detect/align.py imports leftpad: leftpad is not in the SEAMS table",
            id="library-not-in-seams",
        ),
    ],
)
def test_each_rule_reports_its_violation(tmp_path: Path, path: str, source: str, expected: str) -> None:
    found = synthetic(tmp_path, {path: source})
    assert any(line.startswith(expected) for line in found), found
    assert all(line.startswith(path) for line in found), found

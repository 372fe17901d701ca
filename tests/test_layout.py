"""Every outside library stays behind its one seam (STYLE.md): this test keeps it so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEAMS = {
    "flask": ("web/",),
    "requests": ("compliance/capture/fetch.py",),
    "sqlalchemy": ("compliance/store/",),
    "alembic": ("compliance/store/",),
    "datasketch": ("compliance/detect/fingerprint.py", "compliance/detect/index.py"),
    "trafilatura": ("compliance/ingest/extract.py",),
    "lxml": ("compliance/ingest/extract.py",),
    "warcio": ("compliance/capture/evidence.py",),
    "pypdf": ("compliance/capture/documents.py",),
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("library", sorted(SEAMS))
def test_library_is_imported_only_behind_its_seam(library: str) -> None:
    sources = [*ROOT.glob("compliance/**/*.py"), *ROOT.glob("web/**/*.py")]
    importers = {str(p.relative_to(ROOT)) for p in sources if library in imported_roots(p)}
    outside = {name for name in importers if not name.startswith(SEAMS[library])}
    assert outside == set(), f"{library} imported outside its seam"

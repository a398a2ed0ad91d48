"""The house plan (docs/architecture.md), checked on the import graph of the tree: layers only
point down, no cycle between top-level packages, no product file over 400 lines, and nothing
imports `scripts/` or one test module from another."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# top to bottom; packages on one line are siblings and do not import each other
LAYERS: tuple[tuple[str, ...], ...] = (
    ("innogrowth",),  # composition root: settings, wiring, every console command
    ("api", "eval"),  # the web service; the measurement of the classifier
    ("index_build",),  # builds on disk: writing, loading, ranker training
    ("rag", "store"),  # the classifier library; the persistence of runs, decisions, keys
    ("catalog", "prompts"),  # versioned data: the catalog, code lists, company fields; prompt files
)
LAYER_OF = {package: n for n, names in enumerate(LAYERS) for package in names}
PRODUCT_DIRS = (*LAYER_OF, "scripts")
MAX_LINES = 400


def python_files(*tops: str) -> Iterator[Path]:
    for top in tops:
        yield from sorted((REPO / top).rglob("*.py"))


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) → the `module -> module` lines behind it."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in python_files(*LAYER_OF):
        rel = path.relative_to(REPO)
        source = ".".join(rel.with_suffix("").parts)
        for target in imported_modules(path):
            top = target.split(".")[0]
            if top in LAYER_OF and top != rel.parts[0]:
                edges.setdefault((rel.parts[0], top), []).append(f"{source} -> {target}")
    return edges


def test_every_import_between_packages_points_to_a_lower_layer() -> None:
    upward = [
        line
        for (source, target), lines in package_edges().items()
        if LAYER_OF[target] <= LAYER_OF[source]
        for line in lines
    ]
    assert upward == [], "imports that do not point down a layer:\n" + "\n".join(sorted(upward))


def test_no_cycle_between_top_level_packages() -> None:
    graph: dict[str, set[str]] = {}
    for source, target in package_edges():
        graph.setdefault(source, set()).add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [p for p in LAYER_OF if reaches(p, p, {p})] == []


@pytest.mark.parametrize("top", PRODUCT_DIRS)
def test_no_product_file_over_the_line_limit(top: str) -> None:
    long = {
        str(p.relative_to(REPO)): n
        for p in python_files(top)
        if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_tests_import_neither_scripts_nor_other_tests() -> None:
    bad = [
        f"{path.relative_to(REPO)} -> {target}"
        for path in python_files("tests", *PRODUCT_DIRS)
        for target in imported_modules(path)
        if (target.split(".")[0] == "scripts" and path.parts[len(REPO.parts)] != "scripts")
        or (target.startswith("tests.") and target.split(".")[-1].startswith("test_"))
    ]
    assert bad == []


def test_the_layer_map_names_every_top_level_package() -> None:
    """A new top-level package must be placed in a layer (and in docs/architecture.md)."""
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "scripts"}
    assert packages == set(LAYER_OF)

"""The package reads as the pipeline: no module imports one from a later stage, so each stage
can be understood (and tested) with only what comes before it."""

from __future__ import annotations

import ast

from tests.conftest import REPO

# In pipeline order; a module may import from its own stage or an earlier one.
STAGES: list[set[str]] = [
    # shared pieces, and what clustermgr knows about kOps (its schemas, rules, channels)
    {"__init__", "errors", "problems", "text", "limits", "files", "cache", "git", "versions"}
    | {"goregexp", "gonet"}  # Go's parsers and their words (kOps and templates quote them)
    | {"yamlio", "secrets", "kops"},
    {"project"},
    {"values"},
    {"gotemplate"},
    {"render"},
    {"validation"},
    {"diff"},
    {"plan"},
    {"fleet", "ops"},
    {"reporters"},
    {"cli", "__main__"},
]
STAGE = {name: i for i, names in enumerate(STAGES) for name in names}


def _part(module: str) -> str:
    """The top-level piece of `clustermgr.x.y` (a subpackage or a module)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> list[tuple[str, str, str, int]]:
    """(importing piece, imported piece, file, line) for every import, top-level or not."""
    found = []
    package = REPO / "clustermgr"
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        here = relative.parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "clustermgr":
                    targets = [f"clustermgr.{a.name}" for a in node.names]
                elif node.module.startswith("clustermgr."):
                    targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("clustermgr.")]
            for target in targets:
                found.append((here, _part(target), str(relative), node.lineno))
    return found


def test_every_piece_has_a_stage() -> None:
    pieces = {p.name.removesuffix(".py") for p in (REPO / "clustermgr").iterdir()}
    pieces -= {"__pycache__", "data"}
    assert pieces - set(STAGE) == set()


def test_no_module_imports_a_later_stage() -> None:
    late = [
        f"{file}:{line}: {here} imports {there}"
        for here, there, file, line in imports()
        if STAGE.get(there, 0) > STAGE[here]  # `from clustermgr import __version__`: stage 0
    ]
    assert late == []

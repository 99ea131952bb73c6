"""The package layout shows the pipeline, and keeps it: read from the source, so the rule
outlives any one change.

- narrate/ holds one subpackage per stage, each with a docstring saying its job;
- a stage imports the shared modules (models, errors, cache, ...), its own modules and lower
  stages, never a higher stage, the pipeline (render) or the commands (cli, doctor);
- no module imports another in a circle (lazy imports inside functions count too; imports
  for the type checker alone, under `if TYPE_CHECKING:`, do not);
- no module is much over 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "narrate"
# The stages, lowest first: each may import the ones before it.
STAGES = ["article", "speech", "pictures", "video", "web"]
# Shared by every stage: the hand-off models and the plumbing.
SHARED = {"narrate", "narrate.models", "narrate.errors", "narrate.cache", "narrate.assets",
          "narrate.progress", "narrate.limits", "narrate.jobs"}  # fmt: skip
MAX_LINES = 420


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """narrate modules that `name` imports, at the top or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # imports for the type checker only are not run: left out
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target in known and target != name}
    return found


def stage_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES) else None


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_every_stage_is_a_package_that_says_its_job():
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        assert init.is_file(), f"narrate/{stage}/ is missing"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 20, f"narrate/{stage}/__init__.py: say its job"


def layering_faults(edges: dict[str, set[str]]) -> list[str]:
    """Imports from a stage to a higher stage, the pipeline or the commands."""
    wrong = []
    for name, targets in sorted(edges.items()):
        stage = stage_of(name)
        if stage is None:
            continue
        allowed = set(STAGES[: STAGES.index(stage) + 1])
        for target in sorted(targets):
            if target not in SHARED and stage_of(target) not in allowed:
                wrong.append(f"{name} imports {target}")
    return wrong


def cycles_in(edges: dict[str, set[str]]) -> list[str]:
    """Import circles (a package's __init__ importing its own modules is not one)."""
    edges = {n: {t for t in ts if not n.startswith(t + ".")} for n, ts in edges.items()}
    state: dict[str, int] = {}
    found = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                found.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    return found


def test_stages_import_only_shared_modules_and_lower_stages():
    wrong = layering_faults(graph())
    assert not wrong, "\n".join(wrong)


def test_no_circular_imports():
    found = cycles_in(graph())
    assert not found, "\n".join(found)


def test_modules_are_a_readable_size():
    long = {
        name: lines
        for name, path in modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_the_checks_find_what_they_should():
    # The rules themselves: a lower stage importing a higher one, the pipeline, or a
    # circle are each reported; shared modules and lower stages are not.
    edges = {
        "narrate.article.read": {"narrate.video.mp4", "narrate.models", "narrate.render"},
        "narrate.speech.speak": {"narrate.article.sentences", "narrate.cache"},
        "narrate.video.a": {"narrate.video.b"},
        "narrate.video.b": {"narrate.video.a"},
    }
    assert layering_faults(edges) == [
        "narrate.article.read imports narrate.render",
        "narrate.article.read imports narrate.video.mp4",
    ]
    assert cycles_in(edges) == ["narrate.video.a -> narrate.video.b -> narrate.video.a"]

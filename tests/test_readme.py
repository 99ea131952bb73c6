"""The README stays true: every command and option is documented, the quick start is exact."""

import argparse
import re

from narrate.cli import build_parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_option_is_documented():
    for name, parser in subcommands().items():
        assert f"### `narrate {name}`" in README, name
        assert f".venv/bin/narrate {name}" in README, name
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in README, f"narrate {name} {option}"


def test_quick_start_commands_exist():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", quick_start, re.MULTILINE)
    assert commands == ["render", "test"]
    for target in commands:
        assert re.search(rf"^{target}:", MAKEFILE, re.MULTILINE)
    assert (ROOT / "assets/examples/telegram-backdoor.txt").is_file()
    assert "assets/examples/telegram-backdoor.txt" in MAKEFILE


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_keeps_its_sections():
    # Regression: an edit of the Speed section once cut the sections after it.
    for section in ("Quick start", "Commands", "Output", "Cache", "How it works", "Speed",
                    "Articles", "Limits", "Errors", "Configuration", "Development"):  # fmt: skip
        assert f"\n## {section}\n" in README, section


def test_how_it_works_names_every_stage_package():
    # The layout is the pipeline: the diagram names each stage's package, and each exists.
    how = README.split("## How it works", 1)[1].split("\n## ", 1)[0]
    packages = re.findall(r"narrate/(\w+)/", how)
    for stage in ("article", "speech", "pictures", "video", "web"):
        assert stage in packages, stage
        assert (ROOT / "narrate" / stage / "__init__.py").is_file(), stage

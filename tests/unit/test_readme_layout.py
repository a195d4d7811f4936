"""README.md's Layout table names paths that exist, and every package and test folder is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def layout_cells() -> list[list[str]]:
    """The paths of each row's first cell: the first from the root, the others (``xmldsig/`` after
    ``gateway/core/signature/``) beside the first."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [re.findall(r"`([^`]+)`", cell) for cell in cells]


def layout_paths() -> list[str]:
    return [path for cell in layout_cells() for path in cell]


def test_every_path_in_the_layout_exists() -> None:
    cells = layout_cells()
    assert cells
    for first, *others in cells:
        assert (ROOT / first).exists(), f"README's Layout names {first}, which does not exist"
        for other in others:
            assert (ROOT / other).exists() or (ROOT / first).parent.joinpath(other).exists(), (
                f"README's Layout names {other} (beside {first}), which does not exist"
            )


def test_every_top_level_package_and_test_folder_is_in_the_layout() -> None:
    named = " ".join(layout_paths())
    for folder in [*sorted((ROOT / "gateway").iterdir()), *sorted((ROOT / "tests").iterdir())]:
        if folder.is_dir() and folder.name not in ("__pycache__", "support", "data"):
            relative = folder.relative_to(ROOT).as_posix()
            missing = f"{relative} is missing from README's Layout"
            assert relative in named or f"{folder.name}/" in named, missing

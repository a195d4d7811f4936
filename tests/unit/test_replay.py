"""gateway.channels.cli.replay: what a file is expected to do, percentiles, and which files are sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.channels.cli.replay import collect, expected_code, percentile
from gateway.core.errors import error_classes

# --- expected_code ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [cls.code for cls in error_classes()])
def test_folder_named_after_a_known_code(code: str) -> None:
    assert expected_code(Path("samples") / "errors" / code / "case-1.xml") == code


@pytest.mark.parametrize(
    "path",
    [
        "samples/valid/ncts2/cc015c.xml",
        "samples/errors/NOT_A_CODE/x.xml",
        "samples/errors/schema_invalid/x.xml",  # codes are upper case
        "samples/SCHEMA_INVALID/nested/x.xml",  # only the folder the file is in counts
        "x.xml",
        "INTERNAL/x.xml",  # the abstract base's code is not a refusal anyone can expect
    ],
)
def test_other_folders_expect_acceptance(path: str) -> None:
    assert expected_code(Path(path)) is None


def test_file_named_like_a_code_is_not_a_folder() -> None:
    assert expected_code(Path("samples/SCHEMA_INVALID.xml")) is None


# --- percentile -------------------------------------------------------------------------------


def test_percentile_of_nothing() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([], 0.99) == 0.0


def test_percentile_of_one_value() -> None:
    for q in (0.0, 0.5, 0.95, 1.0):
        assert percentile([0.42], q) == 0.42


def test_percentile_bounds_are_min_and_max() -> None:
    values = [5.0, 1.0, 9.0, 3.0, 7.0]
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 9.0


def test_percentile_of_one_to_a_hundred() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    # nearest rank: p50 of 1..100 is 50 or 51, p95 is 95, p99 is 99
    assert percentile(values, 0.5) in (50.0, 51.0)
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0


def test_percentile_median_of_odd_count() -> None:
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(v) for v in range(1, 102)], 0.5) == 51.0


def test_percentile_is_monotonic_and_a_member() -> None:
    values = [0.012, 0.5, 0.031, 0.2, 0.018, 0.9, 0.044, 0.07]
    previous = float("-inf")
    for step in range(101):
        result = percentile(values, step / 100)
        assert result in values
        assert result >= previous
        previous = result


def test_percentile_does_not_reorder_its_input() -> None:
    values = [3.0, 1.0, 2.0]
    percentile(values, 0.5)
    assert values == [3.0, 1.0, 2.0]


def test_percentile_out_of_range_fraction_is_clamped() -> None:
    assert percentile([1.0, 2.0, 3.0], 1.5) == 3.0
    assert percentile([1.0, 2.0, 3.0], -0.5) == 1.0


# --- collect ----------------------------------------------------------------------------------


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"<r/>")
    return path


def test_collect_walks_folder_trees(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    a = touch(samples / "valid" / "b.xml")
    b = touch(samples / "valid" / "a.xml")
    c = touch(samples / "errors" / "SCHEMA_INVALID" / "deep" / "er" / "c.xml")
    touch(samples / "valid" / "notes.txt")
    touch(samples / "valid" / "d.xml.bak")
    (samples / "folder.xml").mkdir()  # a folder with an .xml name is not a file to send
    found = collect([samples])
    assert set(found) == {a, b, c}
    assert len(found) == 3
    assert found == sorted(found)  # a stable order


def test_collect_keeps_files_named_directly_and_argument_order(tmp_path: Path) -> None:
    single = touch(tmp_path / "one" / "z-single.xml")
    other = touch(tmp_path / "other.txt")  # named explicitly: sent whatever its extension
    tree = tmp_path / "tree"
    inner = touch(tree / "a.xml")
    assert collect([single, tree, other]) == [single, inner, other]


def test_collect_of_empty_folder(tmp_path: Path) -> None:
    assert collect([tmp_path]) == []
    assert collect([]) == []


def test_collected_files_keep_their_expected_code(tmp_path: Path) -> None:
    bad = touch(tmp_path / "errors" / "XML_FORBIDDEN" / "xxe.xml")
    good = touch(tmp_path / "valid" / "ok.xml")
    assert {p: expected_code(p) for p in collect([tmp_path])} == {bad: "XML_FORBIDDEN", good: None}

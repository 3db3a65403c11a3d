"""Shared helpers for the quality tests: running the command, reading expected values."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from yanxun.quality.cli import main

DATA = Path(__file__).parent / "data"
TEXT_KEYS = {"subject", "school", "class", "line", "teacher", "item", "difficulty_flag",
             "discrimination_flag", "key"}


def exact(expression: str) -> float:
    """An expected value written as an exact expression: "480/7", "sqrt(13200)/7"."""
    return float(eval(expression, {"__builtins__": {}, "sqrt": math.sqrt}))  # noqa: S307


def assert_rows(actual: list[dict], expected: list[dict], rel: float = 1e-12,
                abs_: float = 1e-12) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert set(got) >= set(want), set(want) - set(got)
        for key, value in want.items():
            if isinstance(value, str) and key not in TEXT_KEYS:
                value = exact(value)
            if isinstance(value, float) or (isinstance(value, int) and isinstance(got[key], float)):
                assert got[key] == pytest.approx(value, rel=rel, abs=abs_), (key, got, want)
            else:
                assert got[key] == value, (key, got, want)


def run(args: list[str], capsys) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def copy_data(name: str, folder: Path) -> Path:
    target = folder / name
    shutil.copy(DATA / name, target)
    return target


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))

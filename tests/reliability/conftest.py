"""Fixtures of the reliability suite (see README.md next to this file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

FIGURES = h.ROOT / "tests" / "output" / "reliability-figures.json"


def pytest_configure(config):
    h.link_collection()
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text("{}")


@pytest.fixture(scope="session")
def figures():
    """Counters the suite reports at the end (faults injected, interruptions, bad inputs...)."""
    data: dict = {}

    def record(key: str, value) -> None:
        data[key] = value
        FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True))

    yield record


def pytest_terminal_summary(terminalreporter):
    if FIGURES.exists():
        data = json.loads(FIGURES.read_text() or "{}")
        if data:
            terminalreporter.write_sep("-", "reliability figures")
            for key, value in sorted(data.items()):
                terminalreporter.write_line(f"{key}: {value}")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """A fresh fault-free emulator for one test module."""
    emu = h.Emu(tmp_path_factory.mktemp("emu"))
    yield emu
    emu.stop()

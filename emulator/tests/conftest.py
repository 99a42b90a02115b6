"""Session fixture: one emulator process for the suite, started through the CLI contract."""

from __future__ import annotations

import pytest
from emu_harness import Emu, start_emulator, stop_emulator


@pytest.fixture(scope="session")
def emu(tmp_path_factory) -> Emu:
    e = start_emulator(tmp_path_factory.mktemp("emu"))
    yield e
    stop_emulator(e)


@pytest.fixture(autouse=True)
def _clean_faults(request):
    """Tests that inject faults or move the clock must not leak them into the next test."""
    yield
    if "emu" in request.fixturenames:
        e = request.getfixturevalue("emu")
        e.admin("POST", "faults", {"clear": True})

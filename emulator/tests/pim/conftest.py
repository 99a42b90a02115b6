"""Fixtures for the PIM engine tests."""

from __future__ import annotations

import pytest
from pim_env import Env


@pytest.fixture
def env() -> Env:
    return Env()

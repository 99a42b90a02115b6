# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant data in the shapes pim_role_setting_info and pim_activation_info return."""

from __future__ import annotations

import pytest
from filter_data import settings_data, tidy_data


@pytest.fixture
def settings():
    return settings_data()


@pytest.fixture
def tidy_assignments():
    return tidy_data()

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening baseline's filters: which role falls in which tier, and what each tier's settings are.

The functions live in ``plugins/module_utils/_baseline.py`` so that ``entra.pim.pim_role_setting`` (its
``baseline`` option, which ``roles/baseline`` uses) plans the tiers in the process that reads and writes the
policies: a module cannot import a filter plugin, a filter can import module_utils. Here they are exposed to
playbooks and to ``roles/compliance`` (which compares a tenant against the very same groups), with the
baseline's errors raised as AnsibleFilterError. Unit-tested in tests/unit/plugins/filter/.
"""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError

from ansible_collections.entra.pim.plugins.module_utils import _baseline
# Re-exported: pim_compliance and the tests import these names from the filter, where they were first.
from ansible_collections.entra.pim.plugins.module_utils._baseline import (  # noqa: F401 pylint: disable=unused-import
    CIS_ROLES,
    CISA_ROLES,
    DEFAULTS,
    GLOBAL_ADMINISTRATOR,
    HIGHLY_PRIVILEGED,
    PRIVILEGED,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    baseline_config,
    compare_settings,
)


def _filter_errors(func):
    """``func`` raising the baseline's errors as AnsibleFilterError, which Ansible reports with the message."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except _baseline.BaselineError as exc:
            raise AnsibleFilterError(str(exc)) from exc
    return wrapper


baseline_plan = _filter_errors(_baseline.baseline_plan)
baseline_group_plan = _filter_errors(_baseline.baseline_group_plan)
baseline_problems = _filter_errors(_baseline.baseline_problems)
baseline_role_settings = _filter_errors(_baseline.baseline_role_settings)
baseline_azure_role_settings = _filter_errors(_baseline.azure_baseline_role_settings)
baseline_azure_problems = _filter_errors(_baseline.azure_baseline_problems)


class FilterModule:
    def filters(self):
        return {"pim_baseline_plan": baseline_plan, "pim_baseline_group_plan": baseline_group_plan,
                "pim_baseline_problems": baseline_problems,
                "pim_baseline_role_settings": baseline_role_settings,
                "pim_baseline_azure_role_settings": baseline_azure_role_settings,
                "pim_baseline_azure_problems": baseline_azure_problems}

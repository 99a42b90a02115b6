"""Handlers of the ARM routes (``routes/arm.py``): ``common`` (what every ARM answer shares), ``scopes``
(subscriptions, management groups, resource groups, role definitions), ``policies`` (role management policies
and their assignments). Each works on a tenant's ``PimEngine`` and the ``pim.arm_*`` state under it."""

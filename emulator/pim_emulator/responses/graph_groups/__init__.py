"""Handlers of the PIM for Groups routes (``routes/graph_groups.py``): Graph v1.0
``identityGovernance/privilegedAccess/group/*``, on the same engine and models as directory roles."""

"""The PIM engine of the Graph PIM emulator, its models: policies, schedule requests, schedules, instances,
approvals, classic role assignments and the PIM audit log. Pure Python, no sockets, no routing: the
route tables (``pim_emulator.routes``) send each Graph call to a handler (``pim_emulator.responses``)
that works on a tenant's ``engine.PimEngine`` through these modules.

This file imports nothing: importing any engine module runs it first, so a re-export here would make
every model import the package that imports it (tests/test_layers.py)."""

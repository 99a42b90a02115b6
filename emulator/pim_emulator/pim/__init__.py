"""The PIM engine of the Graph PIM emulator: policies, schedule requests, schedules, instances,
approvals, classic role assignments and the PIM audit log. Pure Python, no sockets; the HTTP
layer talks to it only through ``engine.PimEngine.dispatch`` (see ``pim_emulator.contract``)."""

from .engine import PimEngine, seed_tenant

__all__ = ["PimEngine", "seed_tenant"]

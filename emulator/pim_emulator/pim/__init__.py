"""The PIM engine of the Graph PIM emulator, its models: policies, schedule requests, schedules, instances,
approvals, classic role assignments and the PIM audit log. Pure Python, no sockets, no routing: the
route tables (``pim_emulator.routes``) send each Graph call to a handler (``pim_emulator.responses``)
that works on a tenant's ``engine.PimEngine`` through these modules."""

from .engine import PimEngine
from .seeding import seed_tenant

__all__ = ["PimEngine", "seed_tenant"]

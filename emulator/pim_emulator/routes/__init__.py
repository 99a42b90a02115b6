"""Route tables, one module per emulated API (moto's ``urls.py``): ``graph_directory`` (PIM for directory
roles and directory objects). PIM for Groups (Graph ``identityGovernance/privilegedAccess/group``) would be
one more module of rows whose handlers, in ``responses/``, work on the same engine; Azure resource roles (ARM
``Microsoft.Authorization``) one more with its own table, since ARM is another host and another error shape.
"""

from __future__ import annotations

from ..routing import RouteTable
from . import graph_directory

# Every route served under https://host/{v1.0|beta}/: each Graph API's rows, matched as one table.
GRAPH = RouteTable(graph_directory.ROUTES)

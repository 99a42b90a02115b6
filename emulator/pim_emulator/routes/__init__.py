"""Route tables, one module per emulated API (moto's ``urls.py``): ``graph_directory`` (PIM for directory
roles and directory objects). PIM for Groups (Graph ``identityGovernance/privilegedAccess/group``) would be
one more module of rows whose handlers, in ``responses/``, work on the same engine; Azure resource roles (ARM
``Microsoft.Authorization``) one more with its own table, since ARM is another host and another error shape.

The Graph front door joins the Graph tables into one (``graph.GRAPH``). This file imports nothing, for the
reason ``pim/__init__.py`` gives.
"""

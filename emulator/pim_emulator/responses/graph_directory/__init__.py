"""Handlers of the Graph v1.0 directory API: PIM for directory roles (``roleManagement/directory``,
``policies/roleManagement*``, ``auditLogs/directoryAudits``, the beta ``roleAssignmentApprovals``) and the
directory objects the collection reads. Their routes: ``pim_emulator.routes.graph_directory``."""

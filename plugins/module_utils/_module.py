# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every entra.pim module is built on.

Private to the collection (leading underscore): may change in any release.

It merges the common authentication options into the module's own, owns the one Graph session
of the run, and turns every failure into one ``fail_json`` that carries Graph's code, message,
request-id and a hint, plus the Graph request count so a run's cost is visible.
"""

from __future__ import annotations

import os
import traceback

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ._auth import (AUTH_METHODS, AZURE_IDENTITY_IMPORT_ERROR, HAS_AZURE_IDENTITY, AuthError, normalise_auth,
                    validate_auth)
from ._client import GRAPH_SDK_IMPORT_ERROR, HAS_GRAPH_SDK, GraphCallError, GraphSession
from ._inert import printable

AUTH_OPTIONS = (
    "auth_method", "tenant_id", "client_id", "client_secret", "certificate_path", "certificate_password",
    "federated_token_file", "access_token", "cloud", "graph_url", "authority_host", "ca_bundle",
    "username", "password", "allow_insecure_http",
)


def env_fallback(*names):
    """The first of the environment variables that is set *and not empty*.

    Ansible's own ``env_fallback`` takes an empty variable as set, so AWX's ``AZURE_TENANT_ID=""``
    (an optional credential field left empty) would hide ``AZURE_TENANT`` and arrive as ``""``.
    """
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip():
            return value
    raise AnsibleFallbackNotFound


def auth_argument_spec():
    """The connection options shared by every module (documented in the entra.pim.auth fragment)."""
    return dict(
        auth_method=dict(type="str", default="auto", choices=list(AUTH_METHODS)),
        tenant_id=dict(type="str", fallback=(env_fallback, ["AZURE_TENANT_ID", "AZURE_TENANT"])),
        client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True,
                           fallback=(env_fallback, ["AZURE_CLIENT_SECRET", "AZURE_SECRET"])),
        certificate_path=dict(type="path", fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PATH"])),
        certificate_password=dict(type="str", no_log=True,
                                  fallback=(env_fallback, ["AZURE_CLIENT_CERTIFICATE_PASSWORD"])),
        federated_token_file=dict(type="path", fallback=(env_fallback, ["AZURE_FEDERATED_TOKEN_FILE"])),
        access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["ENTRA_PIM_ACCESS_TOKEN"])),
        username=dict(type="str", fallback=(env_fallback, ["AZURE_USERNAME", "AZURE_AD_USER"])),
        password=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_PASSWORD"])),
        cloud=dict(type="str", default="public", choices=["public", "usgovernment", "usgovernment_dod", "china"]),
        graph_url=dict(type="str", fallback=(env_fallback, ["ENTRA_PIM_GRAPH_URL"])),
        authority_host=dict(type="str", fallback=(env_fallback, ["ENTRA_PIM_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST"])),
        ca_bundle=dict(type="path", fallback=(env_fallback, ["ENTRA_PIM_CA_BUNDLE"])),
        allow_insecure_http=dict(type="bool", default=False),
        max_retries=dict(type="int", default=6),
        timeout=dict(type="int", default=60),
        # Azure resource modules only (through Resource Manager); accepted by every module so that one
        # module_defaults for group/entra.pim.all can carry them.
        arm_url=dict(type="str", aliases=["resource_manager_url"],
                     fallback=(env_fallback, ["ENTRA_PIM_ARM_URL", "AZURE_RESOURCE_MANAGER_URL"])),
        subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
    )


class PimModule:
    """``AnsibleModule`` plus the Graph session; unknown attributes pass through to the module."""

    def __init__(self, argument_spec, arm=False, **kwargs):
        spec = auth_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        # An Azure resource module (arm=True) talks to Resource Manager and reports arm_requests.
        self.uses_arm = arm
        self._arm = None
        # _arm_client only for an Azure resource module: a Graph module's process never compiles it (AnsiballZ
        # imports module_utils from its zip, from source) nor runs it. Ansible packs it all the same, since
        # its dependency finder reads the imports inside functions too.
        if arm:
            from ._arm_client import ARM_SDK_IMPORT_ERROR, HAS_ARM_SDK

            if not HAS_ARM_SDK:
                self.module.fail_json(msg=missing_required_lib("azure-mgmt-authorization"),
                                      exception=str(ARM_SDK_IMPORT_ERROR))
        if not HAS_GRAPH_SDK:
            self.module.fail_json(msg=missing_required_lib("msgraph-sdk"), exception=str(GRAPH_SDK_IMPORT_ERROR))
        if not HAS_AZURE_IDENTITY:
            self.module.fail_json(msg=missing_required_lib("azure-identity"),
                                  exception=str(AZURE_IDENTITY_IMPORT_ERROR))
        self._graph = None

    def __getattr__(self, name):
        return getattr(self.module, name)

    @property
    def diff_mode(self):
        return self.module._diff

    @property
    def auth(self):
        """The connection options, an empty string counting as unset (``normalise_auth``)."""
        return normalise_auth({name: self.module.params.get(name) for name in AUTH_OPTIONS})

    def check_auth(self):
        """Fail on missing or conflicting credential options before any other work."""
        try:
            validate_auth(self.auth)
        except AuthError as exc:
            self.module.fail_json(msg=str(exc))

    def graph(self):
        """The run's Graph session (created on first use, one per module run)."""
        if self._graph is None:
            self.check_auth()
            params = self.module.params
            for name in ("max_retries", "timeout"):
                if params[name] is None or params[name] < (0 if name == "max_retries" else 1):
                    self.module.fail_json(msg=f"{name} must be {'0 or more' if name == 'max_retries' else '1 or more'}"
                                          f" (got {params[name]})")
            self._graph = GraphSession(self.auth, max_retries=params["max_retries"], timeout=params["timeout"])
        return self._graph

    def arm(self):
        """The run's Resource Manager session (created on first use, one per module run)."""
        if self._arm is None:
            self.graph()  # checks the auth options, max_retries and timeout
            from ._arm_client import ArmSession

            params = self.module.params
            try:
                self._arm = ArmSession(self.auth, arm_url=normalise_auth({"u": params.get("arm_url")})["u"],
                                       subscription_id=normalise_auth({"s": params.get("subscription_id")})["s"],
                                       max_retries=params["max_retries"], timeout=params["timeout"])
            except AuthError as exc:
                self.module.fail_json(msg=str(exc))
        return self._arm

    @property
    def default_subscription(self):
        """The subscription a scope that names none means (subscription_id or AZURE_SUBSCRIPTION_ID)."""
        return normalise_auth({"s": self.module.params.get("subscription_id")})["s"]

    def arm_stats(self):
        if self._arm is None:
            return {"requests": 0, "writes": 0, "retries": 0}
        return self._arm.stats()

    def graph_stats(self):
        if self._graph is None:
            return {"requests": 0, "writes": 0, "retries": 0}
        return {"requests": self._graph.request_count, "writes": self._graph.write_count,
                "retries": self._graph.retries}

    def warn(self, warning):
        """A warning, with tenant-chosen names in it unable to drive the operator's terminal."""
        self.module.warn(printable(warning))

    def fail(self, msg, **kwargs):
        self._close()
        kwargs.setdefault("graph_requests", self.graph_stats())
        if self.uses_arm:
            kwargs.setdefault("arm_requests", self.arm_stats())
        # Messages quote role and principal names and Graph's own text: none may carry terminal escapes.
        self.module.fail_json(msg=printable(msg), **kwargs)

    def fail_graph(self, error, action, **kwargs):
        """One failure message: what failed, Graph's code and message, the request-id, a hint."""
        if isinstance(error, GraphCallError):
            self.fail(error.describe(action), error=error.as_dict(), **kwargs)
        if isinstance(error, AuthError):
            self.fail(f"{action} failed: {error}", **kwargs)
        self.fail(f"{action} failed: {error}", exception=traceback.format_exc(), **kwargs)

    def exit(self, **result):
        self._close()
        result.setdefault("graph_requests", self.graph_stats())
        if self.uses_arm:
            result.setdefault("arm_requests", self.arm_stats())
        self.module.exit_json(**result)

    def _close(self):
        if self._graph is not None:
            self._graph.close()
        if self._arm is not None:
            self._arm.close()

"""AWS clients for the operator tools (``civicdesk.cli``), which run on an administrator's machine
against a resource named on the command line rather than in the functions' settings.

Plain botocore clients (the package never needs boto3; ``docs/decisions.md``) from a session of
their own, with the usual credentials, profile and region resolution.
"""

from __future__ import annotations

from typing import Any


def operator_client(service: str, *, region: str | None = None, endpoint_url: str | None = None,
                    local: bool = False) -> Any:
    """A botocore client of ``service``; ``endpoint_url`` for an emulator. The local runtime's
    endpoint (moto) accepts any credentials, so with ``local`` none of the user's are sent
    there."""
    import botocore.session

    options: dict[str, Any] = {}
    if region:
        options["region_name"] = region
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if local:
        options.update(aws_access_key_id="local", aws_secret_access_key="local")
    return botocore.session.get_session().create_client(service, **options)

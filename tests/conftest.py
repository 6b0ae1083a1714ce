import os

import pytest

from infra.local.template import Template
from tests.support import aws

# Powertools reads its settings when its objects are created, which may be at collection time
# (doctests import the package): give the process the template's Powertools settings first.
for _spec in Template().functions().values():
    for _key, _value in _spec.environment.items():
        if _key.startswith("POWERTOOLS_") and isinstance(_value, str):
            os.environ.setdefault(_key, _value)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def _share_botocore_data_loader() -> None:
    """One botocore data loader for every session of the test process. Each ``wiring.reset()``
    makes a new PynamoDB connection, hence a new botocore session, which would read and parse
    the services' JSON models again (about a tenth of a second per client); within one session
    botocore already shares its loader between clients, so sharing it between sessions changes
    nothing else."""
    import botocore.session
    from botocore.loaders import create_loader

    loaders: dict = {}

    def shared(search_path_string=None):
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared  # type: ignore[attr-defined]


_share_botocore_data_loader()


@pytest.fixture
def moto_account(monkeypatch):
    """An empty AWS account of moto in-process, with test credentials (never the machine's
    endpoint or profile)."""
    from moto import mock_aws

    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def aws_env(monkeypatch, moto_account):
    """moto in-process with the template's tables, the SES identity, the demo municipality
    seeded and the API function's environment set."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws.REGION)
    monkeypatch.setenv("AWS_REGION", aws.REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    resources, environment = aws.provision_all()
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    from civicdesk import wiring
    from civicdesk.cli import seed

    wiring.reset()
    seed.seed(str(aws.CONFIG_DIR))
    yield resources
    wiring.reset()

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


def _import_moto_signing_key_once() -> None:
    """moto's Cognito imports its one fixed RSA signing key (a file of moto's) for every user
    pool it creates, and importing recovers the key's primes (a third of a second); every
    in-process account creates the template's pool. The key is the same file each time: import
    it once per process."""
    import json

    from joserfc import jwk

    original = jwk.RSAKey.import_key.__func__  # type: ignore[attr-defined]
    imported: dict = {}

    def import_key(cls, value, *args, **kwargs):
        if args or kwargs or not isinstance(value, (dict, str)):
            return original(cls, value, *args, **kwargs)
        key = json.dumps(value, sort_keys=True) if isinstance(value, dict) else value
        if key not in imported:
            imported[key] = original(cls, value)
        return imported[key]

    jwk.RSAKey.import_key = classmethod(import_key)  # type: ignore[method-assign]


_import_moto_signing_key_once()


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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """``--dist loadgroup`` keeps each ``xdist_group`` on one worker: pytest-xdist marks the
    group in the test's node id (``...::test_x@group``), which its scheduler splits on. xdist
    3.8 writes ``item._nodeid``, which pytest 9.2 no longer reads (the id is ``item._id``), so
    without this every test was scheduled on its own: a module's tests spread over both workers
    and each worker set up the module's runtime and browser again. The same suffix, where
    pytest reads it."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                 for mark in item.iter_markers("xdist_group")}
        suffix = f"@{'_'.join(sorted(names))}"
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(f"{item.nodeid}{suffix}")

"""The tracking links' key from Secrets Manager (moto), and the local runtime's secrets."""

from __future__ import annotations

import json
import stat

import boto3
import pytest

from civicdesk.adapters.secrets import SecretsManagerLinkKeys
from civicdesk.domain.errors import ConfigurationError
from civicdesk.domain.tracking_tokens import LinkKey
from infra.local.secrets import SecretTemplateError, generate, provision_secrets
from infra.local.template import Template

REGION = "eu-central-1"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def secrets_client(moto_account):
    client = boto3.client("secretsmanager", region_name=REGION)
    calls: list[str] = []
    client.meta.events.register("before-call.secrets-manager",
                                lambda model, **_: calls.append(model.name))
    client.calls = calls  # type: ignore[attr-defined]
    return client


def test_keys_follow_a_rotation_current_first_previous_kept(secrets_client):
    # GIVEN a secret as CloudFormation creates it, never rotated
    arn = secrets_client.create_secret(Name="links", SecretString="a" * 64)["ARN"]
    clock = Clock()
    keys = SecretsManagerLinkKeys(lambda: secrets_client, arn, ttl_seconds=300, clock=clock)
    assert keys.keys() == (LinkKey(b"a" * 64),)
    # WHEN it is rotated (put-secret-value moves AWSCURRENT, the old becomes AWSPREVIOUS)
    secrets_client.put_secret_value(SecretId=arn, SecretString="b" * 64)
    # THEN the cached keys serve until the TTL, then the new key writes and both check
    assert keys.keys() == (LinkKey(b"a" * 64),)
    clock.now += 300
    assert keys.keys() == (LinkKey(b"b" * 64), LinkKey(b"a" * 64))
    # AND a second rotation drops the first key
    secrets_client.put_secret_value(SecretId=arn, SecretString="c" * 64)
    clock.now += 300
    assert keys.keys() == (LinkKey(b"c" * 64), LinkKey(b"b" * 64))


def test_a_fresh_read_is_made_at_most_once_a_minute(secrets_client):
    arn = secrets_client.create_secret(Name="links", SecretString="a" * 64)["ARN"]
    clock = Clock()
    keys = SecretsManagerLinkKeys(lambda: secrets_client, arn, clock=clock)
    keys.keys()
    reads = len(secrets_client.calls)
    # Tokens naming unknown keys (made up, or a key rotated in meanwhile) ask for fresh keys:
    for _ in range(20):
        keys.keys(fresh=True)
    assert len(secrets_client.calls) == reads
    clock.now += 60
    keys.keys(fresh=True)
    assert len(secrets_client.calls) == reads + 2  # AWSCURRENT, AWSPREVIOUS


def test_an_unreadable_secret_is_a_configuration_error_but_cached_keys_survive_a_failed_refresh(
        secrets_client):
    clock = Clock()
    missing = SecretsManagerLinkKeys(lambda: secrets_client, "arn:aws:secretsmanager:eu-central-1:"
                                     "123456789012:secret:nope", clock=clock)
    with pytest.raises(ConfigurationError):
        missing.keys()
    with pytest.raises(ConfigurationError):
        SecretsManagerLinkKeys(lambda: secrets_client, "").keys()
    short = secrets_client.create_secret(Name="short", SecretString="too short")["ARN"]
    with pytest.raises(ConfigurationError):
        SecretsManagerLinkKeys(lambda: secrets_client, short).keys()
    arn = secrets_client.create_secret(Name="links", SecretString="a" * 64)["ARN"]
    keys = SecretsManagerLinkKeys(lambda: secrets_client, arn, clock=clock)
    keys.keys()
    secrets_client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    clock.now += 301
    assert keys.keys() == (LinkKey(b"a" * 64),)


def test_the_local_runtime_keeps_a_generated_secret_across_starts(moto_account, tmp_path):
    client = boto3.client("secretsmanager", region_name=REGION)
    template = Template()
    # GIVEN the template's secret, created by the runtime with a state directory
    first = provision_secrets(template, client, "run1", tmp_path)
    value = client.get_secret_value(SecretId=first["TrackingLinkSecret"])["SecretString"]
    assert len(value) == 64 and value.isalnum()
    kept = tmp_path / "secrets" / "TrackingLinkSecret.json"
    assert json.loads(kept.read_text())["value"] == value
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # WHEN it starts again, THEN the value is the same (links already sent keep opening)
    again = provision_secrets(template, client, "run2", tmp_path)
    assert client.get_secret_value(SecretId=again["TrackingLinkSecret"])["SecretString"] == value
    # and without a state directory every start has its own
    other = provision_secrets(template, client, "run3")
    assert client.get_secret_value(SecretId=other["TrackingLinkSecret"])["SecretString"] != value


def test_generated_values_follow_cloudformations_options():
    assert set(generate({"PasswordLength": 40, "ExcludeCharacters": "abc",
                         "ExcludePunctuation": True})) & set("abc") == set()
    assert len(generate({})) == 32
    digits = generate({"PasswordLength": 12, "ExcludeUppercase": True, "ExcludeLowercase": True,
                       "ExcludePunctuation": True})
    assert digits.isdigit()
    with pytest.raises(SecretTemplateError):
        generate({"PasswordLength": 12, "GenerateStringKey": "x"})

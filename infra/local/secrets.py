"""Secrets Manager secrets of ``template.yaml`` (``AWS::SecretsManager::Secret``) in moto.

CloudFormation generates a secret's value from ``GenerateSecretString``; so does this module,
once, and keeps it in the state directory (``<state>/secrets/<LogicalId>.json``, readable only
by the owner), because a value that changed at every ``make run`` would void every tracking
link already in the outbox. ``!Ref`` of a secret is its ARN, as in CloudFormation.

A rotation made against the running emulation (``aws --endpoint-url ... secretsmanager
put-secret-value``) behaves as in AWS (``AWSCURRENT`` and ``AWSPREVIOUS``) until the runtime
stops; the next start has the value kept here again.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path
from typing import Any

from infra.local.template import Template

FORMAT = 1
#: What CloudFormation's ``GenerateSecretString`` excludes with ``ExcludePunctuation``.
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_SUPPORTED = {"PasswordLength", "ExcludePunctuation", "ExcludeCharacters", "ExcludeUppercase",
              "ExcludeLowercase", "ExcludeNumbers", "IncludeSpace", "RequireEachIncludedType"}


class SecretTemplateError(ValueError):
    """A secret the local runtime cannot create as CloudFormation would."""


def generate(spec: dict) -> str:
    """A value as CloudFormation's ``GenerateSecretString`` makes it (the properties above;
    32 characters by default, each included kind of character at least once).

    Examples
    --------
    >>> value = generate({"PasswordLength": 64, "ExcludePunctuation": True})
    >>> len(value), value.isalnum()
    (64, True)
    """
    unknown = set(spec) - _SUPPORTED
    if unknown:
        raise SecretTemplateError(f"GenerateSecretString: {', '.join(sorted(unknown))} is not "
                                  "emulated locally")
    length = int(spec.get("PasswordLength", 32))
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    kinds = [kind for kind, off in ((string.ascii_uppercase, spec.get("ExcludeUppercase")),
                                    (string.ascii_lowercase, spec.get("ExcludeLowercase")),
                                    (string.digits, spec.get("ExcludeNumbers")),
                                    (_PUNCTUATION, spec.get("ExcludePunctuation")),
                                    (" ", not spec.get("IncludeSpace"))) if not off]
    kinds = [[ch for ch in kind if ch not in excluded] for kind in kinds]
    kinds = [kind for kind in kinds if kind]
    alphabet = [ch for kind in kinds for ch in kind]
    if not alphabet or length < len(kinds):
        raise SecretTemplateError("GenerateSecretString leaves no value to generate")
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if not spec.get("RequireEachIncludedType", True) or all(
                any(ch in kind for ch in value) for kind in kinds):
            return value


def provision_secrets(template: Template, client: Any, prefix: str,
                      state_dir: Path | None = None) -> dict[str, str]:
    """Create every secret the template declares; logical id -> ARN. With ``state_dir``, a
    value kept by an earlier start is used again, a new one is kept."""
    arns: dict[str, str] = {}
    for logical_id, resource in template.of_type("AWS::SecretsManager::Secret").items():
        properties = resource.get("Properties") or {}
        if "SecretString" in properties or "GenerateSecretString" not in properties:
            raise SecretTemplateError(f"{logical_id}: only a generated secret is emulated locally "
                                      "(a literal SecretString would be in the template)")
        path = state_dir / "secrets" / f"{logical_id}.json" if state_dir else None
        value = _kept(path)
        if value is None:
            value = generate(properties["GenerateSecretString"])
            if path is not None:
                _keep(path, value)
        answer = client.create_secret(Name=f"{prefix}-{logical_id}", SecretString=value)
        arns[logical_id] = answer["ARN"]
    return arns


def _kept(path: Path | None) -> str | None:
    if path is None or not path.exists():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT or not isinstance(document.get("value"), str):
        raise SecretTemplateError(f"{path}: not a secret file of format {FORMAT}")
    return document["value"]


def _keep(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump({"format": FORMAT, "value": value}, stream)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)

"""Provision, in moto, what ``template.yaml`` declares (with the local runtime's own code), and
load function modules the way Lambda does, from the template's Handler."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from infra.local import aws as local_aws
from infra.local.aws import Resources
from infra.local.template import ROOT, Template

REGION = "eu-central-1"
CONFIG_DIR = ROOT / "infra" / "config"


def provision_all(public_url: str = "http://portal.test") -> tuple[Resources, dict[str, str]]:
    """Create what the template declares (the local runtime's own provisioning) and return the
    resources with the functions' environment, references resolved."""
    template = Template()
    parameters = {**template.parameter_defaults(), "PublicUrl": public_url}
    resources = local_aws.provision(template, parameters)
    return resources, local_aws.function_environment(template, resources, parameters)


def load_function(logical_id: str) -> ModuleType:
    """Import a function's handler module by the path the template names (fresh each time),
    with its own service name, as the local runtime does."""
    from infra.local.lambdas import load_module

    return load_module(Template().functions()[logical_id], f"civicdesk_function_{logical_id}")


@lru_cache(maxsize=None)
def _function_specs():
    return Template().functions()


def context(logical_id: str):
    """A Lambda context for ``logical_id`` (the local runtime's)."""
    from infra.local.lambdas import LambdaContext

    spec = _function_specs()[logical_id]
    return LambdaContext(logical_id, spec.memory_size, spec.timeout, REGION, "123456789012")


def sent_mails() -> list[EmailMessage]:
    """Messages moto's SES accepted, parsed, oldest first; ``X-Test-Destinations`` lists the
    envelope recipients SES was given."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    parsed = []
    for sent in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        raw = sent.raw_data if isinstance(sent.raw_data, bytes) else sent.raw_data.encode()
        message = BytesParser(policy=policy.default).parsebytes(raw)
        message["X-Test-Destinations"] = ", ".join(dict.fromkeys(sent.destinations))
        parsed.append(message)
    return parsed


def mails_to(address: str) -> list[EmailMessage]:
    """The sent messages ``address`` was an envelope recipient of, oldest first."""
    return [m for m in sent_mails() if address in m["X-Test-Destinations"].split(", ")]


def sms_to(number: str) -> list[str]:
    """The texts moto's SNS sent to ``number``, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return [text for to, text in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
            if to == number]


def dynamodb_calls() -> list[str]:
    """From now on, the DynamoDB calls made through the shared connection, by operation name."""
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb import session

    wiring.case_repository()
    calls: list[str] = []
    session.connection_client().meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return calls


class DynamoReads:
    """From ``attach`` on, the DynamoDB calls made through the shared connection and the items
    they read (a ``Query``'s ``ScannedCount``: what DynamoDB charges for, matched or not; the
    items a ``GetItem`` or ``BatchGetItem`` returned)."""

    def __init__(self):
        self.calls: list[str] = []
        self.items = 0

    def attach(self) -> "DynamoReads":
        from civicdesk import wiring
        from civicdesk.adapters.dynamodb import session

        wiring.case_repository()
        session.connection_client().meta.events.register("after-call.dynamodb", self._count)
        return self

    def reset(self) -> None:
        self.calls.clear()
        self.items = 0

    def _count(self, model, parsed, **_):
        self.calls.append(model.name)
        if model.name in ("Query", "Scan"):
            self.items += int(parsed.get("ScannedCount", 0))
        elif model.name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items += sum(len(items) for items in (parsed.get("Responses") or {}).values())


def dynamodb_reads() -> DynamoReads:
    """From now on, the DynamoDB calls and the items they read (``DynamoReads``)."""
    return DynamoReads().attach()


__all__ = ["REGION", "CONFIG_DIR", "provision_all", "load_function", "context", "sent_mails",
           "mails_to", "sms_to", "dynamodb_calls", "dynamodb_reads", "DynamoReads", "Path"]

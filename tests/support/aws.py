"""Provision, in moto, what ``template.yaml`` declares (tables, mail identity) and seed the demo
municipality; load function modules the way Lambda does, from the template's Handler."""

from __future__ import annotations

import importlib.util
import sys
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import ModuleType

import boto3

from infra.local.template import ROOT, Template

REGION = "eu-central-1"
CONFIG_DIR = ROOT / "infra" / "config"


def environment(table_names: dict[str, str], public_url: str = "http://portal.test") -> dict:
    """The environment ``template.yaml`` gives the API function, refs resolved locally."""
    template = Template()
    params = template.parameter_defaults()
    params["PublicUrl"] = public_url

    def ref(name: str) -> str:
        if name in table_names:
            return table_names[name]
        if name in params:
            return str(params[name])
        raise KeyError(name)

    env = {}
    for spec in template.functions().values():
        for key, value in spec.environment.items():
            env[key] = str(template.resolve(value, ref))
    return env


def provision(prefix: str = "civicdesk-test") -> dict[str, str]:
    """Create every table of the template; verify the mail domain. Returns logical -> name."""
    template = Template()
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    names = {}
    for logical_id, spec in template.table_definitions().items():
        name = f"{prefix}-{logical_id}"
        dynamodb.create_table(TableName=name, **spec)
        ttl = template.ttl_attribute(logical_id)
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": ttl})
        names[logical_id] = name
    domain = template.parameter_defaults()["MailDomain"]
    boto3.client("ses", region_name=REGION).verify_domain_identity(Domain=domain)
    return names


def load_function(logical_id: str) -> ModuleType:
    """Import a function's handler module by the path the template names (fresh each time)."""
    spec_ = Template().functions()[logical_id]
    module_name = f"civicdesk_function_{logical_id}"
    spec = importlib.util.spec_from_file_location(module_name, spec_.module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


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


__all__ = ["REGION", "CONFIG_DIR", "environment", "provision", "load_function", "sent_mails",
           "Path"]

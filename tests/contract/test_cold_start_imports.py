"""What a cold start imports (issue 11, item 17). The time is measured in ``bench`` (``make
bench``); these tests pin the causes: modules a function's module must not load at import, so a
later change cannot bring them back unnoticed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from infra.local.template import ROOT, Template

#: Loaded only by the functions that trace their AWS calls (``TraceAwsCalls``).
TRACING = ("aws_xray_sdk", "wrapt")
#: The public API's first request (tracking a case) needs none of the request parsers and the
#: services behind them; the routes that take a body or a filter import them.
API_ROUTE_ONLY = ("civicdesk.api.case_commands", "civicdesk.api.commands", "civicdesk.api.schemas",
                  "civicdesk.api.validation", "civicdesk.services.feed", "civicdesk.services.staff",
                  "civicdesk.services.followers", "civicdesk.services.notification_records",
                  "civicdesk.rendering.templating", "civicdesk.rendering.notices")

_PROBE = """
import importlib.util, json, os, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))  # the code folder, as Lambda's /var/task
spec = importlib.util.spec_from_file_location("function_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
handler = getattr(module, sys.argv[2])
print(json.dumps({"modules": sorted(sys.modules),
                  "wrapped": getattr(handler, "__wrapped__", None) is not None}))
"""


def imported(logical_id: str, functions_dir=None, **environment: str) -> dict:
    """Import a function's module in a fresh interpreter, with a Lambda's environment and no AWS
    endpoint, and report what it loaded."""
    spec = Template().functions()[logical_id]
    functions_dir = functions_dir or ROOT / "functions"
    module_path = functions_dir / spec.module_path.relative_to(ROOT / "functions")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "POWERTOOLS_", "CIVICDESK_"))}
    env.update({"PYTHONPATH": str(functions_dir / "shared"), "AWS_REGION": "eu-central-1",
                "LAMBDA_TASK_ROOT": str(module_path.parent), "AWS_LAMBDA_FUNCTION_NAME": logical_id,
                "POWERTOOLS_SERVICE_NAME": str(spec.environment.get("POWERTOOLS_SERVICE_NAME")),
                "CIVICDESK_CASES_TABLE": "cases", "CIVICDESK_PUBLIC_URL": "https://portal.test",
                "CIVICDESK_MAIL_DOMAIN": "demo.test", **environment})
    out = subprocess.run([sys.executable, "-c", _PROBE, str(module_path), spec.attribute], env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == name or m.startswith(name + ".") for name in names)]


@pytest.mark.parametrize("logical_id", ["ApiFunction", "IngestEmailFunction", "NotifyFunction",
                                        "PublishEventsFunction", "DeliveryFeedbackFunction",
                                        "KeepStatisticsFunction"])
def test_no_function_imports_the_xray_sdk_unless_it_traces_aws_calls(logical_id):
    assert _loaded(imported(logical_id)["modules"], TRACING) == []


def test_tracing_aws_calls_when_the_stack_asks_for_it():
    traced = imported("IngestEmailFunction", CIVICDESK_TRACE_AWS_CALLS="true",
                      _X_AMZN_TRACE_ID="Root=1-67891233-abcdef012345678912345678;Sampled=1",
                      AWS_XRAY_CONTEXT_MISSING="LOG_ERROR")
    assert "aws_xray_sdk.ext.botocore" in traced["modules"]  # botocore patched
    assert traced["wrapped"]  # the handler runs inside the tracer's subsegment
    untraced = imported("IngestEmailFunction", CIVICDESK_TRACE_AWS_CALLS="true",
                        POWERTOOLS_TRACE_DISABLED="true")
    assert _loaded(untraced["modules"], TRACING) == []


def test_the_api_module_leaves_the_routes_parsers_to_the_routes():
    assert _loaded(imported("ApiFunction")["modules"], API_ROUTE_ONLY) == []


def test_the_template_lets_a_stack_trace_aws_calls():
    template = Template()
    parameter = template.doc["Parameters"]["TraceAwsCalls"]
    assert parameter["Default"] == "false" and set(parameter["AllowedValues"]) == {"true", "false"}
    for logical_id, spec in template.functions().items():
        assert "CIVICDESK_TRACE_AWS_CALLS" in spec.environment, logical_id


def test_the_public_case_service_leaves_the_staff_commands_to_the_staff():
    """A citizen's request (open, track) builds neither the staff's commands nor the mail and SMS
    composition."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CIVICDESK_")}
    env["PYTHONPATH"] = str(ROOT / "functions" / "shared")
    probe = "import json, sys, civicdesk.services.cases; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    modules = json.loads(out.stdout)
    assert _loaded(modules, ("civicdesk.services.case_commands", "civicdesk.rendering.templating",
                             "civicdesk.rendering.notices", "civicdesk.services.notification_records")) == []


def test_the_staff_case_service_builds_its_messaging_ports_on_first_use():
    """Reading a queue (the admin API's usual first request) neither mails, texts nor asks the
    staff directory: building the service imports none of those adapters; using one builds it."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "CIVICDESK_"))}
    env.update({"PYTHONPATH": str(ROOT / "functions" / "shared"), "AWS_REGION": "eu-central-1",
                "CIVICDESK_CASES_TABLE": "cases", "CIVICDESK_PUBLIC_URL": "https://portal.test",
                "CIVICDESK_MAIL_DOMAIN": "demo.test"})
    probe = ("import json, sys\n"
             "from civicdesk import wiring\n"
             "service = wiring.casework_service()\n"
             "built = sorted(sys.modules)\n"
             "service._phones.can_receive_sms\n"
             "print(json.dumps([built, sorted(sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    built, used = json.loads(out.stdout.strip().splitlines()[-1])
    messaging = ("civicdesk.adapters.ses", "civicdesk.adapters.sns_sms", "civicdesk.adapters.cognito",
                 "civicdesk.adapters.phones")
    assert _loaded(built, messaging) == []
    assert "civicdesk.adapters.phones" in used


def _built(statements: str) -> list[str]:
    """The modules loaded, in a fresh interpreter with a Lambda's environment and no AWS
    endpoint, once ``statements`` ran (building what a route builds: no AWS call is made)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "POWERTOOLS_", "CIVICDESK_"))}
    env.update({"PYTHONPATH": str(ROOT / "functions" / "shared"), "AWS_REGION": "eu-central-1",
                "CIVICDESK_CASES_TABLE": "cases", "CIVICDESK_PUBLIC_URL": "https://portal.test",
                "CIVICDESK_MAIL_DOMAIN": "demo.test"})
    probe = f"import json, sys\n{statements}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Other aggregates' domains and the records of ports a read does not pass: every module and
#: record class costs its import (these held a third of the public API's, as dataclasses).
OTHER_AGGREGATES = ("civicdesk.domain.feed", "civicdesk.domain.delivery", "civicdesk.domain.inbound",
                    "civicdesk.services.port_records")
#: What the changes, the intake and the messaging of case work bring.
CASEWORK_WRITES = ("civicdesk.services.case_commands", "civicdesk.services.casework_changes",
                   "civicdesk.services.casework_intake", "civicdesk.services.casework_messages",
                   "civicdesk.domain.case_changes", "civicdesk.domain.routing",
                   "civicdesk.adapters.dynamodb.mail")


#: What opening a case brings (its checks, numbering, uploads) and the other parts' item kinds,
#: none of which tracking a case uses.
OPENING_AND_PARTS = ("civicdesk.services.cases", "civicdesk.domain.intake", "civicdesk.domain.accounts",
                     "civicdesk.adapters.dynamodb.cases", "civicdesk.services.photos",
                     "civicdesk.adapters.s3_photos", "civicdesk.adapters.dynamodb.sms_items",
                     "civicdesk.adapters.dynamodb.surveys_items", "civicdesk.adapters.dynamodb.alerts_items",
                     "civicdesk.adapters.dynamodb.open311_items")
#: The configuration's parts parsed on first use (``domain.municipality_sections``) and the
#: redaction, which only a stranger's view of a case needs.
DEFERRED = ("civicdesk.domain.alerts", "civicdesk.domain.audiences", "civicdesk.domain.portal_info",
            "civicdesk.domain.public_map_config", "civicdesk.domain.service_levels",
            "civicdesk.domain.sms_script", "civicdesk.domain.geometry", "civicdesk.domain.redaction")
#: What only a case's writes use: the public projection (the public map's texts and keys), the
#: finding index's entries.
WRITES_ONLY = ("civicdesk.domain.public_projection", "civicdesk.domain.public_reports",
               "civicdesk.adapters.dynamodb.search_entries")


def test_tracking_a_case_builds_only_the_case_read():
    """The public API's cold request (tracking) builds the tracking service, the cases' reads
    and the tracking view; none of the other aggregates' classes, nor the staff's, nor opening
    a case, nor the configuration's parts it does not show."""
    modules = _built("from civicdesk import wiring\n"
                     "wiring.case_tracking(); wiring.config_repository()\n"
                     "import civicdesk.api.case_views, civicdesk.domain.municipality_config")
    assert "civicdesk.adapters.dynamodb.case_reads" in modules  # the probe built the read
    assert _loaded(modules, OTHER_AGGREGATES + CASEWORK_WRITES + OPENING_AND_PARTS + DEFERRED
                   + WRITES_ONLY + ("jinja2", "civicdesk.mailparse")) == []


def test_reading_a_queue_builds_the_reads_of_case_work_alone():
    """The admin API's cold request (a queue page) parses its filter and reads through the
    case-work service's reads only: no command of a change, no intake or messaging."""
    modules = _built("from civicdesk import wiring\n"
                     "wiring.case_reader(); wiring.config_repository()\n"
                     "import civicdesk.api.queue_filters, civicdesk.api.case_views")
    assert "civicdesk.adapters.dynamodb.queues" in modules
    assert _loaded(modules, OTHER_AGGREGATES + CASEWORK_WRITES + WRITES_ONLY
                   + ("jinja2", "civicdesk.domain.redaction", "civicdesk.domain.alerts",
                      "civicdesk.domain.portal_info", "civicdesk.domain.sms_script",
                      "civicdesk.services.ports", "civicdesk.services.tracking_links")) == []


def test_the_ports_records_are_built_on_first_use():
    modules = _built("from civicdesk.services.ports import DuplicateSubmission, MetricsSink")
    assert _loaded(modules, ("civicdesk.services.port_records", "civicdesk.services.queue_query")) == []
    from civicdesk.services import port_records, ports, queue_query

    assert ports.QueueQuery is queue_query.QueueQuery and ports.CaseUpdate is port_records.CaseUpdate
    with pytest.raises(AttributeError):
        ports.NoSuchRecord  # noqa: B018 - the attribute access is the test

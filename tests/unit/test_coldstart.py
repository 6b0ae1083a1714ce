"""The collector during a cold start (``civicdesk.coldstart``): paused in a Lambda container
from the first import of ``civicdesk`` until its first invocation has ended, then what the cold
start built frozen and collection resumed; untouched anywhere else. Each case runs in a fresh
interpreter: the collector is the process's."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.template import Template

ROOT = Path(__file__).resolve().parents[2]

#: A function as the template's handlers are: its handler wrapped by ``log_metrics``. It
#: reports the collector's state after importing ``civicdesk``, after each invocation, and
#: whether a cycle made after the first invocation is collected again.
SCRIPT = """
import gc, json, sys
import civicdesk
from civicdesk.observability import FunctionMetrics

metrics = FunctionMetrics(service="probe")
seen = {"after_import": gc.isenabled()}

@metrics.log_metrics
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("the first invocation failed")
    return {"ok": True}

for name, event in (("first", {"fail": FAIL_FIRST}), ("second", {})):
    try:
        handler(event, None)
    except RuntimeError:
        pass
    seen[name] = {"collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}

class Cycle:
    pass

first = Cycle(); first.other = Cycle(); first.other.other = first
del first
seen["cycle_collected"] = gc.collect() >= 2
print(json.dumps(seen))
"""


def run(environment: dict[str, str], fail_first: bool = False) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("AWS_EXECUTION_ENV", "AWS_LAMBDA_RUNTIME_API")}
    env.update(environment, PYTHONPATH=str(ROOT / "functions" / "shared"))
    out = subprocess.run([sys.executable, "-c", SCRIPT.replace("FAIL_FIRST", str(fail_first))],
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_in_lambda_the_collector_waits_for_the_first_invocation_then_freezes_once():
    seen = run({"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
    assert seen["after_import"] is False  # paused by importing civicdesk
    assert seen["first"]["collecting"] is True and seen["first"]["frozen"] > 1000
    # the second invocation freezes nothing more: only the cold start's objects are permanent
    assert seen["second"] == seen["first"]
    assert seen["cycle_collected"]  # what later invocations make is collected as ever


def test_a_failed_first_invocation_resumes_collection_too():
    seen = run({"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, fail_first=True)
    assert seen["after_import"] is False
    assert seen["first"]["collecting"] is True and seen["first"]["frozen"] > 1000


def test_outside_lambda_the_collector_is_left_alone():
    # The tests, the local runtime (make run) and the tools.
    seen = run({})
    assert seen["after_import"] is True
    assert seen["first"] == seen["second"] == {"collecting": True, "frozen": 0}
    assert seen["cycle_collected"]


def _wrapped_by_log_metrics(module: ast.Module, attribute: str) -> bool:
    """The handler ``attribute`` is decorated with ``….log_metrics``, or it is a Chalice app
    whose middleware is ``ConvertToMiddleware(….log_metrics)``."""
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            return any(isinstance(d, ast.Attribute) and d.attr == "log_metrics"
                       for d in node.decorator_list)
    for node in ast.walk(module):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "register_middleware"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == attribute):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Attribute) and inner.attr == "log_metrics":
                    return True
    return False


@pytest.mark.parametrize("name", sorted(Template().functions()))
def test_every_function_ends_the_pause_after_its_first_invocation(name):
    # A function whose handler skipped FunctionMetrics.log_metrics would never collect again.
    spec = Template().functions()[name]
    module = ast.parse(spec.module_path.read_text(encoding="utf-8"))
    assert _wrapped_by_log_metrics(module, spec.attribute), f"{name}: {spec.module_path}"

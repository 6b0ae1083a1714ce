"""Runs in a fresh interpreter: measures one cold start and prints it as JSON.

``handler MODULE ATTRIBUTE EVENT``: import a function's module the way Lambda does and answer
its first event. ``floor PLAN``: the same job's floor, a minimal handler that imports boto3,
makes one client per service and makes the AWS calls of ``PLAN`` (those the function makes for
the event in a warm container, with their parameters). ``record MODULE ATTRIBUTE EVENT
WARM_EVENT``: answer ``EVENT`` cold, then ``WARM_EVENT`` warm, and print the AWS calls the warm
one made (the floor's plan). The AWS calls go to the endpoint the parent gives
(``AWS_ENDPOINT_URL``).
"""

import base64
import json
import sys
import time

START = time.perf_counter()
START_CPU = time.process_time()


def cpu() -> float:
    """CPU seconds since ``START`` (steadier than wall time on a busy machine)."""
    return time.process_time() - START_CPU


def decode(value):
    """JSON back to API parameters (bytes travel as ``{"__bytes__": base64}``)."""
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def encode(value):
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    return value


def floor(plan_path: str) -> dict:
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    import boto3
    from botocore.exceptions import ClientError

    clients = {}
    for service, operation, params in plan:
        client = clients.get(service)
        if client is None:
            client = clients[service] = boto3.client(service, region_name="eu-central-1")
        try:
            getattr(client, operation)(**decode(params))
        except ClientError:  # an answer the function handles (a condition, a duplicate) too
            pass
    return {"seconds": time.perf_counter() - START, "cpu_seconds": cpu(), "calls": len(plan),
            "clients": len(clients)}


class Context:
    function_name = "BenchFunction"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:BenchFunction"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis():
        return 15000


def _load(module_path: str):
    import importlib.util
    import os

    sys.path.insert(0, os.path.dirname(module_path))  # the code folder, as Lambda's /var/task
    spec = importlib.util.spec_from_file_location("function_module", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _event(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def handler(module_path: str, attribute: str, event_path: str) -> dict:
    module = _load(module_path)
    imported = time.perf_counter() - START
    response = getattr(module, attribute)(_event(event_path), Context())
    total = time.perf_counter() - START
    import gc

    return {"seconds": total, "cpu_seconds": cpu(), "import_seconds": imported, "response": response,
            "modules": len(sys.modules), "collecting": gc.isenabled()}


def record(module_path: str, attribute: str, event_path: str, warm_event_path: str) -> dict:
    import copy

    from botocore.client import BaseClient

    calls: list = []
    original = BaseClient._make_api_call

    def logged(self, operation_name, api_params):
        calls.append([self.meta.service_model.service_name,
                      self.meta.method_to_api_mapping and next(
                          (method for method, name in self.meta.method_to_api_mapping.items()
                           if name == operation_name), operation_name),
                      encode(copy.deepcopy(api_params))])
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = logged  # this process only records; it is not measured
    module = _load(module_path)
    cold = getattr(module, attribute)(_event(event_path), Context())
    cold_calls = [call[:2] for call in calls]
    calls.clear()
    warm = getattr(module, attribute)(_event(warm_event_path), Context())
    return {"cold_calls": cold_calls, "warm_plan": calls, "cold": cold, "warm": warm}


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "floor":
        result = floor(sys.argv[2])
    elif kind == "record":
        result = record(*sys.argv[2:6])
    else:
        result = handler(sys.argv[2], sys.argv[3], sys.argv[4])
    print(json.dumps(result, default=str))

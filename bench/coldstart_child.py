"""Runs in a fresh interpreter: measures one cold start and prints it as JSON.

``floor``: ``import boto3`` and one client. ``handler MODULE ATTRIBUTE EVENT``: import a
function's module the way Lambda does and answer its first event (the AWS calls go to the moto
server the parent runs).
"""

import json
import sys
import time

START = time.perf_counter()


def floor() -> dict:
    import boto3

    boto3.client("dynamodb", region_name="eu-central-1")
    return {"seconds": time.perf_counter() - START}


def handler(module_path: str, attribute: str, event_path: str) -> dict:
    import importlib.util

    spec = importlib.util.spec_from_file_location("function_module", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    imported = time.perf_counter() - START
    with open(event_path, encoding="utf-8") as handle:
        event = json.load(handle)

    class Context:
        function_name = "BenchFunction"
        memory_limit_in_mb = 1024
        invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:BenchFunction"
        aws_request_id = "bench"

        @staticmethod
        def get_remaining_time_in_millis():
            return 15000

    response = getattr(module, attribute)(event, Context())
    total = time.perf_counter() - START
    return {"seconds": total, "import_seconds": imported, "response": response}


if __name__ == "__main__":
    kind = sys.argv[1]
    result = floor() if kind == "floor" else handler(sys.argv[2], sys.argv[3], sys.argv[4])
    print(json.dumps(result, default=str))

"""CivicDesk benchmarks (``make bench``).

1. Cold start of the API function in fresh processes (import + first request) against the floor
   measured in the same run (``import boto3`` + one client), interleaved, as a ratio of medians.
2. AWS calls per operation, counted with botocore's ``before-call`` event hook on every client
   the wiring built (moto in-process): create case (with confirmation mail), track case.

Writes ``bench/results/latest.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from infra.local.template import ROOT, Template

RESULTS = ROOT / "bench" / "results" / "latest.json"
REGION = "eu-central-1"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "11"))
TARGETS = {"create_case_calls": 3, "track_case_calls": 1, "api_cold_start_ratio": 1.5}

CASE = {"type": "signal", "category": "street_lighting", "language": "sr-Latn",
        "description": "Ne radi ulična rasveta u Ulici kralja Petra kod broja 12.",
        "location": {"lat": 44.8176, "lon": 20.4569, "address": "Kralja Petra 12"},
        "contact": {"name": "Petar Petrović", "email": "petar@example.rs"}}


def _base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION})
    return env


def count_calls() -> dict:
    """AWS calls per operation, in process under moto."""
    from moto import mock_aws

    from tests.support import aws

    os.environ.update(_base_env())
    with mock_aws():
        _, environment = aws.provision_all()
        os.environ.update(environment)
        from civicdesk import seed, wiring
        from civicdesk.adapters import dynamodb

        wiring.reset()
        seed.seed(str(aws.CONFIG_DIR))
        service = wiring.case_service()
        wiring.municipality_provider().get()  # a warm container has its configuration cached
        calls: Counter = Counter()
        log: list[str] = []

        def hook(model, **_):
            calls[model.name] += 1
            log.append(model.name)

        for client in (wiring.aws_client("sesv2"), dynamodb.connection_client()):
            client.meta.events.register("before-call", hook)

        def measure(operation):
            calls.clear()
            log.clear()
            result = operation()
            return result, sum(calls.values()), list(log)

        created, create_calls, create_log = measure(lambda: service.open_public_case(CASE))
        _, track_calls, track_log = measure(
            lambda: service.track(created["number"], created["token"], None))
        # cold container: the configuration is read once more
        wiring.municipality_provider().invalidate()
        _, cold_track_calls, _ = measure(
            lambda: service.track(created["number"], created["token"], None))
        wiring.reset()
    return {"create_case_calls": create_calls, "create_case_call_log": create_log,
            "track_case_calls": track_calls, "track_case_call_log": track_log,
            "track_case_calls_cold_container": cold_track_calls}


def cold_start() -> dict:
    """Interleaved fresh-process cold starts of the API function and of the floor."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from tests.support import aws

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = _base_env()
    env["AWS_ENDPOINT_URL"] = endpoint
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        from civicdesk import seed, wiring

        _, api_env = aws.provision_all()
        os.environ.update(api_env)
        wiring.reset()
        seed.seed(str(aws.CONFIG_DIR))
        created = wiring.case_service().open_public_case(dict(CASE, contact=None))
        wiring.reset()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    # What Lambda sets in a function's environment (X-Ray uses its local sampler there).
    lambda_env = {**env, **api_env, "LAMBDA_TASK_ROOT": str(ROOT / "functions" / "api"),
                  "AWS_LAMBDA_FUNCTION_NAME": "ApiFunction", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
                  "_X_AMZN_TRACE_ID": "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1",
                  "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                  "PYTHONPATH": str(ROOT / "functions" / "shared"), "PYTHONDONTWRITEBYTECODE": "1"}
    spec = Template().functions()["ApiFunction"]
    event = {"resource": "/v1/public/cases/{number}", "path": f"/v1/public/cases/{created['number']}",
             "httpMethod": "GET", "headers": {"Accept-Language": "sr-Latn"},
             "multiValueHeaders": {"Accept-Language": ["sr-Latn"]},
             "queryStringParameters": {"token": created["token"]},
             "multiValueQueryStringParameters": {"token": [created["token"]]},
             "pathParameters": {"number": created["number"]}, "stageVariables": None,
             "requestContext": {"resourcePath": "/v1/public/cases/{number}", "httpMethod": "GET",
                                "path": f"/prod/v1/public/cases/{created['number']}", "stage": "prod",
                                "requestId": "bench", "identity": {"sourceIp": "127.0.0.1"}},
             "body": None, "isBase64Encoded": False}
    floors, apis, imports = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        event_path = Path(tmp) / "event.json"
        event_path.write_text(json.dumps(event))
        child = str(ROOT / "bench" / "coldstart_child.py")
        try:
            for _ in range(ROUNDS):
                out = subprocess.run([sys.executable, "-X", "frozen_modules=on", child, "floor"],
                                     env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
                                     capture_output=True, text=True, check=True, cwd=tmp)
                floors.append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
                out = subprocess.run([sys.executable, child, "api", str(spec.module_path), str(event_path)],
                                     env=lambda_env, capture_output=True, text=True, check=True, cwd=tmp)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                if result["status"] != 200:
                    raise RuntimeError(f"first request answered {result['status']}: {out.stderr[-2000:]}")
                apis.append(result["seconds"])
                imports.append(result["import_seconds"])
        finally:
            server.stop()
    floor, api = statistics.median(floors), statistics.median(apis)
    return {"rounds": ROUNDS, "floor_seconds_median": round(floor, 4),
            "api_cold_start_seconds_median": round(api, 4),
            "api_import_seconds_median": round(statistics.median(imports), 4),
            "api_cold_start_ratio": round(api / floor, 3),
            "floor_seconds": [round(x, 4) for x in floors], "api_seconds": [round(x, 4) for x in apis]}


def main() -> int:
    started = time.time()
    calls = count_calls()
    cold = cold_start()
    figures = {**calls, **cold}
    checks = {
        "create_case_calls": figures["create_case_calls"] <= TARGETS["create_case_calls"],
        "track_case_calls": figures["track_case_calls"] <= TARGETS["track_case_calls"],
        "api_cold_start_ratio": figures["api_cold_start_ratio"] <= TARGETS["api_cold_start_ratio"],
    }
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count()},
              "targets": TARGETS, "met": checks, "figures": figures}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print("CivicDesk benchmarks")
    print(f"  create case:  {figures['create_case_calls']} AWS calls {figures['create_case_call_log']}"
          f"  (target <= {TARGETS['create_case_calls']})")
    print(f"  track case:   {figures['track_case_calls']} AWS call(s) {figures['track_case_call_log']}"
          f"  (target <= {TARGETS['track_case_calls']}; {figures['track_case_calls_cold_container']}"
          f" in a container that has not read the configuration yet)")
    print(f"  API cold start: {cold['api_cold_start_seconds_median']:.3f} s (import "
          f"{cold['api_import_seconds_median']:.3f} s) vs floor {cold['floor_seconds_median']:.3f} s"
          f" = {cold['api_cold_start_ratio']:.2f}x  (target <= {TARGETS['api_cold_start_ratio']}x,"
          f" median of {cold['rounds']} interleaved rounds)")
    print(f"  written to {RESULTS.relative_to(ROOT)}; targets met: {all(checks.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

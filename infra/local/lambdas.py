"""Lambda functions hosted in-process: handler loading, the context object, invocation.

The point of the local runtime is to run *the same handler objects* Lambda runs, so a function is
loaded the way the Python runtime loads it: its layers' folders on ``sys.path`` (Lambda's
``/opt/python``), its code folder first on the path (``/var/task``), then the module file named
by ``Handler`` imported and the attribute taken from it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from infra.local import iam
from infra.local.template import FunctionSpec

log = logging.getLogger("civicdesk.local")


class LambdaContext:
    """The context argument of a handler, with the fields the Python runtime provides.

    Powertools' ``inject_lambda_context`` reads ``function_name``, ``memory_limit_in_mb``,
    ``invoked_function_arn`` and ``aws_request_id``; handlers that budget their work call
    ``get_remaining_time_in_millis``.
    """

    def __init__(self, function_name: str, memory_limit_in_mb: int, timeout_seconds: float,
                 region: str, account_id: str, aws_request_id: str | None = None):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (f"arn:aws:lambda:{region}:{account_id}:"
                                     f"function:{function_name}")
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + "local"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def install_layers(layer_dirs: list[Path]) -> None:
    """Put the layers' folders first on ``sys.path``, in layer order, as Lambda does with
    ``/opt/python``. Idempotent."""
    for directory in reversed(layer_dirs):
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))


def load_handler(spec: FunctionSpec, layer_dirs: list[Path]) -> Callable[[dict, Any], Any]:
    """Import ``spec``'s handler module from its file and return the handler attribute.

    The module gets a name unique to the function (``civicdesk_local_ApiFunction``) because
    every function's module may be called ``app``; Lambda isolates them in separate containers,
    one process here cannot.
    """
    install_layers(layer_dirs)
    module = load_module(spec, f"civicdesk_local_{spec.logical_id}")
    try:
        return getattr(module, spec.attribute)
    except AttributeError:
        raise ImportError(f"{spec.logical_id}: {spec.module_path} "
                          f"has no {spec.attribute!r}") from None


#: The variable the functions do not share (``infra.local.aws.function_environment``), which
#: ``civicdesk.observability.FunctionMetrics`` reads when a handler module is imported.
SERVICE_NAME_VARIABLE = "POWERTOOLS_SERVICE_NAME"


def load_module(spec: FunctionSpec, module_name: str) -> ModuleType:
    """Import ``spec``'s handler module as ``module_name``, as Lambda's runtime would: with the
    code folder on ``sys.path`` (its sibling modules import as from ``/var/task``) and the
    function's own service name in the environment, which the process shares with the other
    functions, while the module executes."""
    module_spec = importlib.util.spec_from_file_location(module_name, spec.module_path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"{spec.logical_id}: cannot load {spec.module_path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    code_dir = str(spec.code_dir)
    service = spec.environment.get(SERVICE_NAME_VARIABLE)
    shared_service = os.environ.get(SERVICE_NAME_VARIABLE)
    sys.path.insert(0, code_dir)
    try:
        if isinstance(service, str):
            os.environ[SERVICE_NAME_VARIABLE] = service
        module_spec.loader.exec_module(module)
    finally:
        sys.path.remove(code_dir)
        if shared_service is None:
            os.environ.pop(SERVICE_NAME_VARIABLE, None)
        else:
            os.environ[SERVICE_NAME_VARIABLE] = shared_service
    return module


class LocalFunction:
    """One deployed function: its handler, warm, invoked one event at a time.

    A Lambda execution environment handles one invocation at a time, and handlers rely on it
    (Chalice keeps ``app.current_request`` on the app object). The HTTP server is threaded, so
    invocations of one function are serialised here, like a function with one warm container.

    With an ``identity`` (``infra.local.iam``), every AWS call the handler makes is checked
    against the function's IAM statements while it runs: every invocation passes here (the
    API, the pollers, the asynchronous invoker, the schedules, the redrive).
    """

    def __init__(self, spec: FunctionSpec, handler: Callable[[dict, Any], Any], *,
                 physical_name: str, region: str, account_id: str,
                 identity: iam.FunctionIdentity | None = None):
        self.spec = spec
        self.identity = identity
        self.physical_name = physical_name
        self._handler = handler
        self._region = region
        self._account_id = account_id
        self._lock = threading.Lock()

    def invoke(self, event: dict, request_id: str | None = None) -> Any:
        """Call the handler with ``event`` and a fresh context; exceptions propagate."""
        with self._lock:
            context = LambdaContext(self.physical_name, self.spec.memory_size, self.spec.timeout,
                                    self._region, self._account_id, request_id)
            started = time.monotonic()
            token = iam.CURRENT.set(self.identity)
            try:
                return self._handler(event, context)
            finally:
                iam.CURRENT.reset(token)
                elapsed = time.monotonic() - started
                if elapsed > self.spec.timeout:
                    # Not enforced (a thread cannot be killed), but Lambda would have.
                    log.warning("%s ran %.1f s, longer than its %d s timeout: Lambda would "
                                "have stopped it", self.spec.logical_id, elapsed, self.spec.timeout)

    def drain(self, timeout: float) -> bool:
        """Wait until no invocation is running (before the final snapshot at shutdown)."""
        if self._lock.acquire(timeout=timeout):
            self._lock.release()
            return True
        return False

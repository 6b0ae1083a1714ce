"""The garbage collector during a Lambda container's cold start.

A cold start builds what its container keeps: the modules and their classes, the
configuration, the AWS clients and their service models, about 100,000 objects that CPython's
collector tracks. The collector runs a full collection each time the tracked objects have grown
by a quarter, so it traverses that heap again and again while it is being built, and finds
almost nothing to free: 596 objects of cyclic garbage after the admin API's first queue page,
748 after a new mail (reference counting frees the rest at once). Those collections were the
largest single cost of a cold start beyond the floor's (``docs/decisions.md``, 2026-12-02,
"the collector waits for the first invocation").

So, in a Lambda container, collection is paused from the first import of ``civicdesk``
(``pause``, called by the package) until the first invocation has ended
(``first_invocation_ended``, called by every function's ``FunctionMetrics.log_metrics``). Then
what the cold start built is moved to the permanent generation (``gc.freeze``), which no later
collection traverses, and collection resumes for what the invocations make. That is the
pattern of the ``gc`` module's documentation for a process that builds long-lived state first
(``gc.disable()`` early, ``gc.freeze()`` once it is built). The first invocation's few hundred
cyclic objects are kept with it; nothing grows with later invocations.

Only in a Lambda container, which its runtime tells by ``AWS_EXECUTION_ENV``
(``AWS_Lambda_python3.12``) and ``AWS_LAMBDA_RUNTIME_API``: the tests, the local runtime
(``make run``) and the tools keep the default collector.
"""

from __future__ import annotations

import gc
import os

_paused = False


def in_lambda(environ) -> bool:
    """Whether this process is a Lambda container's runtime.

    Examples
    --------
    >>> in_lambda({"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}), in_lambda({})
    (True, False)
    """
    return (environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_")
            or bool(environ.get("AWS_LAMBDA_RUNTIME_API")))


def pause() -> None:
    """In a Lambda container, stop collecting until the first invocation has ended."""
    global _paused
    if in_lambda(os.environ) and gc.isenabled():
        gc.disable()
        _paused = True


def first_invocation_ended() -> None:
    """Freeze what the cold start built and collect again (once: later calls do nothing)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()

"""Every end-to-end test fails when a function made an AWS call its IAM statements in
template.yaml do not allow (``infra.local.iam``), even when the function swallowed the error.

The runtimes are registered as they are made (in this process or as ``python -m infra.local``
processes, whose log names each denial), by a session fixture, so that runtimes of module-scoped
fixtures are checked too: after each test, the denials that appeared during it fail it.
"""

from __future__ import annotations

from collections import Counter

import pytest

from infra.local.runtime import LocalRuntime
from tests.support.runtime import RuntimeProcess

_RUNTIMES: list[LocalRuntime] = []
_PROCESSES: list[RuntimeProcess] = []
#: The log line ``infra.local.runtime`` writes for each denial.
DENIAL_LINE = "IAM: "


def _denials() -> list[str]:
    found = [f"{d.message}\n  {d.hint}" for runtime in _RUNTIMES for d in runtime.iam_denials]
    for process in _PROCESSES:
        try:
            found += [line for line in process.output().splitlines() if DENIAL_LINE in line]
        except OSError:
            continue
    return found


@pytest.fixture(scope="session", autouse=True)
def _register_runtimes():
    original_runtime, original_process = LocalRuntime.__init__, RuntimeProcess.__init__

    def runtime_init(self, *args, **kwargs):
        original_runtime(self, *args, **kwargs)
        _RUNTIMES.append(self)

    def process_init(self, *args, **kwargs):
        original_process(self, *args, **kwargs)
        _PROCESSES.append(self)

    LocalRuntime.__init__ = runtime_init  # type: ignore[method-assign]
    RuntimeProcess.__init__ = process_init  # type: ignore[method-assign]
    yield
    LocalRuntime.__init__ = original_runtime  # type: ignore[method-assign]
    RuntimeProcess.__init__ = original_process  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def no_iam_denials(_register_runtimes):
    """Fail the test if a function was denied an AWS call while it ran."""
    before = Counter(_denials())
    yield
    new = list((Counter(_denials()) - before).elements())
    assert not new, ("calls IAM would deny on AWS (fix template.yaml):\n"
                     + "\n".join(dict.fromkeys(new)))

"""What the local runtime's event sources hand to a function and read back from it
(``infra.local.event_sources.records``): Lambda's event records and its reading of a
``batchItemFailures`` response.
"""

from __future__ import annotations

import pytest

from infra.local.event_sources import records
from infra.local.event_sources.records import failed_items


@pytest.mark.parametrize("response, expected", [
    (None, []),
    ({}, []),
    ({"batchItemFailures": None}, []),
    ({"batchItemFailures": []}, []),
    ({"batchItemFailures": [{"itemIdentifier": "1003"}, {"itemIdentifier": "1002"}]}, [1, 2]),
    # an identifier that is empty, missing, misspelt or not in the batch fails everything
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, [0, 1, 2]),
    ({"batchItemFailures": [{"itemIdentifier": None}]}, [0, 1, 2]),
    ({"batchItemFailures": [{"itemId": "1002"}]}, [0, 1, 2]),
    ({"batchItemFailures": [{"itemIdentifier": "9999"}]}, [0, 1, 2]),
])
def test_batch_item_failures_are_read_as_lambda_reads_them(response, expected):
    assert failed_items(["1001", "1002", "1003"], response, enabled=True) == expected
    assert failed_items(["1001", "1002", "1003"], response, enabled=False) == []


def test_the_modules_examples_hold():
    import doctest

    assert doctest.testmod(records).failed == 0

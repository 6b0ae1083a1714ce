"""``make test`` runs ``--dist loadgroup``: the tests of one ``xdist_group`` (an end-to-end
module sharing its runtime and browser) stay on one worker only if the group is in the test's
id, which the scheduler splits on (``tests/conftest.py``). Were it lost again (a pytest or
xdist upgrade), every such module would start its runtime and browser on both workers."""

import pytest

pytestmark = pytest.mark.xdist_group("xdist-group-check")


def test_a_grouped_test_carries_its_group_in_its_id_under_loadgroup(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only under --dist loadgroup (make test)")
    assert request.node.nodeid.endswith("@xdist-group-check"), request.node.nodeid

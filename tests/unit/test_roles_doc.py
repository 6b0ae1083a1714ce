"""docs/roles.md shows the policy table exactly as the code enforces it."""

import re

from civicdesk.domain.policy import POLICY, Action, Role, Scope
from infra.local.template import ROOT


def test_the_documented_table_is_the_policy_table():
    text = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^\| `([a-z0-9_.]+)` \|[^|]*\|(.*)\|$", line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")]
            rows[match.group(1)] = dict(zip([r.value for r in Role], cells, strict=False))
    assert set(rows) == {a.value for a in Action}
    for action, by_role in POLICY.items():
        for role in Role:
            expected = {Scope.ALL: "all", Scope.OWN_DEPARTMENTS: "own", None: "–"}[by_role.get(role)]
            assert rows[action.value][role.value] == expected, (action, role)

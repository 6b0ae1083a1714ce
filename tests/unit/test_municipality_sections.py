"""The parts of the configuration parsed on first use (``parse_municipality(deferred=True)``):
the same values as parsed whole, their modules loaded only with them, and a bad part still
refused when the document is checked whole (the seed step)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from msgspec.structs import replace

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.errors import ConfigurationError
from civicdesk.domain.municipality import SECTIONS
from civicdesk.domain.municipality_config import parse_municipality

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / "infra" / "config"
#: The modules of the parts (and the clock arithmetic and geometry behind them).
PART_MODULES = ("civicdesk.domain.alerts", "civicdesk.domain.alert_config", "civicdesk.domain.audiences",
                "civicdesk.domain.portal_info", "civicdesk.domain.public_map_config",
                "civicdesk.domain.service_levels", "civicdesk.domain.service_level_config",
                "civicdesk.domain.sms_script", "civicdesk.domain.sms", "civicdesk.domain.geometry")


@pytest.fixture(scope="module")
def document() -> dict:
    return load_config_dir(CONFIG_DIR)


def test_each_part_parsed_on_first_use_equals_the_part_parsed_whole(document):
    whole, deferred = parse_municipality(document), parse_municipality(document, deferred=True)
    assert not set(SECTIONS) & set(vars(deferred))  # nothing parsed yet
    for name in SECTIONS:
        value, expected = getattr(deferred, name), getattr(whole, name)
        if name == "service_levels":  # its office calendar compares by identity
            assert value.calendar.holidays == expected.calendar.holidays
            value, expected = replace(value, calendar=None), replace(expected, calendar=None)
        assert value == expected, name
        assert getattr(deferred, name) is getattr(deferred, name)  # parsed once, then kept
    assert whole.service_levels is not None and whole.portal.phone
    assert whole == deferred  # the parts are not compared: their builders differ


def test_a_bad_part_is_refused_when_checked_whole_and_when_first_used(document):
    bad = {**document, "sms": {"script": "latn"}}
    with pytest.raises(ConfigurationError) as refused:
        parse_municipality(bad)
    assert "sms.script" in str(refused.value.params["detail"])
    deferred = parse_municipality(bad, deferred=True)  # the rest is usable
    assert deferred.categories
    with pytest.raises(ConfigurationError):
        deferred.sms  # noqa: B018 - the access parses the part


def test_a_municipality_built_by_hand_has_each_parts_default(document):
    from civicdesk.domain.portal_info import PortalInfo
    from civicdesk.domain.sms_script import DEFAULT_SMS_POLICY

    bare = replace(parse_municipality(document, deferred=True), sections={})
    assert bare.sms == DEFAULT_SMS_POLICY and bare.portal == PortalInfo()
    assert bare.service_levels is None and bare.alert_topics == {}


def test_a_deferred_parse_loads_none_of_the_parts_modules(document, tmp_path):
    stored = tmp_path / "municipality.json"
    stored.write_text(json.dumps(document, default=str), encoding="utf-8")
    probe = ("import json, sys\n"
             "document = json.loads(open(sys.argv[1], encoding='utf-8').read())\n"
             "before = set(sys.modules)\n"
             "from civicdesk.domain.municipality_config import parse_municipality\n"
             "municipality = parse_municipality(document, deferred=True)\n"
             "parsed = sorted(set(sys.modules) - before)\n"
             "municipality.portal\n"
             "print(json.dumps([parsed, sorted(sys.modules)]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions" / "shared")}
    out = subprocess.run([sys.executable, "-c", probe, str(stored)], env=env, capture_output=True,
                         text=True, check=True, timeout=120)
    parsed, used = json.loads(out.stdout.strip().splitlines()[-1])
    assert [m for m in parsed if m in PART_MODULES] == []
    assert "civicdesk.domain.portal_info" in used

"""The records are msgspec Structs (``docs/decisions.md``, 2026-12-02, "records are msgspec
Structs"): what the dataclasses they replaced guaranteed still holds."""

from __future__ import annotations

import pickle

import pytest
from msgspec import Struct
from msgspec.structs import replace

from civicdesk.adapters.config_files import load_config_dir
from civicdesk.domain.cases import Channel, Contact, Location
from civicdesk.domain.events import CaseFacts
from civicdesk.domain.intake import request_hash
from civicdesk.domain.policy import Principal, Role
from civicdesk.services.public_commands import OpenedCase, OpenPublicCase
from tests.support.aws import CONFIG_DIR


def _submission() -> OpenPublicCase:
    return OpenPublicCase(type="signal", category="street_lighting", description="Ne radi rasveta.",
                          language="sr-Latn", channel=Channel.WEB,
                          location=Location(44.0195, 20.918, "Kralja Petra 12"),
                          contact=Contact(name="Petar Petrović", email="petar@example.rs"),
                          idempotency_key="k-1", attachments=("u1", "u2"))


def test_a_submissions_fingerprint_is_the_one_stored_before_the_records_were_structs():
    # The hash the dataclasses gave (dataclasses.asdict, computed on the code before the
    # change): an idempotency record stored then still recognises its retry.
    assert request_hash(_submission().request()) == (
        "e6675053b3cb7a8f5a84a13e68de0a4b7bb8b4b8bcc563638c197723478b3d78")
    assert _submission().request()["location"] == {"lat": 44.0195, "lon": 20.918,
                                                   "address": "Kralja Petra 12"}


def test_the_stored_answer_of_a_submission_is_plain_data():
    opened = OpenedCase("2026-000001", "t", "https://x/t", "new", "sr-Latn",
                        routing={"rule": "category"})
    assert opened.record() == {"number": "2026-000001", "token": "t", "tracking_url": "https://x/t",
                               "status": "new", "language": "sr-Latn", "department": "",
                               "routing": {"rule": "category"}, "public": False, "version": 1,
                               "confirmation": "none"}
    assert OpenedCase(**opened.record()) == opened


def test_records_are_frozen_compared_by_value_hashable_and_picklable():
    location = Location(44.0195, 20.918)
    with pytest.raises(AttributeError):
        location.lat = 45.0  # type: ignore[misc]
    assert location == Location(44.0195, 20.918) and location != Location(44.0, 20.918)
    assert len({location, Location(44.0195, 20.918)}) == 1
    assert pickle.loads(pickle.dumps(_submission())) == _submission()
    assert replace(location, address="Kralja Petra 12").address == "Kralja Petra 12"


def test_the_case_facts_never_show_the_names_and_addresses_they_redact():
    facts = CaseFacts("public_utilities", "street_lighting", "signal", "new", True, "sr-Latn",
                      names=("Petar Petrović",), addresses=("Kralja Petra 12",))
    assert "Petar" not in repr(facts) and "Kralja" not in repr(facts)
    assert "street_lighting" in repr(facts)


def test_a_principal_is_the_same_person_whatever_else_the_token_said():
    ana = Principal("u-1", "ana", frozenset({Role.SUPERVISOR}), extra={"iat": 1})
    assert ana == replace(ana, extra={"iat": 2}) and hash(ana) == hash(replace(ana, extra={}))
    assert ana != replace(ana, departments=frozenset({"public_utilities"}))


def test_a_configuration_compares_by_its_values_not_by_how_its_parts_are_built():
    from civicdesk.domain.municipality_config import parse_municipality

    document = load_config_dir(str(CONFIG_DIR))
    whole, deferred = parse_municipality(document), parse_municipality(document, deferred=True)
    assert whole == deferred and whole is not deferred
    assert replace(whole, reopen_window_days=whole.reopen_window_days + 1) != whole
    assert "sections" not in repr(deferred)


def test_every_record_of_the_package_is_a_struct_none_a_dataclass():
    import dataclasses
    import importlib
    import inspect
    import pkgutil

    import civicdesk

    records, dataclass_records = 0, []
    for info in pkgutil.walk_packages(civicdesk.__path__, "civicdesk."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == info.name:
                records += issubclass(value, Struct)
                if dataclasses.is_dataclass(value):
                    dataclass_records.append(f"{info.name}.{name}")
    assert dataclass_records == [] and records > 250

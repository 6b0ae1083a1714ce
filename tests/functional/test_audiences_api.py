"""Audiences and contact lists through the admin API, in-process under moto: importing CSV
files (errors listed, nothing half-imported, re-imports, opt-outs that last), saving audiences
with their role checks, previews that never show personal data, and the resolution of a
2,000-row list, streamed and paged."""

from __future__ import annotations

import os

import pytest

from tests.support.admin import AdminApi, Caller, Staff

HEADER = "Ime;E-pošta;Telefon;Jezik;Područje\r\n"


@pytest.fixture
def team(aws_env):
    staff = Staff(AdminApi(), os.environ["CIVICDESK_STAFF_USER_POOL_ID"])
    return {"operator": staff.add("operator.ana", "operator"),
            "agent": staff.add("agent.roads", "department_agent", departments=("roads_traffic",)),
            "supervisor": staff.add("supervisor.mira", "supervisor"),
            "admin": staff.add("admin.petar", "administrator")}


def put(caller: Caller, path: str, body: object):
    return caller.api.call("PUT", path, body, claims=caller.claims)


def new_list(admin: Caller, name: str = "Mesna zajednica Centar") -> dict:
    answer = admin.post("/v1/admin/contact-lists", {"name": name})
    assert answer.status == 201, answer.body
    return answer.body


def import_csv(admin: Caller, list_id: str, text: str, **options):
    return admin.post(f"/v1/admin/contact-lists/{list_id}/imports", {"csv": text, **options},
                      headers={"Accept-Language": "sr-Latn"})


def test_an_import_with_errors_writes_nothing_until_the_valid_rows_are_confirmed(team):
    admin = team["admin"]
    created = new_list(admin)
    text = ("\ufeff" + HEADER + "Petar Petrović;petar@example.rs;064 123 4567;sr-Latn;Centar\r\n"
            "Loša adresa;petar@;;;\r\n"
            "Ana;ANA@example.rs;;en;breza\r\n"
            "Ana Anić;;+381 64 765 4321;;\r\n"
            "Marko;marko@example.rs;065 111 222 333 444;;Mars\r\n")
    refused = import_csv(admin, created["id"], text)
    assert refused.status == 200 and refused.body["imported"] is False
    assert [(e["row"], e["column"], e["code"]) for e in refused.body["errors"]] == [
        (3, "email", "invalid_email"), (6, "phone", "invalid_phone"), (6, "area", "unknown_area")]
    assert refused.body["errors"][0]["message"] == "Adresa e-pošte nije ispravna."
    assert refused.body["errors_total"] == 3 and refused.body["valid_rows"] == 3
    assert refused.body["list"]["contacts"] == 0
    assert admin.get(f"/v1/admin/contact-lists/{created['id']}").body["contacts"] == 0

    done = import_csv(admin, created["id"], text, import_valid_rows=True)
    assert done.body["imported"] is True, done.body
    assert (done.body["added"], done.body["invalid_rows"], done.body["rows"]) == (3, 2, 5)
    assert done.body["list"]["contacts"] == 3
    assert done.body["list"]["last_import"]["skipped_rows"] == 2
    assert [m["message"] for m in done.body["merges"]] == []  # Ana's two rows differ: phone-only


def test_duplicates_are_merged_and_reimports_replace_or_update(team, aws_env):
    from civicdesk import wiring

    admin = team["admin"]
    list_id = new_list(admin)["id"]
    first = (HEADER + "Ana;ana@example.rs;;;\r\n" + ";ANA@example.rs;064 765 4321;;\r\n"
             "Bojan;bojan@example.rs;;;\r\n")
    answer = import_csv(admin, list_id, first)
    assert answer.body["added"] == 2 and answer.body["merges"] == [
        {"row": 3, "into_row": 2, "by": "email", "message": "Red 3 spojen sa redom 2: ista e-pošta."}]
    entries = {e.email: e for e in wiring.contact_list_service()._lists.entries(list_id)}
    assert entries["ana@example.rs"].phone == "+381647654321"

    assert wiring.contact_list_service().opt_out(entries["bojan@example.rs"].token) is True
    assert admin.get(f"/v1/admin/contact-lists/{list_id}").body["opted_out"] == 1

    again = import_csv(admin, list_id, HEADER + "Ana P.;ana@example.rs;;;\r\nBojan;bojan@example.rs;;;\r\n"
                       "Vesna;vesna@example.rs;;;\r\n", mode="update")
    assert (again.body["added"], again.body["updated"], again.body["opted_out_kept"]) == (1, 1, 1)
    kept = {e.email: e for e in wiring.contact_list_service()._lists.entries(list_id)}
    assert kept["ana@example.rs"].token == entries["ana@example.rs"].token  # the same link
    assert kept["bojan@example.rs"].opted_out_at is not None  # opting out lasts

    replaced = import_csv(admin, list_id, HEADER + "Vesna;vesna@example.rs;;;\r\n")
    assert (replaced.body["removed"], replaced.body["unchanged"]) == (1, 1)
    left = {e.email for e in wiring.contact_list_service()._lists.entries(list_id)}
    assert left == {"vesna@example.rs", "bojan@example.rs"}  # the opt-out stays recorded
    assert replaced.body["list"]["contacts"] == 1


def test_who_may_do_what(team):
    admin, supervisor, operator, agent = (team[r] for r in ("admin", "supervisor", "operator", "agent"))
    assert supervisor.post("/v1/admin/contact-lists", {"name": "x"}).status == 403
    list_id = new_list(admin)["id"]
    assert import_csv(supervisor, list_id, HEADER).status == 403
    audience = {"name": "Centar", "rule": {"kind": "contact_list", "lists": [list_id]}}
    assert operator.post("/v1/admin/audiences", audience).status == 403
    assert agent.get("/v1/admin/audiences").status == 403
    created = supervisor.post("/v1/admin/audiences", audience)
    assert created.status == 201, created.body
    assert operator.get("/v1/admin/audiences").body["items"][0]["name"] == "Centar"
    assert operator.get(f"/v1/admin/audiences/{created.body['id']}/preview").status == 200
    assert operator.get("/v1/admin/contact-lists").status == 200
    in_use = admin.delete(f"/v1/admin/contact-lists/{list_id}", {"version": 1})
    assert in_use.status == 409 and "Centar" in in_use.body["error"]["message"]


def test_audiences_are_checked_changed_with_their_version_and_deleted(team):
    supervisor = team["supervisor"]
    bow_tie = {"type": "Polygon", "coordinates": [[[20.9, 44.0], [20.95, 44.0], [20.9, 44.05],
                                                   [20.95, 44.05], [20.9, 44.0]]]}
    refused = supervisor.post("/v1/admin/audiences", {"name": "x", "rule": {
        "kind": "polygon", "source": "subscribers", "topics": ["water"], "polygon": bow_tie}})
    assert refused.status == 400 and refused.fields == {"rule.polygon": "audience_self_intersecting"}
    unknown = supervisor.post("/v1/admin/audiences", {"name": "x", "rule": {
        "kind": "contact_list", "lists": ["0" * 32]}})
    assert unknown.fields == {"rule.lists": "audience_unknown_list"}

    rule = {"kind": "cases", "categories": ["water_supply"], "areas": ["centar"],
            "opened_from": "2026-11-01", "opened_to": "2026-11-30"}
    created = supervisor.post("/v1/admin/audiences", {"name": "Voda, novembar", "rule": rule})
    assert created.status == 201, created.body
    path = f"/v1/admin/audiences/{created.body['id']}"
    assert supervisor.get(path).body["rule"]["opened_to"] == "2026-11-30"
    changed = put(supervisor, path, {"name": "Voda", "rule": rule, "version": 1})
    assert changed.status == 200 and changed.body["version"] == 2
    stale = put(supervisor, path, {"name": "Voda 2", "rule": rule, "version": 1})
    assert stale.status == 409 and stale.body["error"]["current_version"] == 2
    assert supervisor.delete(path, {"version": 2}).body == {"deleted": True}
    assert supervisor.get(path).status == 404


def test_case_requesters_are_previewed_redacted(team):
    from tests.functional.test_console_api import area_point

    operator, supervisor = team["operator"], team["supervisor"]
    opened = operator.post("/v1/admin/cases", {
        "type": "signal", "channel": "phone", "category": "water_supply",
        "description": "Нема воде у улици Кнеза Милоша од јутрос, цела зграда.",
        "location": area_point("centar"),
        "requester": {"name": "Milan Jovanović", "phone": "064 123 4567", "email": "milan@example.rs"}})
    assert opened.status == 201, opened.body
    preview = supervisor.post("/v1/admin/audiences/preview", {"rule": {
        "kind": "cases", "categories": ["water_supply"], "areas": ["centar"]}})
    assert preview.status == 200, preview.body
    assert preview.body["total"] == 1 and preview.body["by_area"] == {"centar": 1}
    assert preview.body["by_channel"] == {"email": 1, "sms": 1, "phone": 1}
    assert preview.body["sample"] == [{"name": "M. J.", "email": "m***@e***.rs", "phone": "+381*******67",
                                       "language": "sr-Cyrl", "area": "centar", "source": "cases",
                                       "channels": ["email", "sms", "phone"]}]
    elsewhere = supervisor.post("/v1/admin/audiences/preview", {"rule": {
        "kind": "cases", "categories": ["water_supply"], "areas": ["breza"]}})
    assert elsewhere.body["total"] == 0


def test_a_list_of_2000_rows_imports_and_resolves_paged_and_streamed(team):
    from civicdesk import wiring
    from civicdesk.adapters.dynamodb import session

    admin, supervisor = team["admin"], team["supervisor"]
    list_id = new_list(admin, "Svi stanari")["id"]
    rows = [f"Stanar {n};stanar{n}@example.rs;+3816{(n % 7) + 1}{n:07d};;{'centar' if n % 2 else 'breza'}\r\n"
            for n in range(2000)]
    rows.append("Duplikat;STANAR5@example.rs;;;\r\n")
    calls: list[str] = []
    client = session.connection_client()

    def count(event_name, **_):
        calls.append(event_name.split(".")[-1])

    client.meta.events.register("before-call.dynamodb", count)
    try:
        answer = import_csv(admin, list_id, HEADER + "".join(rows))
        assert answer.body["imported"] is True and answer.body["added"] == 2000
        assert len(answer.body["merges"]) == 1
        assert calls.count("BatchWriteItem") == 160  # 2,000 contacts and their tokens, 25 a batch

        audience = supervisor.post("/v1/admin/audiences", {"name": "Svi", "rule": {
            "kind": "contact_list", "lists": [list_id]}}).body
        calls.clear()
        members = wiring.audience_members().members(audience["id"])
        first = [next(members) for _ in range(120)]
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
    # Streamed: one Query of 1,000 contacts and three suppression batches (50 members, 100
    # addresses each) so far, not the whole list.
    assert (calls.count("GetItem"), calls.count("Query"), calls.count("BatchGetItem")) == (1, 1, 3)
    assert len({m.key for m in first}) == 120
    assert all(m.unsubscribe_token and m.unsubscribe_token.startswith("cl.") for m in first)
    assert admin.get(f"/v1/admin/contact-lists/{list_id}").body["contacts"] == 2000


def test_a_contact_opts_out_of_its_list_through_the_portals_unsubscribe(team, aws_env):
    """The link in a campaign message to a list's contact (``alerts.html#unsubscribe=cl.…``)
    posts the token to the alerts' unsubscribe route, which ends the list entry for good; an
    unknown token of the same form answers 404 and changes nothing."""
    from civicdesk import wiring

    admin = team["admin"]
    list_id = new_list(admin)["id"]
    assert import_csv(admin, list_id, HEADER + "Ana;ana@example.rs;;;\r\nBojan;bojan@example.rs;;;\r\n"
                      ).body["imported"] is True
    audience = admin.post("/v1/admin/audiences", {"name": "Lista", "rule": {
        "kind": "contact_list", "lists": [list_id]}})
    assert audience.status == 201, audience.body
    members = {m.email: m for m in wiring.audience_members().members(audience.body["id"])}
    token = members["bojan@example.rs"].unsubscribe_token
    assert token and token.startswith("cl.")

    unknown = admin.api.call("POST", "/v1/public/alerts/unsubscribe", {"token": "cl." + "A" * 24})
    assert unknown.status == 404, unknown.body
    ended = admin.api.call("POST", "/v1/public/alerts/unsubscribe", {"token": token})
    assert ended.status == 200 and ended.body == {"status": "ended", "kind": "contact_list"}
    again = admin.api.call("POST", "/v1/public/alerts/unsubscribe", {"token": token})
    assert again.status == 200

    left = [m.email for m in wiring.audience_members().members(audience.body["id"])]
    assert left == ["ana@example.rs"]
    assert admin.get(f"/v1/admin/contact-lists/{list_id}").body["opted_out"] == 1

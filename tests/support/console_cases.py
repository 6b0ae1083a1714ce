"""Cases for the console's queue tests and its bench, registered through the admin API of a
running local runtime as an operator registers calls: several departments, categories, types
and channels, and descriptions whose words a search can find."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import boto3
import requests

#: (category, type, channel, description): the departments of the demo agents (roads_traffic;
#: public_utilities and green_areas) and one other (water_sewage), in both scripts.
KINDS = (
    ("road_damage", "signal", "phone", "Рупа на коловозу у Улици Вука Караџића {n}."),
    ("street_lighting", "complaint", "letter", "Не ради улична расвета у Његошевој {n}."),
    ("trees", "signal", "in_person", "Grana drveta pala je na trotoar u parku kod broja {n}."),
    ("water_supply", "request", "phone", "Нема воде у насељу Изворишта, улаз {n}."),
    ("waste_collection", "signal", "sms", "Kontejneri nisu ispražnjeni u Cvetnoj {n}."),
)
DEPARTMENT = {"road_damage": "roads_traffic", "street_lighting": "public_utilities",
              "trees": "green_areas", "water_supply": "water_sewage",
              "waste_collection": "public_utilities"}


def settings(state_dir: Path) -> dict:
    return json.loads((Path(state_dir) / "local.json").read_text(encoding="utf-8"))


def id_token(state_dir: Path, username: str) -> str:
    """A demo user's ID token from the runtime's Cognito pool."""
    local = settings(state_dir)
    pool = local["cognito"]
    user = next(u for u in local["users"] if u["username"] == username)
    cognito = boto3.client("cognito-idp", region_name=pool["region"], endpoint_url=pool["endpoint"],
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    answer = cognito.initiate_auth(ClientId=pool["client_id"], AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": user["username"], "PASSWORD": user["password"]})
    return answer["AuthenticationResult"]["IdToken"]


def kinds(count: int) -> Iterator[tuple[int, tuple[str, str, str, str]]]:
    for n in range(count):
        yield n, KINDS[n % len(KINDS)]


def register_cases(url: str, token: str, count: int, *, start: int = 1) -> list[dict]:
    """``count`` cases registered by the operator whose ``token`` is given, in the order of
    :data:`KINDS`; each answer of ``POST /v1/admin/cases`` with its category added."""
    made = []
    with requests.Session() as session:
        session.headers["Authorization"] = token
        for n, (category, case_type, channel, text) in kinds(count):
            answer = session.post(f"{url}/v1/admin/cases", timeout=30, json={
                "type": case_type, "channel": channel, "category": category,
                "description": text.format(n=start + n),
                "requester": {"name": f"Грађанин {start + n}", "phone": f"+38164{1000000 + start + n}"}})
            answer.raise_for_status()
            made.append({**answer.json(), "category": category})
    return made

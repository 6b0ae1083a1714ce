"""Alert subscriptions over HTTP: requests as the service's commands, subscriptions as answers,
and the OpenAPI operations of ``/v1/public/alerts`` (``openapi_operations`` includes them)."""

from __future__ import annotations

from ..domain.alerts import CODE_DIGITS, CODE_LIFETIME, PENDING_LIFETIME, AlertSubscription
from ..domain.audiences import Channel
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..services.alerts import Change, Choices, Subscribe
from . import alerts_schemas as s
from .operation import Operation
from .schemas import ONE_CLICK_FORM


def _choices(cleaned: dict) -> Choices:
    point = cleaned.get("point")
    return Choices(topics=tuple(cleaned.get("topics") or ()), areas=tuple(cleaned.get("areas") or ()),
                   point=(float(point["lat"]), float(point["lon"])) if point else None)


def subscribe_command(payload: object, *, language_hint: str | None,
                      idempotency_key: str | None) -> Subscribe:
    """``POST /v1/public/alerts``."""
    cleaned = s.SUBSCRIBE.validate(payload)
    return Subscribe(_choices(cleaned), email=cleaned.get("email"), phone=cleaned.get("phone"),
                     language=cleaned.get("language"), language_hint=language_hint,
                     name=cleaned.get("name", ""), idempotency_key=idempotency_key)


def change_command(payload: object) -> Change:
    """``PUT /v1/public/alerts/subscription``."""
    cleaned = s.CHANGE.validate(payload)
    return Change(cleaned["token"], _choices(cleaned),
                  tuple(Channel(c) for c in dict.fromkeys(cleaned["channels"])),
                  cleaned.get("language"))


def mask_email(address: str) -> str:
    """The address as a subscription's page shows it: enough to recognise, not to read.

    >>> mask_email("petar.petrovic@example.rs")
    'p•••@example.rs'
    """
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def mask_phone(number: str) -> str:
    """The number as a subscription's page shows it.

    >>> mask_phone("+381641234567")
    '+381•••67'
    """
    return f"{number[:4]}•••{number[-2:]}"


def _named(ids, texts, language: str) -> list[dict]:
    return [{"id": i, "name": tr_text(texts[i].name, language) if i in texts else i} for i in ids]


def subscription_view(subscription: AlertSubscription, municipality: Municipality, language: str,
                      token: str | None = None) -> dict:
    channels = []
    if subscription.email and subscription.email_state:
        channels.append({"channel": "email", "state": subscription.email_state.value,
                         "address": mask_email(subscription.email)})
    if subscription.phone and subscription.phone_state:
        channels.append({"channel": "sms", "state": subscription.phone_state.value,
                         "address": mask_phone(subscription.phone)})
    point = subscription.point
    view = {
        "id": subscription.id, "status": subscription.state.value, "language": subscription.language,
        "topics": _named(subscription.topics, municipality.alert_topics, language),
        "areas": _named(subscription.areas, municipality.areas, language),
        "point": {"lat": point[0], "lon": point[1]} if point else None,
        "point_areas": _named(municipality.areas_at(*point), municipality.areas, language) if point else [],
        "channels": channels, "name": subscription.name,
    }
    if token is not None:
        view["token"] = token
    return view


def options_view(municipality: Municipality, language: str) -> dict:
    """``GET /v1/public/alerts/options``: the topics and areas to choose from."""
    return {"language": language,
            "topics": [{"id": t.id, "name": tr_text(t.name, language)}
                       for t in municipality.alert_topics.values()],
            "areas": [{"id": a.id, "kind": a.kind, "name": tr_text(a.name, language)}
                      for a in municipality.areas.values()],
            "code_length": CODE_DIGITS, "code_minutes": int(CODE_LIFETIME.total_seconds() // 60),
            "pending_days": PENDING_LIFETIME.days}


_IDEMPOTENCY = (("Idempotency-Key", "Repeat a request safely: the same key answers the first "
                                    "result again (8-100 letters, digits or dashes)"),)
_CHOICE_REFUSALS = (
    ("topics[i]", "unknown_topic", "not one of the municipality's alert topics"),
    ("areas[i]", "unknown_area", "not one of the municipality's areas"),
    ("areas", "area_or_point", "neither an area nor a point"),
    ("point", "outside_municipality", "the point lies outside the municipality"),
    ("topics", "repeated", "a topic (or `areas`: an area) given twice"),
)
_TOKEN_404 = ("An unknown subscription, a wrong token and one whose retention is over answer "
              "the same 404 `alerts_error.not_found`.")

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/v1/public/alerts/options", "getAlertOptions", "public",
              "The alert topics and areas residents subscribe to", s.OPTIONS, errors=()),
    Operation("POST", "/v1/public/alerts", "subscribeToAlerts", "public",
              "Subscribe to alerts by e-mail and/or SMS (confirmed opt-in)", s.SUBSCRIBED, 202,
              body=s.SUBSCRIBE, headers=_IDEMPOTENCY, errors=(400, 409, 413, 415),
              refusals=(*_CHOICE_REFUSALS,
                        ("email", "email_or_phone", "neither `email` nor `phone`"),
                        ("phone", "invalid_phone", "not a valid number"),
                        ("phone", "not_mobile", "a number that cannot receive SMS"),
                        ("language", "not_allowed", "not one of the municipality's languages")),
              description="Mails a link that confirms the address (the page asks before it "
                          "confirms) and texts a six-digit code that confirms the number. The "
                          "answer is the same whatever the address or number: nothing is sent to "
                          "one on the suppression list, nor beyond 3 mails a mailbox (5 codes a "
                          "number) a day. The same `Idempotency-Key` answers the first result "
                          "again (409 with other content)."),
    Operation("POST", "/v1/public/alerts/{subscription_id}/sms-code", "resendAlertCode", "public",
              "Send a new SMS code (the earlier one stops)", s.SENT, 202, body=None,
              body_required=False, errors=(400, 404, 429),
              refusals=(("phone", "no_code_pending", "the number is confirmed already"),),
              description="At most one a minute (429 `alerts_error.code_wait`)."),
    Operation("POST", "/v1/public/alerts/{subscription_id}/sms-confirmation", "confirmAlertPhone",
              "public", "Confirm the phone number with the SMS code", s.SUBSCRIPTION,
              body=s.SMS_CODE, errors=(400, 404, 409, 413, 415),
              refusals=(("code", "invalid_code", "not six digits"),
                        ("code", "wrong_code", "wrong; `count` tries left"),
                        ("code", "code_exhausted", "the last try was wrong: ask for a new code"),
                        ("code", "code_expired", "older than 15 minutes: ask for a new code"),
                        ("code", "no_code_pending", "no code is waiting")),
              description="The answer carries the subscription's `token` (the holder of the "
                          "number manages it on the page). Five tries per code."),
    Operation("POST", "/v1/public/alerts/confirmation", "confirmAlertEmail", "public",
              "Confirm the e-mail address (the mailed link, on the portal's page)",
              s.SUBSCRIPTION, body=s.TOKEN, errors=(400, 404, 409, 413, 415),
              description="Confirming again answers the same; an ended subscription stays "
                          "ended. " + _TOKEN_404),
    Operation("GET", "/v1/public/alerts/subscription", "getAlertSubscription", "public",
              "The subscription a token names", s.SUBSCRIPTION, query=s.TOKEN_QUERY,
              errors=(400, 404), description=_TOKEN_404),
    Operation("PUT", "/v1/public/alerts/subscription", "changeAlertSubscription", "public",
              "Change topics, areas, point, language; drop a channel", s.SUBSCRIPTION,
              body=s.CHANGE, errors=(400, 404, 409, 413, 415),
              refusals=(*_CHOICE_REFUSALS,
                        ("channels", "not_allowed", "a channel the subscription does not have")),
              description="409 `alerts_error.ended` for an ended subscription, `error.conflict` "
                          "when it changed meanwhile. " + _TOKEN_404),
    Operation("POST", "/v1/public/alerts/unsubscribe", "endAlertSubscription", "public",
              "End the subscription (the link in every alert)", s.SUBSCRIPTION, body=s.TOKEN,
              body_required=False, form_body=ONE_CLICK_FORM, query=s.TOKEN_QUERY,
              errors=(400, 404, 413, 415),
              description="The token in the JSON body (the portal's page) or in the query string "
                          "(an RFC 8058 one-click POST of a `List-Unsubscribe` URL). The address "
                          "and number are erased at once; the rest is deleted 30 days later. "
                          "Ending twice answers the same. " + _TOKEN_404),
)

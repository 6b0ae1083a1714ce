"""The routes of residents' alert subscriptions (``functions/api/app.py`` registers them from
``route_tables.ALERTS``, like the console's): parse, one service call, shape the answer."""

from __future__ import annotations

import re

from ..domain.errors import BadRequestError, FieldError, NotFoundError, ValidationError
from . import alerts_schemas as s
from . import alerts_views as av
from .console_handlers import Answer, Call

#: RFC 8058: a mail client's one-click unsubscribe POSTs a form to the ``List-Unsubscribe`` URL.
_ONE_CLICK_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{8,100}$")
_OPTIONS_CACHE = {"Cache-Control": "public, max-age=300"}
_NO_STORE = {"Cache-Control": "no-store"}


def _municipality(call: Call):
    return call.services.municipality_provider().get()


def _header(call: Call, name: str) -> str | None:
    return (call.headers or {}).get(name)


def public_alert_options(call: Call) -> Answer:
    return av.options_view(_municipality(call), call.language()), 200, _OPTIONS_CACHE


def public_subscribe_alerts(call: Call) -> Answer:
    key = _header(call, "idempotency-key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise BadRequestError("error.idempotency_key")
    asked = _header(call, "accept-language") or call.params.get("lang")
    command = av.subscribe_command(call.body(), language_hint=call.language() if asked else None,
                                   idempotency_key=key)
    return call.services.alert_subscription_service().subscribe(command), 202, _NO_STORE


def public_resend_alert_code(call: Call) -> Answer:
    from ..services.alerts import ResendCode

    call.services.alert_subscription_service().resend_code(ResendCode(call.path["subscription_id"]))
    return {"status": "pending"}, 202, _NO_STORE


def public_confirm_alert_phone(call: Call) -> Answer:
    from ..services.alerts import ConfirmCode

    code = s.SMS_CODE.validate(call.body())["code"]
    subscription, token = call.services.alert_subscription_service().confirm_code(
        ConfirmCode(call.path["subscription_id"], code))
    return av.subscription_view(subscription, _municipality(call), call.language(), token), 200, _NO_STORE


def public_confirm_alert_email(call: Call) -> Answer:
    token = s.TOKEN.validate(call.body())["token"]
    subscription = call.services.alert_subscription_service().confirm_email(token)
    return av.subscription_view(subscription, _municipality(call), call.language()), 200, _NO_STORE


def public_alert_subscription(call: Call) -> Answer:
    token = s.TOKEN.validate({"token": call.params.get("token")})["token"]
    subscription = call.services.alert_subscription_service().subscription(token)
    return av.subscription_view(subscription, _municipality(call), call.language()), 200, _NO_STORE


def public_change_alert_subscription(call: Call) -> Answer:
    subscription = call.services.alert_subscription_service().change(av.change_command(call.body()))
    return av.subscription_view(subscription, _municipality(call), call.language()), 200, _NO_STORE


def public_end_alert_subscription(call: Call) -> Answer:
    media_type = (_header(call, "content-type") or "").split(";")[0].strip().lower()
    body_token = None
    if media_type not in _ONE_CLICK_TYPES:
        body_token = s.TOKEN_QUERY.validate(call.body()).get("token")
    query_token = s.TOKEN_QUERY.validate({"token": call.params.get("token")}).get("token")
    token = body_token or query_token
    if not token:
        raise ValidationError([FieldError("token", "required")])
    if token.startswith("cl."):  # a contact list's entry: opting out of the list, for good
        if not call.services.contact_list_service().opt_out(token):
            raise NotFoundError("alerts_error.not_found")
        return {"status": "ended", "kind": "contact_list"}, 200, _NO_STORE
    subscription = call.services.alert_subscription_service().end(token)
    return av.subscription_view(subscription, _municipality(call), call.language()), 200, _NO_STORE

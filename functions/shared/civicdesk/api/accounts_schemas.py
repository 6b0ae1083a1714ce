"""Request and answer schemas of citizen accounts (``/v1/public/account/*``, the sign-in
configuration and the mailed "my cases" link); the same objects validate requests and render
OpenAPI (``accounts_operations``)."""

from __future__ import annotations

from ..domain.accounts import ADDRESS_MAX, NAME_MAX, PHONE_MAX
from ..domain.cases import LANGUAGES
from .schemas import PUBLIC_CASE
from .validation import Arr, Bool, Obj, Str

CITIZEN_SIGN_IN = Obj({
    "region": Str(required=True), "user_pool_id": Str(required=True),
    "client_id": Str(required=True),
    "endpoint": Str(required=True, description="Cognito's user pools API for a browser: POST JSON "
                    "with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>` and "
                    "`Content-Type: application/x-amz-json-1.1` (SignUp, ConfirmSignUp, "
                    "ResendConfirmationCode, InitiateAuth, ForgotPassword, "
                    "ConfirmForgotPassword, ChangePassword, GlobalSignOut)"),
}, description="The citizen user pool (never the staff pool) and the portal's app client")

PROFILE_CHANGE = Obj({
    "name": Str(max_length=NAME_MAX),
    "phone": Str(max_length=PHONE_MAX),
    "postal_address": Str(max_length=ADDRESS_MAX, multiline=True,
                          description="Where a letter's answer may go by post"),
    "language": Str(max_length=8, enum=LANGUAGES, description="The language of the portal and mails"),
}, description="The profile that prefills the forms: every field, `null` or empty to clear it")

PROFILE = Obj({
    "email": Str(description="The verified address of the account (the pool's; not changed here)"),
    "name": Str(), "phone": Str(), "postal_address": Str(), "language": Str(),
    "updated_at": Str(description="ISO 8601; null before the first save"),
})

ACCOUNT_CASE = Obj({key: field for key, field in PUBLIC_CASE.fields.items()},
                   description="A case filed by a signed-in citizen: the public form's fields; "
                               "every public form type and also `letter`, `complaint`, "
                               "`foi_request`. The requester is the account (its verified "
                               "address, the profile's name, phone and postal address)")

FILED = Obj({
    "number": Str(required=True), "token": Str(required=True), "tracking_url": Str(required=True),
    "status": Str(required=True), "language": Str(required=True),
    "registry_number": Str(description="`<year>/<department code>/<sequence>`: letters, "
                                       "complaints and FOI requests; null for the other types"),
    "registered_at": Str(required=True, description="ISO 8601: the registry date"),
})

_MY_CASE = Obj({
    "number": Str(required=True), "type": Str(), "type_name": Str(), "category": Str(),
    "category_name": Str(), "status": Str(), "status_name": Str(), "public": Bool(),
    "created_at": Str(), "registry_number": Str(), "registered_at": Str(),
    "filed_with_account": Bool(description="false: sent earlier (or without signing in) from "
                                           "the account's verified address"),
    "tracking_url": Str(description="The case's private page: its history and the answers"),
})

MY_CASES = Obj({"email": Str(), "cases": Arr(_MY_CASE, max_items=200)})

FOLLOWED = Obj({
    "number": Str(required=True), "since": Str(), "public_url": Str(),
    "available": Bool(description="false: no longer public (deleted, merged or made private)"),
    "status": Str(), "status_name": Str(), "category_name": Str(),
})

SUBSCRIPTIONS = Obj({"subscriptions": Arr(FOLLOWED, max_items=200)})

FOLLOW = Obj({"language": Str(max_length=8, enum=LANGUAGES,
                              description="Language of the news (default: the account's)")},
             description="Optional")

LINK_REQUEST = Obj({
    "email": Str(required=True, max_length=254, format="email"),
    "language": Str(max_length=8, enum=LANGUAGES),
}, description="Mail a link to the cases sent from this address")

LINK_ACCEPTED = Obj({"status": Str(description="`accepted`, whatever the address")})

LINK_OPEN = Obj({"token": Str(required=True, max_length=600,
                              description="The token of the mailed link (after `#token=`)")})

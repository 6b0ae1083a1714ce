"""Citizen accounts' operations of the OpenAPI document (``openapi_operations.OPERATIONS``)."""

from __future__ import annotations

from . import accounts_schemas as s
from .operation import Operation

_PROFILE_REFUSALS = (("phone", "invalid_phone", "not a phone number"),
                     ("language", "not_allowed", "not one of the municipality's languages"))

OPERATIONS = (
    Operation("GET", "/v1/public/citizen-sign-in", "getCitizenSignIn", "public",
              "Where the portal signs citizens in: the citizen pool, its app client, Cognito's endpoint",
              s.CITIZEN_SIGN_IN, errors=(),
              description="The portal calls Cognito itself (SignUp with a verified e-mail, "
                          "ConfirmSignUp with the mailed code, InitiateAuth USER_PASSWORD_AUTH and "
                          "REFRESH_TOKEN_AUTH, ForgotPassword / ConfirmForgotPassword, "
                          "ChangePassword) and sends the ID token to the account routes."),
    Operation("GET", "/v1/public/account/profile", "getAccountProfile", "public",
              "The signed-in citizen's profile (prefills the forms)", s.PROFILE, citizen=True,
              errors=(401,)),
    Operation("PUT", "/v1/public/account/profile", "saveAccountProfile", "public",
              "Change the profile: name, phone, postal address, language", s.PROFILE,
              body=s.PROFILE_CHANGE, citizen=True, errors=(400, 401, 413, 415),
              refusals=_PROFILE_REFUSALS),
    Operation("POST", "/v1/public/account/cases", "fileAccountCase", "public",
              "File a case as the signed-in citizen; letters, complaints and FOI requests only so",
              s.FILED, 201, body=s.ACCOUNT_CASE, citizen=True, errors=(400, 401, 409, 413, 415),
              headers=(("Idempotency-Key", "Optional: a repeat with the same key answers the "
                                           "first case"),),
              description="The requester is the account: its verified address, with the "
                          "profile's name, phone and postal address. A letter, complaint or FOI "
                          "request is private and takes the year's next registry number "
                          "(`<year>/<department code>/<sequence>`). `POST /v1/public/cases` "
                          "answers these types 401 `account_required`."),
    Operation("GET", "/v1/public/account/cases", "listAccountCases", "public",
              "My cases: those filed with the account and those sent earlier from its verified "
              "address, newest first, with status, registry number and date", s.MY_CASES,
              citizen=True, errors=(401,)),
    Operation("GET", "/v1/public/account/subscriptions", "listAccountSubscriptions", "public",
              "My subscriptions: the public cases the account follows", s.SUBSCRIPTIONS,
              citizen=True, errors=(401,)),
    Operation("PUT", "/v1/public/account/subscriptions/{number}", "followCaseWithAccount", "public",
              "Follow a public case with one click (confirmed at once: the address is verified)",
              s.FOLLOWED, body=s.FOLLOW, body_required=False, citizen=True,
              errors=(400, 401, 404, 415)),
    Operation("DELETE", "/v1/public/account/subscriptions/{number}", "unfollowCaseWithAccount",
              "public", "Stop following a case", None, citizen=True, errors=(401, 404)),
    Operation("POST", "/v1/public/my-cases/link", "requestMyCasesLink", "public",
              "Mail a link to the cases sent from an address (without an account)",
              s.LINK_ACCEPTED, 202, body=s.LINK_REQUEST, errors=(400, 413, 415),
              description="Always 202, whether the address sent anything or not; at most three "
                          "mails an address a day. The link is valid for 24 hours."),
    Operation("POST", "/v1/public/my-cases", "openMyCasesLink", "public",
              "The cases of the mailed link's address (not letters, complaints, FOI requests)",
              s.MY_CASES, body=s.LINK_OPEN, errors=(400, 404, 413, 415),
              description="The token is posted, not put in a URL the server logs; 404 "
                          "`not_found` for a wrong or expired link."),
)

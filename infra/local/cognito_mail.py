"""Cognito's own mail, emulated: the codes of sign-up and password reset reach the outbox.

In AWS, Cognito mails a code when a citizen signs up (``SignUp``, ``ResendConfirmationCode``)
or forgets the password (``ForgotPassword``), with the pool's ``VerificationMessageTemplate``
through the SES identity of its ``EmailConfiguration``, and checks the code on
``ConfirmSignUp`` / ``ConfirmForgotPassword``; confirming a sign-up marks the address verified
(``email_verified``). moto 5.2.1 does none of it: it sends nothing, confirms a sign-up whatever
the code, has no ``ResendConfirmationCode``, and leaves ``email_verified`` unset. This WSGI
middleware in front of moto does those steps for the pools whose ``AutoVerifiedAttributes``
hold ``email`` (the citizen pool; the staff pool creates its users with ``AdminCreateUser``,
which it leaves alone):

* after a successful ``SignUp`` and ``ForgotPassword``, and for ``ResendConfirmationCode``
  (answered here), a new six-digit code is mailed through moto's SES from the pool's
  ``EmailConfiguration.From``, so the runtime's outbox captures it like any other mail;
* ``ConfirmSignUp`` and ``ConfirmForgotPassword`` with another code than the last one mailed
  (or after 24 hours, or 1 hour for a reset, as Cognito's codes) answer ``CodeMismatchException``
  / ``ExpiredCodeException`` without reaching moto; with the right one the code is used up, and
  a confirmed sign-up gets ``email_verified = true``.

Codes are kept in memory: after a restart of the runtime a pending code is gone and the citizen
asks for a new one (``ResendConfirmationCode`` / ``ForgotPassword``), as after an expired code.
What only AWS proves: Cognito's delivery through SES, its own rate limits on codes, the mail's
exact look (``docs/accounts.md``).
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Callable, Iterable

log = logging.getLogger("civicdesk.local")

_PREFIX = "AWSCognitoIdentityProviderService."
HANDLED = frozenset({"SignUp", "ResendConfirmationCode", "ConfirmSignUp", "ForgotPassword",
                     "ConfirmForgotPassword"})
SIGN_UP_LIFETIME = 24 * 3600
RESET_LIFETIME = 3600
DEFAULT_SUBJECT = "Your verification code"
DEFAULT_MESSAGE = "Your verification code is {####}."


@dataclass(frozen=True)
class PendingCode:
    code: str
    purpose: str  # "sign_up" or "reset"
    expires: float


class CodeBook:
    """The last code mailed per (pool, user, purpose); thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._codes: dict[tuple[str, str, str], PendingCode] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def issue(self, pool_id: str, username: str, purpose: str) -> str:
        code = f"{secrets.randbelow(1_000_000):06d}"
        lifetime = SIGN_UP_LIFETIME if purpose == "sign_up" else RESET_LIFETIME
        with self._lock:
            self._codes[(pool_id, username, purpose)] = PendingCode(code, purpose,
                                                                   self._clock() + lifetime)
        return code

    def check(self, pool_id: str, username: str, purpose: str, code: str) -> str | None:
        """``None`` when ``code`` is the pending one (then used up), else Cognito's error type.

        >>> book = CodeBook(clock=lambda: 0)
        >>> issued = book.issue("p", "u", "sign_up")
        >>> book.check("p", "u", "sign_up", "x"), book.check("p", "u", "sign_up", issued)
        ('CodeMismatchException', None)
        >>> book.check("p", "u", "sign_up", issued)
        'ExpiredCodeException'
        """
        with self._lock:
            pending = self._codes.get((pool_id, username, purpose))
            if pending is None or pending.expires < self._clock():
                return "ExpiredCodeException"
            if not secrets.compare_digest(pending.code, (code or "").strip()):
                return "CodeMismatchException"
            del self._codes[(pool_id, username, purpose)]
            return None


def render_code_mail(pool_config: dict, code: str, to: str, purpose: str) -> tuple[str, str]:
    """``(sender, MIME text)`` of the mail Cognito would send with the pool's templates.

    >>> sender, mime = render_code_mail({"EmailConfiguration": {"From": "no-reply@demo.rs"},
    ...     "VerificationMessageTemplate": {"EmailSubject": "Code", "EmailMessage": "Code {####}"}},
    ...     "123456", "ana@example.org", "sign_up")
    >>> sender, "Code 123456" in mime
    ('no-reply@demo.rs', True)
    """
    template = pool_config.get("VerificationMessageTemplate") or {}
    subject = (template.get("EmailSubject") or pool_config.get("EmailVerificationSubject")
               or DEFAULT_SUBJECT)
    text = (template.get("EmailMessage") or pool_config.get("EmailVerificationMessage")
            or DEFAULT_MESSAGE)
    sender = (pool_config.get("EmailConfiguration") or {}).get("From") or "no-reply@verificationemail.com"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="cognito.local")
    message["X-Cognito-Purpose"] = purpose
    message.set_content(text.replace("{####}", code))
    return sender, message.as_string()


def _error(start_response: Callable, kind: str, message: str) -> list[bytes]:
    body = json.dumps({"__type": kind, "message": message}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                       ("Content-Length", str(len(body))),
                                       ("Access-Control-Allow-Origin", "*")])
    return [body]


class CognitoMail:
    """The WSGI middleware (see the module docstring); ``backends`` gives moto's cognito-idp
    backends of the account, ``send_raw`` sends a raw mail through moto's SES."""

    def __init__(self, app: Callable, backends: Callable[[], Iterable[Any]],
                 send_raw: Callable[[str, list[str], str], None], codes: CodeBook | None = None):
        self._app = app
        self._backends = backends
        self._send_raw = send_raw
        self.codes = codes or CodeBook()

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target[len(_PREFIX):] if target.startswith(_PREFIX) else ""
        if action not in HANDLED or environ.get("REQUEST_METHOD") != "POST":
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            return self._app(environ, start_response)
        pool = self._pool(request.get("ClientId", ""))
        if pool is None or not self._verifies_email(pool):
            return self._app(environ, start_response)
        user = pool._get_user(request.get("Username", "")) if request.get("Username") else None
        if user is None and action != "SignUp":
            return self._app(environ, start_response)
        if action == "ResendConfirmationCode":
            return self._resend(pool, user, start_response)
        if action in ("ConfirmSignUp", "ConfirmForgotPassword"):
            purpose = "sign_up" if action == "ConfirmSignUp" else "reset"
            problem = self.codes.check(pool.id, user.username, purpose,
                                       str(request.get("ConfirmationCode", "")))
            if problem:
                text = ("Invalid verification code provided, please try again."
                        if problem == "CodeMismatchException"
                        else "Invalid code provided, please request a code again.")
                return _error(start_response, problem, text)
        status: list = []

        def recording(code: str, headers: list, exc_info: Any = None) -> Any:
            status.append(code)
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        answer = list(self._app(environ, recording))
        if status and status[0].startswith("200"):
            if action == "SignUp":
                made = pool._get_user(request.get("Username", ""))  # made by moto just now
                if made is not None:
                    self._mail(pool, made, "sign_up")
            elif action == "ForgotPassword":
                self._mail(pool, user, "reset")
            elif action == "ConfirmSignUp":
                self._mark_verified(user)
        return answer

    # -- moto's state -----------------------------------------------------------------------

    def _pool(self, client_id: str) -> Any:
        """The moto pool of app client ``client_id``, or ``None``."""
        if not client_id:
            return None
        for backend in self._backends():
            for pool in list(backend.user_pools.values()):
                if client_id in pool.clients:
                    return pool
        return None

    @staticmethod
    def _verifies_email(pool: Any) -> bool:
        return "email" in (pool.extended_config.get("AutoVerifiedAttributes") or [])

    @staticmethod
    def _email(user: Any) -> str | None:
        return next((a["Value"] for a in user.attributes if a["Name"] == "email"), None)

    @staticmethod
    def _mark_verified(user: Any) -> None:
        user.attributes = [a for a in user.attributes if a["Name"] != "email_verified"]
        user.attributes.append({"Name": "email_verified", "Value": "true"})
        user.attribute_lookup = {a["Name"]: a["Value"] for a in user.attributes}

    def _mail(self, pool: Any, user: Any, purpose: str) -> dict:
        address = self._email(user)
        if not address:
            return {}
        code = self.codes.issue(pool.id, user.username, purpose)
        sender, mime = render_code_mail(pool.extended_config, code, address, purpose)
        try:
            self._send_raw(sender, [address], mime)
        except Exception:  # noqa: BLE001 - the outbox is a convenience; log and go on
            log.exception("the %s code for %s could not be mailed to the outbox", purpose, address)
        log.info("Cognito %s code mailed to %s (outbox)", purpose.replace("_", "-"), address)
        local, _, domain = address.partition("@")
        return {"Destination": f"{local[:1]}***@{domain[:1]}***", "DeliveryMedium": "EMAIL",
                "AttributeName": "email"}

    def _resend(self, pool: Any, user: Any, start_response: Callable) -> list[bytes]:
        details = self._mail(pool, user, "sign_up")
        body = json.dumps({"CodeDeliveryDetails": details}).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                                  ("Content-Length", str(len(body))),
                                  ("Access-Control-Allow-Origin", "*")])
        return [body]


def moto_cognito_mail(app: Callable) -> CognitoMail:
    """The middleware over moto's own backends and SES (the runtime's account and region)."""
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    def backends() -> Iterable[Any]:
        regions = cognitoidp_backends[DEFAULT_ACCOUNT_ID]
        return [regions[region] for region in list(regions.keys())]

    def send_raw(source: str, destinations: list[str], raw: str) -> None:
        from infra.local.aws import REGION

        ses_backends[DEFAULT_ACCOUNT_ID][REGION].send_raw_email(source, destinations, raw)

    return CognitoMail(app, backends, send_raw)

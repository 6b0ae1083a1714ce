"""SES email receiving on 127.0.0.1: an SMTP server that does what the template's receipt rule
does in AWS.

For every ``AWS::SES::ReceiptRule`` of ``template.yaml`` (``InboundRule``):
- ``RCPT TO`` is accepted only for the rule's ``Recipients`` (a domain matches every address of
  that domain, ``+`` sub-addresses included; ``.domain`` its subdomains; an address itself);
  anything else gets ``550 5.1.1``, as SES answers for a domain it does not receive for;
- messages are limited to 40 MB (``552``), 50 recipients (``452``);
- on ``DATA``, the message gets an SES-like message id, its bytes are stored *exactly as received*
  at ``<ObjectKeyPrefix><id>`` in the ``S3Action``'s bucket, the client gets ``250``, and then the
  ``LambdaAction``'s function is invoked asynchronously (``InvocationType: Event``) with the SES
  receipt event, through the same retries and on-failure destination as Lambda
  (``infra.local.asyncinvoke``). The event is SES's recorded one with this message's values
  (``infra.local.ses_receipt``).

Verdicts are ``PASS`` (nothing scans locally). To try the quarantine or the DMARC rule, a test
mail may carry ``X-CivicDesk-Local-Verdicts: spam=FAIL, dmarc=FAIL`` (virus, spf and dkim too);
only the local runtime reads that header.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import string
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Callable

from aiosmtpd.controller import Controller

from infra.local.asyncinvoke import iso_now
from infra.local.ses_receipt import VERDICT_NAMES, read_headers, receipt_event
from infra.local.template import Template, reference_target

log = logging.getLogger("civicdesk.local")

#: SES accepts messages up to 40 MB (headers and body, as transmitted).
MAX_MESSAGE_BYTES = 40 * 1024 * 1024
#: SES accepts at most 50 recipients per message.
MAX_RECIPIENTS = 50
LOCAL_VERDICTS_HEADER = "X-CivicDesk-Local-Verdicts"
_VERDICT_VALUES = ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED", "DISABLED")
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_message_id() -> str:
    """An SES-like message id: 40 lowercase letters and digits (SES's own look like
    ``o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1``), safe as an S3 key and a file name."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(40))


@dataclass(frozen=True)
class ReceiptRule:
    """One enabled receipt rule, references resolved."""

    name: str
    recipients: tuple[str, ...]
    bucket: str | None = None
    prefix: str = ""
    #: Logical id of the function the rule's Lambda action invokes.
    function: str | None = None
    invocation_type: str = "Event"

    def matches(self, address: str) -> bool:
        """Whether SES would apply this rule to mail for ``address``.

        Examples
        --------
        >>> rule = ReceiptRule("r", ("demo.civicdesk.rs",))
        >>> rule.matches("Podrska+2026-000001.ab12cd34@DEMO.civicdesk.rs")
        True
        >>> rule.matches("kjs@sub.demo.civicdesk.rs"), rule.matches("kjs@example.rs")
        (False, False)
        """
        address = (address or "").strip().lower()
        local, at, domain = address.rpartition("@")
        if not at or not local or not domain:
            return False
        for recipient in self.recipients:
            recipient = recipient.strip().lower()
            if "@" in recipient:
                if address == recipient:
                    return True
            elif recipient.startswith("."):
                if domain.endswith(recipient):
                    return True
            elif domain == recipient:
                return True
        return False


def receipt_rules(template: Template, ref: Callable[[str], str],
                  identities: list[str] = ()) -> list[ReceiptRule]:
    """The template's enabled receipt rules, in template order. ``ref`` resolves ``!Ref``s
    (``aws.reference_resolver``); a rule without ``Recipients`` receives for ``identities``."""
    rules = []
    for logical_id, resource in template.of_type("AWS::SES::ReceiptRule").items():
        rule = resource.get("Properties", {}).get("Rule", {})
        if not rule.get("Enabled", False):
            continue
        recipients = tuple(str(template.resolve(r, ref)) for r in rule.get("Recipients") or ())
        bucket, prefix, function, invocation_type = None, "", None, "Event"
        for action in rule.get("Actions") or ():
            if "S3Action" in action:
                s3 = action["S3Action"]
                bucket = str(template.resolve(s3["BucketName"], ref))
                prefix = str(s3.get("ObjectKeyPrefix") or "")
            elif "LambdaAction" in action:
                lambda_action = action["LambdaAction"]
                function = reference_target(lambda_action.get("FunctionArn"))
                invocation_type = lambda_action.get("InvocationType", "Event")
            else:
                log.warning("%s: %s is not emulated locally", logical_id, ", ".join(action))
        name = rule.get("Name")
        rules.append(ReceiptRule(
            name=str(template.resolve(name, ref)) if name else logical_id,
            recipients=recipients or tuple(identities), bucket=bucket, prefix=prefix,
            function=function, invocation_type=invocation_type))
    return rules


def local_verdicts(value: str | None) -> dict[str, str]:
    """``spam=FAIL, dmarc=FAIL`` -> ``{"spam": "FAIL", "dmarc": "FAIL"}`` (unknown names and
    values are ignored).

    Examples
    --------
    >>> local_verdicts("spam=fail; DMARC=FAIL, color=red, virus=maybe")
    {'spam': 'FAIL', 'dmarc': 'FAIL'}
    """
    verdicts = {}
    for name, verdict in re.findall(r"([A-Za-z]+)\s*=\s*([A-Za-z_]+)", value or ""):
        name, verdict = name.lower(), verdict.upper()
        if name in VERDICT_NAMES and verdict in _VERDICT_VALUES:
            verdicts[name] = verdict
    return verdicts


class SesReceiver:
    """The receipt rules' actions, and the aiosmtpd handler hooks that apply them.

    ``store(bucket, key, raw)`` writes the raw message (S3); ``deliver(function_logical_id,
    event)`` hands the event to the function's asynchronous invocation; ``function_arn`` gives
    the ARN the event names. Both ``store`` and ``deliver`` return once what they were given is
    on disk (the runtime's S3 and its journal of asynchronous events), so a ``250`` means the
    message survives a crash.
    """

    def __init__(self, rules: list[ReceiptRule], store: Callable[[str, str, bytes], None],
                 deliver: Callable[[str, dict], None], *,
                 function_arn: Callable[[str], str] = lambda logical_id: logical_id,
                 clock: Callable[[], float] = time.time,
                 new_id: Callable[[], str] = new_message_id):
        self.rules = list(rules)
        self._store = store
        self._deliver = deliver
        self._function_arn = function_arn
        self._clock = clock
        self._new_id = new_id

    def accepts(self, address: str) -> bool:
        return any(rule.matches(address) for rule in self.rules)

    def receive(self, sender: str, recipients: list[str], raw: bytes) -> str:
        """Apply the matching rules to one message; returns its SES message id."""
        started = self._clock()
        message_id = self._new_id()
        timestamp = iso_now(self._clock)
        headers = read_headers(raw)
        subject, verdicts = _summary(headers)
        matched = [(rule, [r for r in recipients if rule.matches(r)]) for rule in self.rules]
        matched = [(rule, found) for rule, found in matched if found]
        for rule, _ in matched:
            if rule.bucket:
                self._store(rule.bucket, f"{rule.prefix}{message_id}", raw)
        for rule, found in matched:
            if rule.function is None:
                continue
            event = receipt_event(
                message_id=message_id, sender=sender, envelope_recipients=recipients,
                rule_recipients=found, headers=headers, timestamp=timestamp,
                processing_millis=max(1, round((self._clock() - started) * 1000)),
                verdicts=verdicts, function_arn=self._function_arn(rule.function),
                invocation_type=rule.invocation_type)
            self._deliver(rule.function, event)
        log.info("SMTP: %s from <%s> to %s stored as %s (%d bytes)", subject[:60] or "(no subject)",
                 sender, ", ".join(recipients), message_id, len(raw))
        return message_id

    # -- aiosmtpd hooks ------------------------------------------------------------------------

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:  # noqa: N802 - aiosmtpd's hook name
        if not self.accepts(address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: not a receiving address"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any,
                          envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        try:
            message_id = await loop.run_in_executor(
                None, self.receive, envelope.mail_from or "", list(envelope.rcpt_tos), raw)
        except Exception:  # noqa: BLE001 - the sender keeps the message and tries again
            log.exception("SMTP: cannot store a message from <%s>", envelope.mail_from)
            return "451 4.3.0 Temporary failure; try again later"
        return f"250 2.0.0 Ok {message_id}"


def _summary(headers: EmailMessage | None) -> tuple[str, dict[str, str]]:
    """The decoded Subject (SES's ``commonHeaders.subject``) and any local verdicts."""
    if headers is None:
        return "", {}
    try:
        subject = str(headers.get("Subject", "") or "")
        verdicts = local_verdicts(str(headers.get(LOCAL_VERDICTS_HEADER, "") or ""))
    except Exception:  # noqa: BLE001 - a broken header block still gets stored and processed
        return "", {}
    return subject, verdicts


class _Controller(Controller):
    """aiosmtpd's threaded controller, able to bind port 0 (it learns the port it got)."""

    def _create_server(self):
        async def bind():
            server = await self.loop.create_server(self._factory_invoker, host=self.hostname,
                                                   port=self.port, ssl=self.ssl_context)
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bind()


class SmtpServer:
    """``receiver``'s hooks on ``host:port`` (0: a free port; ``port`` tells which)."""

    def __init__(self, receiver: SesReceiver, host: str = "127.0.0.1", port: int = 2525, *,
                 max_message_bytes: int = MAX_MESSAGE_BYTES):
        self.receiver = receiver
        self._controller = _Controller(receiver, hostname=host, port=port,
                                       data_size_limit=max_message_bytes,
                                       server_hostname="localhost", ready_timeout=10,
                                       ident="CivicDesk local SES inbound")
        self._started = False

    @property
    def host(self) -> str:
        return self._controller.hostname

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> "SmtpServer":
        try:
            self._controller.start()
        except Exception:
            # The server thread died binding (port taken): nothing to stop but the loop.
            self._controller._thread = None
            if not self._controller.loop.is_running():
                self._controller.loop.close()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._controller.stop()

    def __enter__(self) -> "SmtpServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

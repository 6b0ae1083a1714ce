"""What a deploy must not break in the account: the one active SES receipt rule set, and the
one API Gateway logging role.

SES receives mail for an account and region through exactly one *active* receipt rule set.
A stack that creates a rule set of its own and has it activated silences every rule of the set
that was active before (another municipality's mail, or the account's own); two stacks that
both claim the same domain both get its mail. ``check_receipt_rules`` says, before a deploy,
whether the stack's choice (its own rule set, or ``SharedReceiptRuleSetName``) is safe, and
what to do when it is not. ``check_api_gateway_logging`` does the same for API Gateway's
account setting (its CloudWatch Logs role; the stage's access logs need it, and
``CreateApiGatewayAccountRole`` decides whether the stack sets it). Used by
``python -m civicdesk.cli.preflight`` (``make preflight``).
"""

from __future__ import annotations

from typing import Protocol

from msgspec import Struct, field


class ReceiptRule(Struct, frozen=True):
    name: str
    #: Addresses and domains the rule receives for (SES matches a domain and its addresses).
    recipients: tuple[str, ...]


class ActiveRuleSet(Struct, frozen=True):
    name: str
    rules: tuple[ReceiptRule, ...] = ()


class ReceiptRuleSets(Protocol):
    """The account's SES receipt rule sets in one region (``civicdesk.adapters.account_settings``)."""

    def active(self) -> ActiveRuleSet | None:
        """The active rule set with its rules, ``None`` when none is active."""

    def exists(self, name: str) -> bool: ...


class ApiGatewayAccount(Protocol):
    """API Gateway's account setting in one region, and which role a stack created
    (``civicdesk.adapters.account_settings``)."""

    def logging_role_arn(self) -> str | None:
        """The account's CloudWatch Logs role, ``None`` when none is set."""

    def stack_logging_role_name(self, stack: str) -> str | None:
        """The name of the stack's ``ApiGatewayCloudWatchRole``, ``None`` without one (a first
        deploy, or a stack deployed with ``CreateApiGatewayAccountRole=false``)."""


class PreflightReport(Struct):
    #: What would break; the deploy must not go ahead while there is any.
    problems: list[str] = field(default_factory=list)
    #: What to do after the deploy (or what is fine to know).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def own_rule_set_name(stack: str) -> str:
    """The rule set a stack creates without ``SharedReceiptRuleSetName`` (template.yaml)."""
    return f"{stack}-inbound"


def own_rule_name(stack: str) -> str:
    """The stack's receipt rule (template.yaml, ``InboundRule``)."""
    return f"{stack}-store-then-ingest"


def _claims(recipient: str, mail_domain: str) -> bool:
    """Whether a rule's recipient receives mail of ``mail_domain`` as SES matches recipients:
    ``d`` is the domain and its addresses, ``.d`` every subdomain of ``d``, ``a@d`` one address.
    """
    recipient, mail_domain = recipient.lower().strip(), mail_domain.lower().strip()
    if "@" in recipient:
        return recipient.rpartition("@")[2] == mail_domain
    if recipient.startswith("."):
        return mail_domain.endswith(recipient)
    return recipient == mail_domain


def check_receipt_rules(rule_sets: ReceiptRuleSets, *, stack: str, mail_domain: str,
                        shared_rule_set: str = "") -> PreflightReport:
    """Whether deploying ``stack`` for ``mail_domain`` keeps every stack's mail arriving.

    Examples
    --------
    >>> class NoneActive:
    ...     def active(self): return None
    ...     def exists(self, name): return False
    >>> check_receipt_rules(NoneActive(), stack="vrsac", mail_domain="vrsac.rs").ok
    True
    >>> report = check_receipt_rules(NoneActive(), stack="vrsac", mail_domain="vrsac.rs",
    ...                              shared_rule_set="civicdesk-shared")
    >>> report.ok, report.problems[0].startswith("SharedReceiptRuleSetName is civicdesk-shared, but none")
    (False, True)
    """
    report = PreflightReport()
    active = rule_sets.active()
    ours = own_rule_name(stack)
    if shared_rule_set:
        if active is None or active.name != shared_rule_set:
            now = f"the active one is {active.name}" if active else "none is active"
            fix = (f"activate it first: aws ses set-active-receipt-rule-set --rule-set-name "
                   f"{shared_rule_set}" if rule_sets.exists(shared_rule_set) else
                   f"create and activate it first: aws ses create-receipt-rule-set "
                   f"--rule-set-name {shared_rule_set} && aws ses set-active-receipt-rule-set "
                   f"--rule-set-name {shared_rule_set}")
            report.problems.append(
                f"SharedReceiptRuleSetName is {shared_rule_set}, but {now}: this stack's rule "
                f"would receive no mail; {fix} (move the rules of any other active set into "
                f"it before activating it).")
        target = shared_rule_set
    else:
        target = own_rule_set_name(stack)
        if active is None:
            report.notes.append(
                f"No receipt rule set is active: after the deploy, activate this stack's: aws "
                f"ses set-active-receipt-rule-set --rule-set-name {target}")
        elif active.name != target:
            report.problems.append(
                f"The active receipt rule set is {active.name} (another stack's or the "
                f"account's, with {len(active.rules)} rule(s)); activating this stack's own set "
                f"{target} would stop their mail, and leaving it inactive would stop this "
                f"stack's. Deploy with SharedReceiptRuleSetName={active.name} to add this "
                f"stack's rule to it (docs/operations.md, \"Several municipalities in one "
                f"account\").")
    if active is not None and active.name == target:
        for rule in active.rules:
            if rule.name == ours:
                continue
            clashing = [r for r in rule.recipients if _claims(r, mail_domain)]
            if clashing:
                report.problems.append(
                    f"The rule {rule.name} of {active.name} already receives for "
                    f"{', '.join(clashing)}: mail to {mail_domain} would go to both stacks. "
                    f"Each municipality needs a mail domain of its own.")
        if not report.problems:
            report.notes.append(f"{active.name} is active; this stack's rule {ours} goes into "
                                f"it and receives for {mail_domain}.")
    return report


def check_api_gateway_logging(account: ApiGatewayAccount, *, stack: str, creates_role: bool,
                              report: PreflightReport | None = None) -> PreflightReport:
    """Whether the stack's ``CreateApiGatewayAccountRole`` fits the account: the stage cannot be
    created without a logging role, and a second stack must not replace the role the account's
    other stacks log through.

    Examples
    --------
    >>> class Fresh:
    ...     def logging_role_arn(self): return None
    ...     def stack_logging_role_name(self, stack): return None
    >>> check_api_gateway_logging(Fresh(), stack="vrsac", creates_role=False).problems[0][:46]
    'The account has no API Gateway logging role: t'
    """
    report = report if report is not None else PreflightReport()
    current = account.logging_role_arn()
    own_role = account.stack_logging_role_name(stack)
    is_ours = bool(current and own_role and current.rsplit("/", 1)[-1] == own_role)
    if creates_role and current and not is_ours:
        report.problems.append(
            f"The account's API Gateway logging role is already set ({current}), by another "
            f"stack or the account's administrator: deploy with "
            f"CreateApiGatewayAccountRole=false, so that this stack does not replace it.")
    elif not creates_role and not current:
        report.problems.append(
            "The account has no API Gateway logging role: the API stage (with access logs) "
            "would fail to create. Deploy with CreateApiGatewayAccountRole=true, or set the "
            "role first (README, \"One API Gateway logging role per account and region\").")
    elif not creates_role and is_ours:
        report.problems.append(
            f"The account's API Gateway logging role ({current}) is this stack's own: with "
            f"CreateApiGatewayAccountRole=false CloudFormation stops managing it (it is "
            f"retained and stays set); keep true unless another stack takes the setting over.")
    else:
        report.notes.append("API Gateway logging role: " + (
            "this stack sets it." if creates_role and not current else
            f"{current} (this stack's)." if creates_role else f"{current} (kept as it is)."))
    return report

"""The messages CivicDesk itself writes to citizens and external bodies, built in one place so
that every channel (web form, operators, mail) words and threads them alike."""

from __future__ import annotations

from ..domain.cases import Case, EventKind, Status, TimelineEvent
from ..domain.mail import OutgoingMail, subject_tag
from ..domain.municipality import Municipality
from ..domain.municipality import localised as tr_text
from ..domain.threading import case_reply_address
from .i18n import translate


def case_mailbox(case: Case, municipality: Municipality):
    """The support address a case's mail goes out from (its own mailbox, else the general one)."""
    if case.mailbox:
        service = municipality.service_for_address(case.mailbox)
        if service is not None:
            return service
    return municipality.general_service


def case_context(case: Case, municipality: Municipality, language: str,
                 status: Status | None = None) -> dict:
    """What every notification text (``civicdesk.rendering.templating``) says of its case, in
    ``language``: the keys all mails and SMS share but the recipient's name and links."""
    category = municipality.categories.get(case.category)
    department = municipality.departments.get(case.department)
    return {
        "municipality": tr_text(municipality.name, language),
        "number": case.number,
        "signature": tr_text(case_mailbox(case, municipality).name, language),
        "type_name": translate(language, f"type.{case.type.value}"),
        "category_name": tr_text(category.name, language) if category else case.category,
        "department_name": tr_text(department.name, language) if department else case.department,
        "status_name": translate(language, f"status.{(status or case.status).value}"),
    }


def thread_headers(events: list[TimelineEvent]) -> dict[str, str]:
    """``In-Reply-To`` and ``References`` of a mail to the citizen: it answers their last
    message on the case (none when they never wrote)."""
    incoming = [e.data.get("message_id") for e in events
                if e.kind is EventKind.MESSAGE_IN and e.data.get("message_id")]
    if not incoming:
        return {}
    return {"In-Reply-To": f"<{incoming[-1]}>",
            "References": " ".join(f"<{m}>" for m in incoming[-10:])}


def reply_mail(case: Case, events: list[TimelineEvent], municipality: Municipality, text: str,
               staff_name: str | None, *, tracking_url: str) -> OutgoingMail:
    """A staff member's answer, threaded like the mail channel: from the case's mailbox, with
    the case tag, the per-case reply address and ``In-Reply-To`` the citizen's last message,
    and the requester's private link to the whole case at the end."""
    language = case.language
    service = case_mailbox(case, municipality)
    municipality_name = tr_text(municipality.name, language)
    name = case.contact.name if case.contact else None
    headers = {"X-CivicDesk-Case": case.number, "Content-Language": language,
               **thread_headers(events)}
    topic = (case.subject or "").strip()
    subject = (f"{subject_tag(case.number)} Re: {topic[:150]}" if topic else
               f"{subject_tag(case.number)} {translate(language, 'mail.reply.subject', number=case.number)}")
    body = translate(language, "mail.reply.body", name_part=f", {name}" if name else "", text=text,
                     number=case.number, municipality=municipality_name,
                     service=tr_text(service.name, language),
                     signature=staff_name or tr_text(service.name, language))
    body = f"{body}\n\n{translate(language, 'notify.tracking', url=tracking_url)}"
    return OutgoingMail(sender=service.address,
                        sender_name=f"{municipality_name} – {tr_text(service.name, language)}",
                        to=(case.contact.email,) if case.contact and case.contact.email else (),
                        subject=subject, text=body,
                        reply_to=case_reply_address(service.address, case.number, case.token_hash),
                        headers=headers, case_number=case.number, kind="reply")


def reply_sms_text(case: Case, municipality: Municipality, text: str, tracking_url: str,
                   max_parts: int = 3) -> str:
    """A staff member's answer by SMS, in the municipality's SMS script, with the requester's
    link after it when both fit in ``max_parts`` SMS. The answer matters more: one too long
    for both goes without the link (and the sender fits it to the parts,
    ``civicdesk.domain.sms.fit``)."""
    from ..domain.sms import segments
    from ..domain.sms_script import sms_text

    answer = sms_text(translate(case.language, "sms.reply", number=case.number, text=text,
                                municipality=tr_text(municipality.name, case.language)),
                      case.language, municipality.sms)
    linked = f"{answer} {tracking_url}"
    return linked if segments(linked)[1] <= max_parts else answer


def referral_mail(case: Case, municipality: Municipality, *, to: str, body_name: str,
                  message: str, include_contact: bool, staff_name: str | None) -> OutgoingMail:
    """A case handed to an external body. Its answer to the per-case reply address (or with the
    tag in the subject, the body being a participant) threads back into the case."""
    language = municipality.default_language
    service = case_mailbox(case, municipality)
    municipality_name = tr_text(municipality.name, language)
    category = municipality.categories.get(case.category)
    lines = [translate(language, "mail.referral.details", number=case.number,
                       type=translate(language, f"type.{case.type.value}"),
                       category=tr_text(category.name, language) if category else case.category,
                       received=(case.received_at or case.created_at).strftime("%Y-%m-%d %H:%M UTC"))]
    if case.location:
        where = ", ".join(filter(None, [case.location.address,
                                        f"{case.location.lat:.6f}, {case.location.lon:.6f}"
                                        if case.location.lat is not None else None]))
        lines.append(translate(language, "mail.referral.location", location=where))
    if include_contact and case.contact and not case.contact.is_empty:
        contact = ", ".join(v for v in (case.contact.name, case.contact.email, case.contact.phone,
                                        case.contact.address) if v)
        lines.append(translate(language, "mail.referral.contact", contact=contact))
    body = translate(language, "mail.referral.body", body=body_name, message=message,
                     details="\n".join(lines), description=case.description,
                     municipality=municipality_name, signature=staff_name or municipality_name)
    return OutgoingMail(
        sender=service.address, sender_name=f"{municipality_name} – {tr_text(service.name, language)}",
        to=(to,), subject=f"{subject_tag(case.number)} "
                          + translate(language, "mail.referral.subject", number=case.number,
                                      municipality=municipality_name),
        text=body, reply_to=case_reply_address(service.address, case.number, case.token_hash),
        headers={"X-CivicDesk-Case": case.number, "Content-Language": language},
        case_number=case.number, kind="referral")

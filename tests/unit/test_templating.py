"""Notification texts: every mail and SMS kind in every language, from the templates and the
catalogues (civicdesk.rendering)."""

import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from civicdesk.domain.cases import LANGUAGES
from civicdesk.domain.sms import GSM7, fit, segments
from civicdesk.domain.subscriptions import (
    Subscription,
    SubscriptionRole,
    SubscriptionState,
    confirm_url,
    new_subscription_token,
    unsubscribe_url,
)
from civicdesk.domain.tracking_tokens import tracking_url
from civicdesk.rendering import templating, working_duration
from civicdesk.rendering.i18n import catalogue, translate
from civicdesk.rendering.templating import MAIL_KINDS, SMS_KINDS, RenderedMail, render_mail, render_sms

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://prijave.demo.civicdesk.rs"
NUMBER = "2026-000123"

# What the notify service takes from the municipality's configuration and the case, per
# language (the demo municipality's names).
WORDS = {
    "sr-Cyrl": dict(municipality="Општина Демо", signature="Контакт центар",
                    category="Улично осветљење", department="Јавно осветљење",
                    body="Санитарна инспекција – одсек Демо", name="Петар Петровић",
                    staff="Драган Николић", operator="Милица Јовановић",
                    message="Екипа излази на терен сутра ујутру.",
                    excerpt="Не ради улична расвета код броја 12.\nЦела улица је у мраку.",
                    address="Његошева 12", reason="Рок за одговор је истекао."),
    "sr-Latn": dict(municipality="Opština Demo", signature="Kontakt centar",
                    category="Ulično osvetljenje", department="Javno osvetljenje",
                    body="Sanitarna inspekcija – odsek Demo", name="Petar Petrović",
                    staff="Dragan Nikolić", operator="Milica Jovanović",
                    message="Ekipa izlazi na teren sutra ujutru.",
                    excerpt="Ne radi ulična rasveta kod broja 12.\nCela ulica je u mraku.",
                    address="Njegoševa 12", reason="Rok za odgovor je istekao."),
    "bg": dict(municipality="Община Демо", signature="Контактен център",
               category="Улично осветление", department="Улично осветление и енергетика",
               body="Санитарна инспекция – отдел Демо", name="Иван Иванов",
               staff="Мария Петрова", operator="Георги Димитров",
               message="Екипът ще излезе на място утре сутринта.",
               excerpt="Уличното осветление пред номер 12 не работи.\nЦялата улица е тъмна.",
               address="ул. „Раковски“ 12", reason="Срокът за отговор изтече."),
    "cs": dict(municipality="Obec Demo", signature="Kontaktní centrum",
               category="Veřejné osvětlení", department="Odbor správy veřejného osvětlení",
               body="Hygienická inspekce – pracoviště Demo", name="Jana Nováková",
               staff="Petr Svoboda", operator="Eva Dvořáková",
               message="Technici vyjedou zítra ráno.",
               excerpt="U čísla 12 nesvítí pouliční osvětlení.\nCelá ulice je potmě.",
               address="Husova 12", reason="Lhůta pro odpověď uplynula."),
    "en": dict(municipality="Municipality of Demo", signature="Contact centre",
               category="Street lighting", department="Public Lighting Department",
               body="Sanitary Inspection – Demo Office", name="Peter Smith",
               staff="Dragan Nikolic", operator="Milica Jovanovic",
               message="The crew will be there tomorrow morning.",
               excerpt="The street light at number 12 is out.\nThe whole street is dark.",
               address="12 Main Street", reason="The deadline for an answer has passed."),
}


# Tokens as long as the real ones (secrets.token_urlsafe(24)), fixed so that texts compare.
CASE_TOKEN = "Xq3vN8s0bT1kLmP4wZ7yR2cD5fG9hJ6a"
SUBSCRIPTION_TOKEN = "u2jIOVXxPjDll_PCM1sPfcfhcKI9WvEn"
assert len(CASE_TOKEN) == len(SUBSCRIPTION_TOKEN) == len(new_subscription_token())


def subscription(language: str, role=SubscriptionRole.FOLLOWER) -> Subscription:
    return Subscription(NUMBER, "ana@example.org", role, language, SubscriptionState.CONFIRMED,
                        SUBSCRIPTION_TOKEN, datetime(2026, 11, 22, tzinfo=timezone.utc))


def mail_context(kind: str, language: str, *, unsubscribe: bool = True, filled: bool = True) -> dict:
    """Exactly the keys the kind declares; ``filled=False`` sets every key that may be None
    to None."""
    w = WORDS[language]
    status = "resolved" if kind == "follower_update" else "in_progress"
    common = {
        "municipality": w["municipality"], "number": NUMBER, "name": w["name"],
        "tracking_url": tracking_url(PUBLIC_URL, NUMBER, CASE_TOKEN, language),
        "unsubscribe_url": unsubscribe_url(PUBLIC_URL, subscription(language)) if unsubscribe else None,
        "signature": w["signature"], "type_name": translate(language, "type.signal"),
        "category_name": w["category"], "department_name": w["department"],
        "status_name": translate(language, f"status.{status}"),
    }
    own = {
        "description_excerpt": w["excerpt"], "previous_status_name": translate(language, "status.new"),
        "message": w["message"], "into_number": "2026-000100",
        "into_tracking_url": f"{PUBLIC_URL}/track.html?number=2026-000100&lang={language}",
        "body_name": w["body"], "change": "resolved",
        "confirm_url": confirm_url(PUBLIC_URL, subscription(language)),
        "assignee_name": w["staff"], "assigned_by": w["operator"], "excerpt": w["excerpt"],
        "address": w["address"], "coordinates": "44.007100, 20.910500",
        "map_url": "https://www.openstreetmap.org/?mlat=44.007100&mlon=20.910500#map=18/44.007100/20.910500",
        "received_at": "21.11.2026 09:30", "reason": w["reason"],
        "escalated_by": w["operator"], "level": 2, "legal_due": "15.12.2026",
        "clock_name": translate(language, "clock.first_reaction"), "due_at": "21.11.2026 10:00",
        "time_left": working_duration(language, 25),
    }
    context = {**common, **{key: own[key] for key in templating._MAIL_OWN[kind]}}
    if not filled:
        nullable = {**templating._MAIL_COMMON, **templating._MAIL_OWN[kind]}
        context.update({key: None for key, may_be_none in nullable.items() if may_be_none})
    return context


def sms_context(kind: str, language: str) -> dict:
    context = mail_context(kind if kind in ("merged", "deadline_extended") else "referred", language)
    context["status_name"] = translate(language, "status.in_progress")
    if kind in ("status_changed", "resolved", "reopened"):
        context["message"] = None
    return context


def leftovers(text: str) -> list[str]:
    """Signs of a template or catalogue mistake in a rendered text."""
    found = re.findall(r"[{}]|\bNone\b|\bUndefined\b|notify\.[a-z_.]+", text)
    return found


# -- mails ------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", MAIL_KINDS)
def test_every_mail_kind_renders_in_every_language(kind, language):
    # GIVEN a full context, WHEN the mail is rendered
    context = mail_context(kind, language)
    mail = render_mail(kind, language, context)
    # THEN it has a one-line subject without the case tag and a body without leftovers
    assert isinstance(mail, RenderedMail)
    assert mail.subject and "\n" not in mail.subject and mail.subject == mail.subject.strip()
    assert "[#" not in mail.subject
    assert leftovers(mail.subject) == [] and leftovers(mail.text) == []
    assert NUMBER in mail.text
    # AND it greets the recipient by name and is signed by the sending service
    assert mail.text.startswith(translate(language, "notify.greeting.named", name=context["name"]))
    assert context["signature"] in mail.text and context["municipality"] in mail.text
    # AND no line ends in spaces, no two empty lines follow each other
    assert "\n\n\n" not in mail.text
    assert all(line == "-- " or line == line.rstrip() for line in mail.text.splitlines())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", MAIL_KINDS)
def test_the_unsubscribe_footer_is_there_exactly_when_there_is_a_link(kind, language):
    with_link = render_mail(kind, language, mail_context(kind, language, unsubscribe=True))
    required = render_mail(kind, language, mail_context(kind, language, unsubscribe=False))
    link = mail_context(kind, language)["unsubscribe_url"]
    footer, _, rest = with_link.text.partition("\n-- \n")
    assert rest.endswith("\n" + link), "the footer follows the signature separator"
    assert translate(language, "notify.footer.unsubscribe", url="").strip() in rest
    assert "\n-- \n" not in required.text
    assert link not in required.text
    assert translate(language, "notify.footer.unsubscribe", url="").strip() not in required.text
    # the rest of the mail is the same
    assert footer.rstrip("\n") == required.text


def test_the_footer_says_why_each_audience_gets_the_mail():
    reasons = {"confirmation": "requester", "status_changed": "requester", "merged": "requester",
               "follower_update": "follower", "assigned": "assignee", "routed": "department",
               "escalated": "supervisor"}
    for kind, audience in reasons.items():
        context = mail_context(kind, "en")
        reason = translate("en", f"notify.footer.{audience}", number=NUMBER,
                           municipality=context["municipality"],
                           department=context["department_name"])
        assert reason in render_mail(kind, "en", context).text, kind


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", MAIL_KINDS)
def test_what_may_be_none_leaves_no_trace(kind, language):
    # GIVEN a context where everything that may be None is None
    context = mail_context(kind, language, filled=False)
    mail = render_mail(kind, language, context)
    # THEN nothing says None, no label stands without a value, the greeting has no name
    assert leftovers(mail.text) == [] and leftovers(mail.subject) == []
    assert mail.text.startswith(translate(language, "notify.greeting") + "\n\n")
    assert translate(language, "notify.label.address") not in mail.text
    assert translate(language, "notify.message_intro") not in mail.text
    assert ("http" in mail.text) is (kind == "follow_confirm")
    assert "\n\n\n" not in mail.text and not mail.text.endswith("\n")


def test_optional_parts_appear_when_given():
    context = mail_context("assigned", "en")
    text = render_mail("assigned", "en", context).text
    assert "Address: 12 Main Street" in text
    assert "Assigned to: Dragan Nikolic" in text and "Assigned by: Milica Jovanovic" in text
    assert "Received: 21.11.2026 09:30" in text
    assert "> The street light at number 12 is out.\n> The whole street is dark." in text
    text = render_mail("status_changed", "en", mail_context("status_changed", "en")).text
    assert ("Message from the responsible service:\nThe crew will be there tomorrow morning."
            in text)
    assert 'has changed from "Received" to "In progress".' in text
    context = mail_context("status_changed", "en")
    assert context["tracking_url"] in render_mail("status_changed", "en", context).text


@pytest.mark.parametrize("kind", ("routed", "assigned", "escalated"))
def test_staff_mails_say_where_the_case_is_even_without_an_address(kind):
    # GIVEN a report made with "use my position": a point, no address
    context = {**mail_context(kind, "en"), "address": None}
    text = render_mail(kind, "en", context).text
    # THEN the point and the map link are there, no empty address label
    assert "Coordinates: 44.007100, 20.910500" in text
    assert ("Map: https://www.openstreetmap.org/?mlat=44.007100&mlon=20.910500"
            "#map=18/44.007100/20.910500") in text
    assert "Address:" not in text


def test_a_status_change_without_the_previous_status_says_only_the_new_one():
    context = {**mail_context("status_changed", "sr-Cyrl"), "previous_status_name": None}
    text = render_mail("status_changed", "sr-Cyrl", context).text
    assert "статус Вашег предмета 2026-000123 сада је „У обради“." in text
    assert "промењен је из" not in text


def test_the_confirmation_keeps_the_private_link_and_the_case_details():
    context = mail_context("confirmation", "sr-Cyrl")
    mail = render_mail("confirmation", "sr-Cyrl", context)
    assert mail.subject == "Примили смо Ваш предмет број 2026-000123"
    assert context["tracking_url"] in mail.text
    assert translate("sr-Cyrl", "notify.tracking.private") in mail.text
    assert "Врста: Пријава проблема\nКатегорија: Улично осветљење\nНадлежна служба: Јавно осветљење" in mail.text
    assert "Написали сте:\n> Не ради улична расвета код броја 12.\n> Цела улица је у мраку." in mail.text


def test_the_follow_confirmation_is_required_and_can_be_ignored():
    for language in LANGUAGES:
        context = mail_context("follow_confirm", language, unsubscribe=False, filled=False)
        text = render_mail("follow_confirm", language, context).text
        assert context["confirm_url"] in text
        assert translate(language, "notify.follow_confirm.ignore") in text
        assert "\n-- \n" not in text


@pytest.mark.parametrize("change", ["status_changed", "resolved", "reopened"])
def test_a_follower_reads_which_change_it_was(change):
    context = {**mail_context("follower_update", "cs"), "change": change,
               "status_name": translate("cs", "status.in_progress")}
    text = render_mail("follower_update", "cs", context).text
    assert translate("cs", f"notify.follower_update.{change}", number=NUMBER,
                     category="Veřejné osvětlení", status="Vyřizuje se") in text
    assert translate("cs", "notify.tracking.public", url=context["tracking_url"]) in text


def test_the_official_message_is_shown_as_written():
    # GIVEN a message with braces and template syntax in it
    message = "Cena je {price} Kč. {{ number }} {% if x %}"
    context = {**mail_context("resolved", "cs"), "message": message}
    # THEN it is neither formatted nor rendered
    assert message in render_mail("resolved", "cs", context).text


def test_the_subject_is_one_line_even_when_a_name_is_not():
    context = {**mail_context("referred", "en"), "body_name": "Water\nWorks  Ltd"}
    assert render_mail("referred", "en", context).subject == "Your case has been forwarded to Water Works Ltd"


def test_a_language_not_among_the_five_renders_in_english():
    context = mail_context("resolved", "en")
    assert render_mail("resolved", "de", context) == render_mail("resolved", "en", context)
    assert render_sms("resolved", "xx", sms_context("resolved", "en")) == \
        render_sms("resolved", "en", sms_context("resolved", "en"))


def test_serbian_latin_mails_are_the_cyrillic_ones_transliterated():
    from civicdesk.domain.sms_script import to_gsm

    for kind in MAIL_KINDS:
        context = mail_context(kind, "sr-Latn")  # the context's own values are already Latin
        latin = render_mail(kind, "sr-Latn", context)
        cyrillic = render_mail(kind, "sr-Cyrl", context)
        assert to_gsm(cyrillic.subject, "latin") == to_gsm(latin.subject, "latin"), kind
        assert to_gsm(cyrillic.text, "latin") == to_gsm(latin.text, "latin"), kind


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", MAIL_KINDS)
def test_a_missing_context_key_is_refused(kind):
    context = mail_context(kind, "en")
    for key in context:
        incomplete = {k: v for k, v in context.items() if k != key}
        with pytest.raises(KeyError, match=key):
            render_mail(kind, "en", incomplete)


@pytest.mark.parametrize("kind", SMS_KINDS)
def test_a_missing_sms_context_key_is_refused(kind):
    needed = {**templating._SMS_COMMON, **templating._SMS_OWN[kind]}
    context = sms_context(kind, "en")
    for key in needed:
        with pytest.raises(KeyError, match=key):
            render_sms(kind, "en", {k: v for k, v in context.items() if k != key})


def test_none_where_a_value_is_needed_is_refused():
    with pytest.raises(ValueError, match="number"):
        render_mail("resolved", "en", {**mail_context("resolved", "en"), "number": None})
    with pytest.raises(ValueError, match="body_name"):
        render_sms("referred", "en", {**sms_context("referred", "en"), "body_name": None})


def test_a_template_that_uses_an_undeclared_name_fails_loudly(monkeypatch):
    # GIVEN the declaration of "resolved" forgets "message", which its template uses
    import jinja2

    monkeypatch.setitem(templating._MAIL_OWN, "resolved", {})
    context = {k: v for k, v in mail_context("resolved", "en").items() if k != "message"}
    # THEN StrictUndefined stops the rendering instead of writing an empty text
    with pytest.raises(jinja2.UndefinedError, match="message"):
        render_mail("resolved", "en", context)


def test_unknown_kinds_and_changes_are_refused():
    with pytest.raises(ValueError, match="unknown mail kind 'reminder'"):
        render_mail("reminder", "en", {})
    with pytest.raises(ValueError, match="unknown SMS kind 'assigned'"):
        render_sms("assigned", "en", {})
    with pytest.raises(ValueError, match="change"):
        render_mail("follower_update", "en",
                    {**mail_context("follower_update", "en"), "change": "note_added"})


# -- SMS --------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", SMS_KINDS)
def test_every_sms_kind_renders_in_every_language(kind, language):
    context = sms_context(kind, language)
    text = render_sms(kind, language, context)
    assert "\n" not in text and text == text.strip() and "  " not in text
    assert leftovers(text) == []
    assert NUMBER in text and context["municipality"] in text
    # every SMS to the requester carries their link, unless the link alone would take it
    # beyond the parts it may have (render_sms leaves it out); the caller's fit() never cuts
    link = context.get("into_tracking_url") or context["tracking_url"]
    assert "http" in text or segments(f"{text} {link}")[1] > templating.MAX_SMS_PARTS, text
    if language == "en" and kind != "referred":
        assert "http" in text, text
    assert fit(text) == text
    assert segments(text)[1] <= templating.MAX_SMS_PARTS, (text, segments(text))
    if language == "en" and kind != "referred":  # the demo's body name has an en dash
        assert segments(text) <= (GSM7, 2), (text, segments(text))


def test_a_status_sms_carries_the_officials_message():
    context = {**sms_context("resolved", "sr-Cyrl"), "message": "Рупа је санирана."}
    assert render_sms("resolved", "sr-Cyrl", context) == \
        "Општина Демо: Ваш предмет 2026-000123 је решен. Рупа је санирана. " + context["tracking_url"]
    context = {**sms_context("status_changed", "en"), "message": "The crew comes tomorrow."}
    assert render_sms("status_changed", "en", context).endswith(
        ". The crew comes tomorrow. " + context["tracking_url"])


def test_sms_links_point_where_the_case_continues():
    context = sms_context("merged", "en")
    assert render_sms("merged", "en", context).endswith(" " + context["into_tracking_url"])
    context = {**sms_context("merged", "en"), "into_tracking_url": None}
    assert render_sms("merged", "en", context).endswith(" " + context["tracking_url"])
    context = {**sms_context("email_bounced", "bg"), "tracking_url": None}
    assert render_sms("email_bounced", "bg", context) == (
        "Община Демо, преписка 2026-000123: статус „В процес на обработка“. "
        "Имейлът ни не беше доставен.")
    context = {**sms_context("confirmation", "sr-Cyrl"), "tracking_url": None}
    assert render_sms("confirmation", "sr-Cyrl", context) == \
        "Општина Демо: Ваш предмет је заведен под бројем 2026-000123."


def test_a_link_that_would_not_fit_is_left_out_rather_than_cut():
    # GIVEN a municipality with a long name and a status with a long name
    context = {**sms_context("email_bounced", "sr-Cyrl"),
               "municipality": "Градска општина Палилула – Градска управа",
               "status_name": translate("sr-Cyrl", "status.waiting_for_citizen")}
    with_link = ("Градска општина Палилула – Градска управа, предмет 2026-000123: статус „Чека се "
                 "Ваш одговор“. Е-порука Вам није испоручена. " + context["tracking_url"])
    assert segments(with_link)[1] > templating.MAX_SMS_PARTS
    # WHEN the SMS is rendered, THEN the sentence is whole and the link left out
    assert render_sms("email_bounced", "sr-Cyrl", context) == with_link.rsplit(" ", 1)[0]
    # AND a confirmation whose link fits keeps it
    context = sms_context("confirmation", "bg")
    assert render_sms("confirmation", "bg", context).endswith(" " + context["tracking_url"])


# -- catalogues and templates -----------------------------------------------------------------

TEMPLATES = ROOT / "functions" / "shared" / "civicdesk" / "rendering" / "templates"


def test_every_catalogue_key_a_template_uses_exists_and_every_notify_key_is_used():
    sources = {p.name: p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.j2")}
    literal = {key for text in sources.values()
               for key in re.findall(r"""t\(\s*"([a-z_.]+[a-z_])\"""", text)}
    literal |= {key for text in sources.values()
                for key in re.findall(r"""key="([a-z_.]+)\"""", text)}
    literal |= {"notify.tracking.public"}  # passed to case_link as an argument
    dynamic = {f"notify.footer.{a}" for a in ("requester", "follower", "assignee", "department",
                                              "supervisor")}
    dynamic |= {f"notify.follower_update.{c}" for c in templating.FOLLOWER_CHANGES}
    used = literal | dynamic
    for language in LANGUAGES:
        assert used - set(catalogue(language)) == set(), language
    notify_keys = {key for key in catalogue("en") if key.startswith("notify.")}
    assert notify_keys - used == set()
    assert {f"{kind}.mail.j2" for kind in MAIL_KINDS + templating.REPORT_KINDS} \
        | {f"{kind}.sms.j2" for kind in SMS_KINDS} | {"_mail.j2"} == set(sources)


def test_importing_the_module_does_not_import_jinja2():
    code = ("import sys, civicdesk.rendering; "
            "assert 'jinja2' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={"PYTHONPATH": str(ROOT / "functions" / "shared")})

"""civicdesk.mailparse on the .eml fixtures of tests/fixtures/mail (see its README)."""

from __future__ import annotations

import hashlib
import struct
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from civicdesk.mailparse import Attachment, Bounce, ParsedMail, gps_from_image, parse_mail

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def load_mail(name: str) -> bytes:
    """The raw bytes of a fixture, by file name."""
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str, **options: object) -> ParsedMail:
    return parse_mail(load_mail(name), **options)


def plain_mail(text: str, *, headers: str = "", charset: str = "utf-8",
               content_type: str = "text/plain") -> bytes:
    head = ("From: Citizen <citizen@example.rs>\r\nTo: podrska@grad-demo.rs\r\n"
            "Subject: Test\r\nMessage-ID: <t@example.rs>\r\n" + headers +
            f"MIME-Version: 1.0\r\nContent-Type: {content_type}; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    return head.encode("ascii") + text.replace("\n", "\r\n").encode(charset)


def attachment(mail: ParsedMail, filename: str) -> Attachment:
    return next(a for a in mail.attachments if a.filename == filename)


# --- charsets -----------------------------------------------------------------------------
CHARSET_CASES = [
    # fixture, subject, from address, from name, snippets of text, language, defect fragment
    ("utf8_sr_cyrl.eml", "Улична расвета у Његошевој улици не ради", "marko.petrovic@example.rs",
     "Марко Петровић", ["улична расвета у Његошевој улици бр. 12 не ради већ три ноћи.",
                        "Хвала унапред,\nМарко Петровић"], "sr-Cyrl", None),
    ("cp1251_sr_cyrl.eml", "Контејнер није испражњен", "djordje@example.rs", "Ђорђе Јовановић",
     ["контејнер за смеће у улици Краља Петра није испражњен две недеље.",
      "Љубазно молим да се хитно одвезе."], "sr-Cyrl", None),
    ("cp1251_bg.eml", "Дупка на пътя", "ivan.petrov@example.bg", "Иван Петров",
     ["на ул. „Черни връх“ 45, има голяма дупка на пътя.", "Благодаря,\nИван Петров"], "bg",
     None),
    ("koi8r_bg.eml", "Уличното осветление не работи", "maria@example.bg", "Мария Георгиева",
     ["уличното осветление на ул. Шипка 12 не работи от три дни.", "тъмно и е опасно за децата"],
     "bg", None),
    ("iso88595_sr_cyrl.eml", "Поломљена клупа", "jelena@example.rs", "Јелена Ђурић",
     ["испред школе Вук Караџић у Нишу је поломљена клупа", "Срдачан поздрав,\nЈелена Ђурић"],
     "sr-Cyrl", None),
    ("cp1250_cs.eml", "Nesvítí lampa v Křížové ulici", "jiri.cerny@example.cz", "Jiří Černý",
     ["v Křížové ulici u čísla 17 nesvítí pouliční lampa už týden.", "šero. Prosím o opravu."],
     "cs", None),
    ("cp1250_sr_latn.eml", "Curi voda u Ulici kneza Miloša", "djordje.ciric@example.rs",
     "Đorđe Ćirić", ["u Ulici kneza Miloša kod broja 25 već danima curi voda iz cevi.",
                     "Srdačan pozdrav,\nĐorđe Ćirić"], "sr-Latn", None),
    ("iso88592_cs.eml", "Rozbitá lavička na náměstí Míru", "petra.novakova@example.cz",
     "Petra Nováková", ["rozsypal střepy skla a šrouby.\nŽádám o úklid."], "cs", None),
    ("mislabelled_ascii_cp1250.eml", "Preplneny kontejner", "tomas.dvorak@example.cz",
     "Tomas Dvorak", ["kontejner na tříděný odpad v Šafaříkově ulici je přeplněný.",
                      "Děkuji,\nTomáš Dvořák"], "cs",
     "declared as 'us-ascii' is not; decoded as windows-1250"),
    ("mislabelled_latin1_cp1251.eml", "Пало дрво", "milica@example.rs", "Milica Njegos",
     ["у парку код Дома здравља је пало дрво на стазу.", "Поздрав,\nМилица Његош"], "sr-Cyrl",
     "declared as 'iso-8859-1' is not; decoded as windows-1251"),
    ("unlabelled_8bit.eml", "Rupa ispred zgrade – Žička 5", "djurdja@example.rs",
     "Đurđa Šaković", ["ispred zgrade u Žičkoj 5 nastala je velika rupa u asfaltu.",
                       "Već dva automobila su\noštetila gume."], "sr-Latn",
     "8-bit text without a usable charset; decoded as windows-1250"),
    ("unknown_charset_x_unknown.eml", "Odpadky v parku", "karel.simek@example.cz", "Karel Simek",
     ["v parku Stromovka přetéká odpadkový koš a vítr roznáší smetí po celé louce.",
      "Karel Šimek"], "cs", "unknown charset 'x-unknown'"),
    ("unknown_charset_typo.eml", "Няма осветление на спирката", "stefan@example.bg",
     "Stefan Dimitrov", ["на спирка „Орлов мост“ няма осветление и вечер е много тъмно.",
                         "Поздрави,\nСтефан Димитров"], "bg", "unknown charset 'windows-1251x'"),
]


@pytest.mark.parametrize("name,subject,sender,sender_name,snippets,language,defect",
                         CHARSET_CASES, ids=[case[0] for case in CHARSET_CASES])
def test_each_charset_decodes_to_the_real_text(name, subject, sender, sender_name, snippets,
                                               language, defect):
    # GIVEN a citizen's mail in one of the charsets of Serbian, Bulgarian and Czech mail
    # WHEN it is parsed
    mail = parse_fixture(name)
    # THEN subject, sender and text read as written, and nothing is left undecoded
    assert mail.subject == subject
    assert (mail.from_address, mail.from_name) == (sender, sender_name)
    for snippet in snippets:
        assert snippet in mail.text
    assert "\ufffd" not in mail.text + mail.subject
    assert mail.language == language
    assert mail.auto_generated == () and mail.bounce is None
    if defect is None:
        assert mail.defects == ()
    else:
        assert any(defect in note for note in mail.defects), mail.defects


def test_headers_are_decoded_across_encoded_words_charsets_and_lines():
    # GIVEN encoded words in UTF-8 (a character split between two words), ISO-8859-2,
    # windows-1251 and KOI8-R, folded over several lines
    mail = parse_fixture("rfc2047_mixed.eml")
    # THEN they join into one readable value each
    assert mail.subject == "Пријава квара: stížnost и жалба"
    assert (mail.from_address, mail.from_name) == ("jiri.novak@example.cz", "Jiří Novák")
    assert mail.to == ("podrska@grad-demo.rs", "info@obshtina-demo.bg")
    assert mail.cc == ("ana@example.rs", "petar@example.rs")
    assert mail.reply_to == ("jiri.reply@example.cz",)
    assert mail.message_id == "rfc2047@example.cz"
    assert mail.date == datetime(2026, 11, 18, 7, 30, tzinfo=timezone.utc)
    assert mail.text == "Šaljem pritužbu u vezi sa bukom sa gradilišta posle 22 časa."


def test_a_subject_in_raw_utf8_bytes_is_read():
    mail = parse_fixture("unlabelled_8bit.eml")
    assert mail.subject == "Rupa ispred zgrade – Žička 5"
    assert mail.from_name == "Đurđa Šaković"


def test_content_language_is_reported():
    assert parse_fixture("utf8_sr_cyrl.eml").content_language == "sr-Cyrl-RS"
    assert parse_fixture("ooo_outlook_cs.eml").content_language == "cs-CZ"
    assert parse_fixture("cp1250_cs.eml").content_language is None


# --- structure ------------------------------------------------------------------------------
def test_file_names_in_rfc2231_rfc2047_and_paths_are_decoded_and_sanitised():
    mail = parse_fixture("rfc2231_filenames.eml")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("Фотографија рупе.jpg", "image/jpeg"),
        ("Fotka z Křížové ulice č. 2.png", "image/png"),
        ("Рачун за воду.pdf", "application/pdf"),
        ("passwd", "text/plain"),
        # no name, declared octet-stream: the PDF magic gives the type and the name's extension
        ("attachment-5.pdf", "application/pdf"),
    ]
    assert mail.text == "V příloze posílám fotky a účet."
    assert all(a.refused is None and not a.inline for a in mail.attachments)
    for item in mail.attachments:
        assert item.size == len(item.data)
        assert item.sha256 == hashlib.sha256(item.data).hexdigest()


def test_html_only_mail_becomes_readable_text_and_safe_html():
    # GIVEN a mail with only an HTML body, with a script, a style and an event handler
    mail = parse_fixture("html_only_cs.eml")
    # THEN the text keeps paragraphs, line breaks, lists and links, and nothing of the code
    assert mail.text == (
        "Dobrý den,\n\n"
        "na křižovatce Palackého & Husova nefunguje semafor.\n"
        "Řidiči jezdí na červenou.\n\n"
        "- chodci nemají zelenou\n- tvoří se kolony\n\n"
        "1. ráno\n2. večer\n\n"
        "Mapa: zde (https://mapy.example.cz/s/abc), klikni.\n\n"
        "S pozdravem\nEva Svobodová")
    # AND the HTML is kept, sanitised
    assert mail.html is not None and "<b>Palackého&nbsp;&amp;&nbsp;Husova</b>" in mail.html
    for unsafe in ("<script", "alert", "<style", "onclick", "javascript:", "<title"):
        assert unsafe not in mail.html
    assert mail.language == "cs"


def test_alternative_inside_mixed_takes_the_plain_text_and_keeps_html_and_attachment():
    mail = parse_fixture("alternative_in_mixed_bg.eml")
    assert mail.text == ("Здравейте,\n\nприлагам снимка на счупената пейка в Борисовата "
                         "градина.\n\nПоздрави,\nГеорги Иванов")
    assert "<i>счупената</i>" in (mail.html or "")
    assert [(a.filename, a.content_type, a.inline) for a in mail.attachments] == [
        ("protokol.pdf", "application/pdf", False)]
    assert mail.attachments[0].data.startswith(b"%PDF-1.4")


def test_inline_images_referenced_by_content_id_are_marked_inline():
    mail = parse_fixture("related_inline_images_sr.eml")
    inline_image, attached_image = mail.attachments
    assert (inline_image.content_id, inline_image.inline) == ("mapa.1@grad-demo", True)
    assert inline_image.content_type == "image/png" and inline_image.filename == "attachment-1.png"
    assert (attached_image.filename, attached_image.inline) == ("kanal.png", False)
    assert 'src="cid:mapa.1@grad-demo"' in (mail.html or "")
    assert "на мапи је означено место где је излила канализација:" in mail.text


def test_an_attached_message_is_kept_whole_as_an_eml_attachment():
    mail = parse_fixture("forwarded_eml.eml")
    assert mail.text == "Prosleđujem žalbu komšije, molim da se proveri."
    (forwarded,) = mail.attachments
    assert (forwarded.filename, forwarded.content_type) == ("forwarded.eml", "message/rfc822")
    inner = parse_mail(forwarded.data)
    assert (inner.subject, inner.message_id) == ("Buka iz kafića", "inner-1@example.rs")
    assert inner.text == "Zorane, kafić u prizemlju opet pušta muziku do 2 ujutru."


def test_nesting_deeper_than_max_depth_is_not_descended_into():
    # GIVEN a message nested 60 levels deep
    # WHEN it is parsed with the default max_depth of 20
    mail = parse_fixture("nested_60.eml")
    # THEN the shallow text is there, the deepest is not, and a defect says why
    assert mail.text == "Порука са дубоко угнежђеним деловима."
    assert "MIME parts nested deeper than 20 levels were ignored" in mail.defects
    # AND with a larger max_depth everything is read
    deep = parse_fixture("nested_60.eml", max_depth=100)
    assert deep.text == "Порука са дубоко угнежђеним деловима.\n\nНајдубљи део поруке."
    assert deep.defects == ()


def test_a_two_megabyte_message_is_parsed_quickly_and_its_text_capped():
    line = "Улична расвета не ради у Његошевој улици, молим вас пошаљите екипу.\n"
    raw = plain_mail(line * (2_000_000 // len(line.encode())))
    assert len(raw) > 1_900_000
    started = time.perf_counter()
    mail = parse_mail(raw)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert len(mail.text) == 200_000 and len(mail.new_text) <= 200_000
    assert mail.text.startswith(line.strip())
    assert "text longer than 200000 characters; cut" in mail.defects
    assert mail.language == "sr-Cyrl"


def test_too_many_parts_are_dropped_with_a_defect():
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\nдео {i}\r\n" for i in range(2000))
    raw = ("From: a@example.rs\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           + parts + "--b--\r\n").encode("utf-8")
    mail = parse_mail(raw, max_parts=50)
    assert "део 1\n" in mail.text and "део 1999" not in mail.text
    assert mail.text.count("део") < 50
    assert any("more than 50 MIME parts" in note for note in mail.defects)


@pytest.mark.parametrize("raw", [b"", b"\x00", bytes(range(256)) * 40, b"\r\n\r\n\r\n",
                                 b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x",
                                 b"From: <>\r\nDate: 99 Foo 99999\r\n\r\n=?utf-8?B?!!?="])
def test_garbage_gives_a_parsed_mail(raw):
    mail = parse_mail(raw)
    assert isinstance(mail, ParsedMail)
    assert isinstance(mail.text, str) and isinstance(mail.subject, str)
    assert mail.date is None or mail.date.tzinfo is not None


# --- what must get no auto-reply ----------------------------------------------------------
@pytest.mark.parametrize("name,reasons", [
    ("auto_replied_sr.eml", ("auto-submitted",)),
    ("ooo_outlook_cs.eml", ("auto-submitted", "suppress", "auto-reply")),
    ("ooo_gmail_bg.eml", ("auto-submitted",)),
    ("mailing_list_cs.eml", ("precedence", "list", "system-sender")),
    ("bounce_dsn.eml", ("null-return-path", "system-sender", "report")),
    ("bounce_qmail.eml", ("null-return-path", "system-sender")),
    ("reply_gmail_sr_cyrl.eml", ()),
    ("photo_gps.eml", ()),
])
def test_auto_generated_mail_is_recognised(name, reasons):
    assert parse_fixture(name).auto_generated == reasons


@pytest.mark.parametrize("header,reasons", [
    ("Auto-Submitted: no\r\n", ()),
    ("Auto-Submitted: auto-generated; owner-email=x@y\r\n", ("auto-submitted",)),
    ("Precedence: junk\r\n", ("precedence",)),
    ("Precedence: first-class\r\n", ()),
    ("List-Help: <mailto:help@lists.example.cz>\r\n", ("list",)),
    ("Return-Path: <>\r\n", ("null-return-path",)),
    ("X-Auto-Response-Suppress: DR, RN, NRN\r\n", ("suppress",)),
    ("X-Auto-Response-Suppress: OOF\r\n", ("suppress",)),
    ("X-Auto-Response-Suppress: None\r\n", ()),
    ("X-CivicDesk-Loop: demo\r\n", ("loop",)),
    ("X-Autoreply: yes\r\n", ("auto-reply",)),
    ("X-Autorespond: on\r\n", ("auto-reply",)),
    ("X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\r\n", ("auto-reply",)),
])
def test_each_rfc3834_signal_is_a_reason(header, reasons):
    mail = parse_mail(plain_mail("Лампа не ради већ три дана.", headers=header))
    assert mail.auto_generated == reasons


def test_the_loop_header_is_configurable():
    raw = plain_mail("Test poruka za petlju.", headers="X-Grad-Loop: 1\r\n")
    assert parse_mail(raw).auto_generated == ()
    assert parse_mail(raw, loop_header="X-Grad-Loop").auto_generated == ("loop",)


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.rs", "postmaster@example.cz",
                                    "no-reply@gov.example.bg", "noreply@bank.example.rs",
                                    "do-not-reply@example.cz", "bounce+x1@mailer.example.com"])
def test_system_senders_get_no_auto_reply(sender):
    raw = plain_mail("Obaveštenje sistema.").replace(b"citizen@example.rs", sender.encode())
    assert "system-sender" in parse_mail(raw).auto_generated


def test_automatic_reply_subjects_in_our_languages_are_recognised():
    for subject in ("Automatic reply: Lampa", "Automatski odgovor: Lampa",
                    "=?utf-8?b?0JDRg9GC0L7QvNCw0YLRgdC60Lgg0L7QtNCz0L7QstC+0YA6IFg=?=",
                    "=?utf-8?b?0JDQstGC0L7QvNCw0YLQuNGH0LXQvSDQvtGC0LPQvtCy0L7RgDogWA==?="):
        raw = plain_mail("Nisam u kancelariji do ponedeljka.").replace(
            b"Subject: Test", b"Subject: " + subject.encode())
        assert parse_mail(raw).auto_generated == ("auto-reply",), subject


# --- bounces -------------------------------------------------------------------------------
def test_a_delivery_status_notification_is_read_as_a_bounce():
    mail = parse_fixture("bounce_dsn.eml")
    assert mail.bounce == Bounce(
        recipients=("nepostojeci@example.rs",), action="failed", status="5.1.1", permanent=True,
        original_message_id="abc123@eu-central-1.amazonses.com",
        diagnostic="smtp; 550 5.1.1 user unknown")
    assert mail.return_path == ""
    assert mail.from_address == "mailer-daemon@eu-central-1.amazonses.com"
    assert [a.content_type for a in mail.attachments] == ["message/delivery-status",
                                                          "message/rfc822"]


def test_a_non_standard_bounce_from_a_mailer_daemon_is_read_too():
    bounce = parse_fixture("bounce_qmail.eml").bounce
    assert bounce == Bounce(
        recipients=("jan.novak@example.cz",), action="failed", status="5.1.1", permanent=True,
        original_message_id="def456@eu-central-1.amazonses.com",
        diagnostic="Sorry, no mailbox here by that name. (#5.1.1)")


def test_a_delayed_delivery_is_not_permanent():
    raw = load_mail("bounce_dsn.eml").replace(b"Action: failed", b"Action: delayed").replace(
        b"Status: 5.1.1", b"Status: 4.4.7").replace(b"550 5.1.1 user unknown",
                                                    b"451 4.4.7 try again later")
    bounce = parse_mail(raw).bounce
    assert (bounce.action, bounce.status, bounce.permanent) == ("delayed", "4.4.7", False)


def test_ordinary_mail_is_no_bounce():
    assert parse_fixture("forwarded_eml.eml").bounce is None
    assert parse_fixture("auto_replied_sr.eml").bounce is None


# --- what the citizen wrote now --------------------------------------------------------------
def test_gmail_reply_in_serbian_loses_its_quote_and_signature():
    mail = parse_fixture("reply_gmail_sr_cyrl.eml")
    assert mail.new_text == "Лампа и даље не ради, сада је угашена и она до ње."
    assert "> ваша пријава је заведена под бројем [#2026-000123]." in mail.text
    assert mail.subject == "Re: [#2026-000123] Улична расвета"
    assert mail.in_reply_to == ("0107019a-aaaa-bbbb@eu-central-1.amazonses.com",)
    assert mail.references == ("utf8-sr-cyrl@example.rs",
                               "0107019a-aaaa-bbbb@eu-central-1.amazonses.com")
    assert mail.to == ("podrska+2026-000123@grad-demo.rs",)
    assert mail.language == "sr-Cyrl"


def test_outlook_reply_in_czech_loses_the_quoted_header_block():
    mail = parse_fixture("reply_outlook_cs.eml")
    assert mail.new_text == ("Dobrý den,\n\nlampa pořád nesvítí, i když jste psali, že je "
                             "opraveno.\n\nS pozdravem\nJiří Černý")
    assert "Odesláno: úterý 17. listopadu 2026 10:12" in mail.text
    assert mail.subject == "RE: [#2026-000456] Nesvítí lampa"
    assert mail.message_id == "AM0PR01MB1234.eurprd01.prod.outlook.com"


NEW = "Problem i dalje postoji, molim vas da dođete ponovo."
QUOTED_HISTORY = [
    "On Tue, Nov 17, 2026 at 10:12 AM City Hall <support@city.example> wrote:\n> Old text",
    "On Tue, Nov 17, 2026 at 10:12 AM City Hall <\nsupport@city.example> wrote:\n\n> Old text",
    "Dana 17.11.2026. u 10:12, Gradska uprava <podrska@grad-demo.rs> je napisao/la:\n> Stari",
    "U uto, 17. nov 2026. u 10:12 Gradska uprava <podrska@grad-demo.rs> je napisao/la:\n> S",
    "У уто, 17. нов 2026. у 10:12 Градска управа <podrska@grad-demo.rs> је написао/ла:\n> С",
    "На вт, 17.11.2026 г. в 10:12 Община <signali@obshtina-demo.bg> написа:\n> Стар текст",
    "Dne 17. 11. 2026 v 10:12 Městský úřad <podatelna@mesto-demo.cz> napsal(a):\n> Starý",
    "út 17. 11. 2026 v 10:12 odesílatel Městský úřad <podatelna@mesto-demo.cz>\nnapsal:\n> S",
    "-----Original Message-----\nFrom: City Hall\nSent: Tuesday\nOld text",
    "-----Původní zpráva-----\nOd: Městský úřad\nOld text",
    "-----Оригинална порука-----\nОд: Градска управа\nСтари текст",
    "From: City Hall <support@city.example>\nSent: Tuesday, November 17, 2026 10:12 AM\n"
    "To: Citizen\nSubject: Your case\n\nOld text",
    "________________________________\nOd: Gradska uprava <podrska@grad-demo.rs>\n"
    "Poslato: utorak, 17. novembar 2026. 10:12\nZa: Građanin\nTema: Predmet\n\nStari tekst",
    "Од: Градска управа <podrska@grad-demo.rs>\nПослато: уторак, 17. новембар 2026. 10:12\n"
    "За: Грађанин\n\nСтари текст",
    "От: Община <signali@obshtina-demo.bg>\nИзпратено: вторник, 17 ноември 2026 г. 10:12\n"
    "До: Гражданин\nОтносно: Сигнал\n\nСтар текст",
    "Od: Městský úřad <podatelna@mesto-demo.cz>\nOdesláno: úterý 17. listopadu 2026 10:12\n"
    "Komu: Občan\nPředmět: Požadavek\n\nStarý text",
    "> Old text only quoted\n> on two lines",
]


@pytest.mark.parametrize("history", QUOTED_HISTORY)
def test_quoted_history_in_every_language_is_removed_from_new_text(history):
    mail = parse_mail(plain_mail(f"{NEW}\n\n{history}\n"))
    assert mail.new_text == NEW
    assert mail.text.startswith(NEW) and len(mail.text) > len(NEW)


@pytest.mark.parametrize("signature", ["-- \nĐorđe\n064 123 456", "--\nĐorđe",
                                       "Sent from my iPhone", "Poslato sa mog iPhone-a",
                                       "Odesláno z iPhonu", "Изпратено от моя iPhone"])
def test_signatures_are_removed_from_new_text(signature):
    assert parse_mail(plain_mail(f"{NEW}\n\n{signature}\n")).new_text == NEW


def test_new_text_falls_back_to_the_whole_text_when_all_of_it_is_quoted():
    mail = parse_mail(plain_mail("> samo citat\n> i još jedan red\n"))
    assert mail.new_text == mail.text == "> samo citat\n> i još jedan red"


def test_inline_answers_between_quotes_are_kept():
    mail = parse_mail(plain_mail("> Koji je broj zgrade?\nBroj 5.\n> Koji sprat?\nTreći.\n"))
    assert mail.new_text == "Broj 5.\nTreći."


def test_format_flowed_lines_are_joined():
    raw = plain_mail("Lampa u ulici kneza Miloša \nne radi već tri dana.\n\n"
                     "Dana 17.11.2026. u 10:12, Gradska uprava <podrska@grad-demo.rs> je \n"
                     "napisao/la:\n> Stari \n> tekst\n",
                     content_type="text/plain; format=flowed")
    mail = parse_mail(raw)
    assert mail.new_text == "Lampa u ulici kneza Miloša ne radi već tri dana."
    assert "> Stari tekst" in mail.text


def test_an_html_only_reply_loses_its_blockquote():
    html = ("<div>Још увек не ради.</div><div class=\"gmail_quote\">"
            "<div>У уто, 17. нов 2026. у 10:12 Градска управа &lt;podrska@grad-demo.rs&gt; "
            "је написао/ла:<br></div><blockquote>Стари текст</blockquote></div>")
    mail = parse_mail(plain_mail(html, content_type="text/html"))
    assert mail.new_text == "Још увек не ради."
    assert "> Стари текст" in mail.text


@pytest.mark.parametrize("text,language", [
    ("Хвала!", None),
    ("Ok", None),
    ("Ђурђевдан је, а контејнер у Његошевој није однет.", "sr-Cyrl"),
    ("Контейнерът на ъгъла не е изпразнен от седмица.", "bg"),
    ("Kontejner na rohu nebyl vyvezen už týden, je přeplněný.", "cs"),
    ("Kontejner na uglu nije ispraznjen vec nedelju dana, molim vas.", "sr-Latn"),
    ("The bin on the corner has not been emptied for a week.", "en"),
])
def test_language_is_guessed_from_the_new_text(text, language):
    assert parse_mail(plain_mail(text)).language == language


# --- attachments: photos, danger, size ------------------------------------------------------------
def test_the_gps_position_of_a_photo_is_read():
    mail = parse_fixture("photo_gps.eml")
    photo = attachment(mail, "IMG_2041.jpg")
    assert photo.content_type == "image/jpeg" and photo.refused is None
    assert photo.data == load_mail("photo_gps.jpg")
    assert gps_from_image(photo.data) == pytest.approx((44.8125, 20.4612), abs=1e-6)


def test_images_without_a_valid_position_give_none():
    jpeg = load_mail("photo_gps.jpg")
    assert gps_from_image(parse_fixture("related_inline_images_sr.eml").attachments[0].data) is None
    assert gps_from_image(b"") is None and gps_from_image(jpeg[:200]) is None
    # a latitude of 95 degrees is no place on Earth
    for endian in ("<", ">"):
        degrees = struct.pack(f"{endian}II", 44, 1)
        if degrees in jpeg:
            assert gps_from_image(jpeg.replace(degrees, struct.pack(f"{endian}II", 95, 1))) is None
            break
    else:
        pytest.fail("latitude not found in the fixture JPEG")


def test_dangerous_attachments_are_refused_by_name_type_and_magic_bytes():
    mail = parse_fixture("dangerous_attachments.eml")
    assert {a.filename: a.refused for a in mail.attachments} == {
        "setup.exe": "dangerous_type",
        "racun.pdf.exe": "dangerous_type",
        "slika.jpg": "dangerous_type",  # a JPEG by name and type, an executable by content
        "skripta.js": "dangerous_type",
        "izvestaj.pdf": None,
        "racuni.zip": "encrypted_archive",
    }
    assert attachment(mail, "setup.exe").data.startswith(b"MZ")


def test_attachments_over_the_limit_are_refused_as_too_large():
    small_limit = parse_fixture("large_attachment.eml", max_attachment_bytes=32_000)
    pdf = attachment(small_limit, "zapisnik.pdf")
    assert (pdf.refused, pdf.size) == ("too_large", len(pdf.data))
    assert pdf.size > 32_000
    assert attachment(parse_fixture("large_attachment.eml"), "zapisnik.pdf").refused is None


def test_the_package_imports_no_aws_library():
    import subprocess
    import sys

    code = ("import sys; import civicdesk.mailparse as m; "
            "m.parse_mail(open(sys.argv[1], 'rb').read()); "
            "print(sorted(n for n in sys.modules if n.split('.')[0] in "
            "('boto3', 'botocore', 'pynamodb')))")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "html_only_cs.eml")],
                            capture_output=True, text=True, check=True,
                            cwd=root / "functions" / "shared")
    assert result.stdout.strip() == "[]"

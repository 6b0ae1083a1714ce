"""A corpus of incoming mail for the pipeline benchmark: the test fixtures plus generated mail
in the five languages and the charsets municipalities receive."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mail"

TEXTS = [
    ("sr-Cyrl", "utf-8", "Улична расвета", "Поштовани, у Улици краља Петра не ради расвета већ три дана."),
    ("sr-Cyrl", "windows-1251", "Рупа на путу", "Велика рупа на коловозу испред школе, опасно за децу."),
    ("sr-Cyrl", "iso-8859-5", "Смеће", "Контејнери у Његошевој нису испражњени од понедељка."),
    ("sr-Latn", "windows-1250", "Buka", "Kafić u Njegoševoj ulici pušta glasnu muziku posle ponoći."),
    ("bg", "windows-1251", "Счупена пейка", "В парка до училището има счупена пейка и разпилени боклуци."),
    ("bg", "koi8-r", "Водопровод", "От вчера нямаме вода на улица Шипка, моля за информация."),
    ("cs", "iso-8859-2", "Výtluk", "Na silnici u školy je hluboký výtluk, řidiči ho objíždějí."),
    ("cs", "windows-1250", "Odpad", "Popelnice v ulici Husova nebyly vyvezeny již dva týdny."),
    ("en", "us-ascii", "Street light", "The street light in front of number 12 has been off for a week."),
]
MAILBOXES = ["podrska", "kjs", "isib", "vodovod", "saobracaj", "inspekcija", "lpa"]


def generated(count: int, domain: str) -> list[bytes]:
    mails = []
    for index, ((_language, charset, subject, text), box) in zip(
            range(count), itertools.cycle(itertools.product(TEXTS, MAILBOXES))):
        message = EmailMessage()
        message["From"] = f"citizen{index}@example.org"
        message["To"] = f"{box}@{domain}"
        message["Subject"] = f"{subject} #{index}"
        message["Message-ID"] = make_msgid(domain="example.org")
        message.set_content(f"{text}\n\n{text}\n", charset=charset if charset != "us-ascii" else "utf-8")
        if index % 10 == 0:
            message.add_alternative(f"<p>{text}</p><p><b>{subject}</b></p>", subtype="html")
        mails.append(message.as_bytes())
    return mails


def corpus(minimum: int, domain: str) -> list[bytes]:
    fixtures = sorted(FIXTURES.glob("*.eml")) if FIXTURES.is_dir() else []
    mails = [path.read_bytes() for path in fixtures if path.stat().st_size < 1_000_000]
    return mails + generated(max(0, minimum - len(mails)), domain)

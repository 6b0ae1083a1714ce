"""The residents the campaign end-to-end tests send to: a contact list's CSV with a share of
addresses SES's simulator bounces and numbers whose SMS fail (``infra.local.sms_events``: a
number ending in 3 fails, in 5 never confirms), and who each of them should end as."""

from __future__ import annotations

HEADER = "Ime;E-pošta;Telefon;Jezik;Područje\r\n"
MESSAGES = {
    "sr-Latn": {"subject": "Isključenje vode", "mail_body": "Nema vode u Centru do 18 časova.",
                "sms_text": "Nema vode u Centru do 18 h."},
    "en": {"subject": "Water cut", "mail_body": "No water in Centar until 18:00.",
           "sms_text": "No water in Centar until 18:00."},
}


def contacts(count: int = 30) -> list[dict]:
    """Mixed: mail and SMS, mail only, SMS only; every fifth mail bounces (SES's simulator),
    SMS to numbers ending in 3 fail and in 5 never confirm."""
    rows = []
    for i in range(count):
        email = None if i % 6 == 4 else (
            f"bounce+c{i}@simulator.amazonses.com" if i % 5 == 0 else f"resident{i}@example.rs")
        phone = None if i % 4 == 1 else f"+3816400{i:05d}"
        if email is None and phone is None:
            phone = f"+3816410{i:05d}"
        rows.append({"name": f"Resident {i}", "email": email, "phone": phone,
                     "language": "en" if i % 3 == 0 else "sr-Latn"})
    return rows


def contact_csv(rows: list[dict]) -> str:
    """The rows as the contact-list import reads them (semicolons, CRLF, a header)."""
    return HEADER + "".join(f"{r['name']};{r['email'] or ''};{r['phone'] or ''};{r['language']};\r\n"
                            for r in rows)


def mail_reaches(person: dict) -> bool:
    return bool(person["email"]) and not person["email"].startswith("bounce")


def sms_reaches(person: dict) -> bool:
    return bool(person["phone"]) and person["phone"][-1] not in "35"

"""What each SMS kind costs: its encoding, its parts and its price, per language and per the
municipality's SMS setting (``municipality.json`` ``sms``: the script and the diacritics).

The texts are the real ones: the notification templates and catalogues rendered for the demo
municipality (``civicdesk.rendering.render_sms``, ``reply_sms_text``), with links as long as
the real ones (the confirmation's random token, the derived token of every later SMS) on the
demo's portal address. Parts are counted by ``civicdesk.domain.sms.segments`` (GSM-7 160/153
septets, extension characters two; UCS-2 70/67 code units, surrogate pairs two). Every part is
billed as one SMS.

Alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.sms``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from infra.local.template import ROOT

#: USD per SMS part to a Serbian mobile number: AWS End User Messaging SMS (which SNS sends
#: through), Serbia, sender-ID route, list price as taken for issue 11's cost table
#: (``docs/cost.md``) on 2026-12-01 from https://aws.amazon.com/end-user-messaging/pricing/.
#: Carriers change it several times a year: check it there before a budget.
SMS_PRICE_USD_PER_PART_SERBIA = 0.0604

PORTAL = "https://prijave.demo.civicdesk.rs"
NUMBER = "2026-000123"
#: As long as ``secrets.token_urlsafe(24)`` (the confirmation) and a derived token (later SMS).
CONFIRMATION_TOKEN = "Xq3vN8s0bT1kLmP4wZ7yR2cD5fG9hJ6a"
KINDS = ("confirmation", "status_changed", "resolved", "reply")
SETTINGS = {"native": {}, "latin": {"script": "latin"},
            "latin_stripped": {"script": "latin", "diacritics": "strip"}}
#: What an official writes back, as a reply, in each language.
REPLIES = {
    "sr-Cyrl": "Екипа излази на терен сутра ујутру и санираће оштећење.",
    "sr-Latn": "Ekipa izlazi na teren sutra ujutru i saniraće oštećenje.",
    "bg": "Екипът ще излезе на място утре сутринта и ще отстрани повредата.",
    "cs": "Technici vyjedou zítra ráno a poškození opraví.",
    "en": "The crew will be there tomorrow morning to repair the damage.",
}


def sms_costs() -> dict:
    """Figures: ``sms`` (kind -> language -> setting -> encoding, parts, cost) and the price."""
    from civicdesk.adapters.config_files import load_config_dir
    from civicdesk.domain.cases import Case, CaseType, Channel, Contact, Status
    from civicdesk.domain.municipality_config import parse_municipality
    from civicdesk.domain.sms import segments
    from civicdesk.domain.tracking_tokens import LinkKey, tracking_url
    from civicdesk.rendering import case_context, render_sms, reply_sms_text
    from civicdesk.services.tracking_links import TrackingLinks

    class Keys:
        def keys(self, *, fresh: bool = False):
            return [LinkKey(b"bench-link-key-" + b"0" * 17)]

    links = TrackingLinks(Keys(), PORTAL)
    document = load_config_dir(ROOT / "infra" / "config")
    figures: dict[str, dict] = {kind: {} for kind in KINDS}
    now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    for language in ("sr-Cyrl", "sr-Latn", "bg", "cs", "en"):
        case = Case(number=NUMBER, type=CaseType.SIGNAL, channel=Channel.PHONE,
                    category="road_damage", department="roads_traffic", description="-",
                    language=language, status=Status.IN_PROGRESS, public=True, created_at=now,
                    updated_at=now, token_hash="-", contact=Contact(phone="+381641234567"))
        for kind in KINDS:
            figures[kind][language] = {}
        for setting, sms in SETTINGS.items():
            municipality = parse_municipality({**document, "sms": sms})
            later = links.private_url(NUMBER, language)
            context = {**case_context(case, municipality, language), "message": None,
                       "tracking_url": tracking_url(PORTAL, NUMBER, CONFIRMATION_TOKEN, language)}
            texts = {"confirmation": render_sms("confirmation", language, context, municipality.sms)}
            context["tracking_url"] = later
            texts["status_changed"] = render_sms("status_changed", language, context, municipality.sms)
            texts["resolved"] = render_sms("resolved", language,
                                           {**context, "status_name": "-"}, municipality.sms)
            texts["reply"] = reply_sms_text(case, municipality, REPLIES[language], later)
            for kind, text in texts.items():
                encoding, parts = segments(text)
                figures[kind][language][setting] = {
                    "encoding": encoding, "parts": parts, "characters": len(text),
                    "linked": "http" in text,
                    "cost_usd": round(parts * SMS_PRICE_USD_PER_PART_SERBIA, 4)}
    return {"sms": figures, "sms_price_usd_per_part": SMS_PRICE_USD_PER_PART_SERBIA,
            "sms_price_source": "AWS End User Messaging SMS, Serbia, sender-ID route, "
                                "https://aws.amazon.com/end-user-messaging/pricing/ (2026-12-01)"}


def report(figures: dict) -> list[str]:
    """The lines ``make bench`` prints: one per kind and language, the three settings side by
    side (encoding, parts, price; ``-link`` where the link did not fit)."""
    price = figures["sms_price_usd_per_part"]
    lines = [f"  SMS parts and cost per kind (USD {price} a part, Serbia; sms.script/diacritics: "
             "native | latin | latin+strip):"]
    for kind, languages in figures["sms"].items():
        for language, settings in languages.items():
            cells = [f"{s['encoding']} {s['parts']} = {s['cost_usd']:.4f}"
                     + ("" if s["linked"] else " -link") for s in settings.values()]
            lines.append(f"    {kind:<15}{language:<8}" + " | ".join(cells))
    return lines


if __name__ == "__main__":
    result = sms_costs()
    print("\n".join(report(result)))

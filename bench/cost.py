"""What a municipality's stack costs a month, from the bench's measured AWS calls per operation
(``docs/cost.md`` quotes the tables this module renders).

The calls come from ``bench/results/latest.json`` (``count_calls``: the call logs of creating a
case, tracking it, a new mail, a reply, a queue page, a case with its timeline, a status change,
a feed poll) and the SMS texts from the catalogues (``civicdesk.domain.sms.segments``), so the
figures follow the code: ``make bench`` rewrites the tables in ``docs/cost.md``, and
``python -m bench.cost`` does it from the last results. What the bench does not measure (how
often citizens and staff do each thing, the notify and delivery functions' calls, durations,
sizes) is the ``WORKLOAD`` below, each figure with its reason; prices are ``PRICES``.

Region eu-central-1, list prices in USD without the free tiers (``PRICES_AS_OF``).
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from infra.local.template import ROOT, Template

RESULTS = ROOT / "bench" / "results" / "latest.json"
DOC = ROOT / "docs" / "cost.md"
BEGIN, END = "<!-- bench.cost: begin -->", "<!-- bench.cost: end -->"
REGION = "eu-central-1"
PRICES_AS_OF = "2026-12-01"
CASES_PER_MONTH = (1_000, 10_000)

#: List prices in eu-central-1 (USD), from the services' pricing pages; one place to update.
PRICES = {
    "lambda_gb_second_arm64": 0.0000133334,
    "lambda_request": 0.20 / 1e6,
    "api_gateway_rest_request": 3.70 / 1e6,       # first 333 million a month
    "dynamodb_write_request_unit": 0.7625 / 1e6,  # on-demand
    "dynamodb_read_request_unit": 0.1525 / 1e6,
    "dynamodb_storage_gb_month": 0.306,
    "dynamodb_pitr_gb_month": 0.2448,
    "s3_standard_gb_month": 0.0245,
    "s3_put_request": 0.0054 / 1000,
    "s3_get_request": 0.00043 / 1000,
    "ses_outbound_mail": 0.10 / 1000,
    "ses_inbound_mail": 0.10 / 1000,
    "ses_inbound_chunk": 0.09 / 1000,             # per 256 KB of a received mail
    "sns_publish": 0.50 / 1e6,
    # AWS End User Messaging SMS, sender-ID route to Serbia (RS), per message part; carriers
    # change it often: take the current figure from the SMS pricing page before a budget.
    "sms_serbia_part": 0.0604,
    "sqs_request": 0.40 / 1e6,
    "cloudwatch_alarm_metric_month": 0.10,
    "cloudwatch_custom_metric_month": 0.30,
    "cloudwatch_dashboard_month": 3.00,
    "cloudwatch_logs_ingested_gb": 0.63,
    "cloudwatch_logs_stored_gb_month": 0.0324,
    "waf_web_acl_month": 5.00,
    "waf_rule_month": 1.00,                       # a managed rule group counts as one rule
    "waf_request": 0.60 / 1e6,
    "xray_trace_recorded": 5.00 / 1e6,
}

#: How a municipality uses CivicDesk, per case unless said otherwise. Not measured: each is a
#: judgement, stated so that a municipality can put in its own.
WORKLOAD = {
    "share_web": 0.5, "share_email": 0.3, "share_staff": 0.2,  # phone, letter, visit: operators
    "tracking_views": 3,             # the citizen opens the tracking page
    "case_views": 5,                 # staff open the case with its timeline
    "queue_pages": 5,                # queue pages staff read per case handled
    "status_changes": 2,             # in progress, resolved
    "staff_replies": 0.5,
    "citizen_mail_replies": 0.5,     # per mail case: a reply that threads into it
    "followers": 0.1,
    # who is told by SMS rather than mail: phone cases often leave only a mobile number
    "sms_share_web": 0.1, "sms_share_staff": 0.5, "sms_share_email": 0.0,
    "department_mails": 1,           # the department's new-case mail
    "attachments": 0.2, "attachment_mb": 1.5, "raw_mail_kb": 40,
    "dynamodb_kb_per_case": 25,      # case, timeline, claims, index copies after a year
    "months_kept": 12,               # storage is that of a year of cases
    "log_kb_per_invocation": 3, "access_log_kb_per_request": 0.3, "log_retention_months": 3,
    # fixed a month, whatever the number of cases
    "supervisor_feed_polls": 3 * 22 * 8 * 360,  # three supervisors, office hours, every 10 s
    "sqs_idle_polling_requests_per_queue": 5 * 3 * 60 * 24 * 30,  # 5 pollers, 20 s long polls
    "custom_metrics": 30,            # CaseOpened, MailReceived, MailFailed combinations in use
    # warm durations (ms) of the functions at 1024 MB; cold starts from the bench
    "api_ms": 60, "admin_ms": 90, "ingest_ms": 300, "events_ms": 40, "notify_ms": 150,
    "delivery_ms": 40, "cold_start_share": 0.05,
    # calls of what the bench does not count: a notification (the case's Query, a claim check;
    # the claim and its timeline entry), an SES event on the recipient and the case, a follow
    "notify_read_units": 3, "notify_write_units": 5, "delivery_read_units": 1,
    "delivery_write_units": 2, "follow_call_log": ["Query", "PutItem"],
    "transact_items": 4,             # items of one TransactWriteItems (2 units each)
    "query_read_units": 2,           # a case's timeline, up to 8 KB
}

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}


@dataclass
class Line:
    service: str
    what: str
    quantity: float
    unit_price: float

    @property
    def usd(self) -> float:
        return self.quantity * self.unit_price


def dynamodb_units(call_log: list[str], workload: dict) -> tuple[float, float]:
    """(write units, read units) of one operation's calls."""
    writes = reads = 0.0
    for call in call_log:
        if call == "TransactWriteItems":
            writes += 2 * workload["transact_items"]
        elif call in WRITES:
            writes += 1
        elif call == "Query":
            reads += workload["query_read_units"]
        elif call in ("GetItem", "BatchGetItem"):
            reads += 1
    return writes, reads


def sms_parts(language: str = "sr-Cyrl") -> dict[str, int]:
    """SMS parts of each SMS kind in ``language``, as the catalogues word them today."""
    from civicdesk.domain.sms import segments

    catalogue = json.loads((ROOT / "functions/shared/civicdesk/rendering/catalogues"
                            / f"{language}.json").read_text(encoding="utf-8"))
    samples = defaultdict(lambda: "2026-000123", municipality="Општина Вршац" if language ==
                          "sr-Cyrl" else "Opština Vršac", status="У раду" if language == "sr-Cyrl"
                          else "U radu", link="https://prijave.vrsac.rs/t/2026-000123?k="
                          + "x" * 22)
    parts = {}
    for key, text in _flatten(catalogue).items():
        if key.startswith("notify.sms."):
            parts[key.removeprefix("notify.sms.")] = segments(text.format_map(samples))[1]
    return parts


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        elif isinstance(value, str):
            flat[name] = value
    return flat


def template_counts() -> dict[str, int]:
    """What the template bills by the month: alarm metrics, WAF rules."""
    template = Template()
    metrics = 0
    for alarm in template.of_type("AWS::CloudWatch::Alarm").values():
        queries = alarm["Properties"].get("Metrics")
        metrics += sum(1 for q in queries if "MetricStat" in q) if queries else 1
    acls = list(template.resources[lid] for lid, res in template.resources.items()
                if res.get("Type") == "AWS::WAFv2::WebACL")
    rules = sum(len(acl["Properties"]["Rules"]) for acl in acls)
    queues = sum(1 for f in template.functions().values() for e in f.events.values()
                 if e.get("Type") == "SQS")
    filters = len(template.of_type("AWS::Logs::MetricFilter"))
    return {"alarm_metrics": metrics, "web_acls": len(acls), "waf_rules": rules,
            "polled_queues": queues, "metric_filters": filters}


def monthly_lines(cases: int, figures: dict, workload: dict = WORKLOAD,
                  prices: dict = PRICES, language: str = "sr-Cyrl") -> list[Line]:
    w, p, f = workload, prices, figures
    counts = template_counts()
    web, email, staff = (cases * w[k] for k in ("share_web", "share_email", "share_staff"))
    parts = sms_parts(language)

    # -- API requests (both functions) and their DynamoDB units, from the bench's call logs
    operations = {  # operation: (how many, call log, function)
        "create case (web)": (web, f["create_case_call_log"], "api"),
        "track case": (cases * w["tracking_views"], f["track_case_call_log"], "api"),
        "register a call or letter": (staff, f["create_case_call_log"], "admin"),
        "case with timeline": (cases * w["case_views"], f["case_with_timeline_call_log"], "admin"),
        "queue page": (cases * w["queue_pages"], f["queue_page_call_log"], "admin"),
        "status change": (cases * w["status_changes"], f["status_change_call_log"], "admin"),
        # a reply is saved as a status change is (one transaction after reading the case)
        "staff reply": (cases * w["staff_replies"], f["status_change_call_log"], "admin"),
        "feed poll": (w["supervisor_feed_polls"], f["feed_poll_call_log"], "admin"),
        "follow": (cases * w["followers"], w["follow_call_log"], "api"),
        "new mail": (email, f["new_mail_call_log"], "ingest"),
        "reply mail": (email * w["citizen_mail_replies"], f["reply_mail_call_log"], "ingest"),
    }
    write_units = read_units = 0.0
    invocations: dict[str, float] = defaultdict(float)
    api_requests = 0.0
    s3_gets = s3_puts = 0.0
    sent_by_functions = 0.0
    for count, log, function in operations.values():
        writes, reads = dynamodb_units(log, w)
        write_units += count * writes
        read_units += count * reads
        invocations[function] += count
        if function in ("api", "admin"):
            api_requests += count
        s3_gets += count * log.count("GetObject")
        sent_by_functions += count * log.count("SendEmail")

    # -- what the table's stream sets off: a case event per change, and the notify function
    #    tells the requester (mail or SMS), the department and the followers
    events = cases * (1 + w["status_changes"] + w["staff_replies"]) + email * w["citizen_mail_replies"]
    later = w["status_changes"] + w["staff_replies"]
    # a mail case's confirmation is the ingest function's auto-reply (in its call log)
    sms_sent = (web * (1 + later) * w["sms_share_web"] + staff * (1 + later) * w["sms_share_staff"]
                + email * later * w["sms_share_email"])
    sms_part_count = (sms_sent / (1 + later) * (parts.get("confirmation", 1)
                                                + later * parts.get("status_changed", 1))
                      if sms_sent else 0.0)
    requester_told = (web + staff) * (1 + later) + email * later
    mails = (requester_told - sms_sent + cases * w["department_mails"] + events * w["followers"]
             + sent_by_functions)
    invocations["events"] += events
    invocations["notify"] += events
    write_units += (requester_told + cases * w["department_mails"] + events * w["followers"]) \
        * w["notify_write_units"]
    read_units += events * w["notify_read_units"]
    invocations["delivery"] += mails  # one SES event (delivery, bounce, ...) per mail
    write_units += mails * w["delivery_write_units"]
    read_units += mails * w["delivery_read_units"]
    s3_puts += email + cases * w["attachments"]

    durations = {"api": w["api_ms"], "admin": w["admin_ms"], "ingest": w["ingest_ms"],
                 "events": w["events_ms"], "notify": w["notify_ms"], "delivery": w["delivery_ms"]}
    cold = {"api": f.get("api_cold_start_seconds_median", 1.0),
            "admin": f.get("admin_cold_start_seconds_median", 1.0),
            "ingest": f.get("ingest_cold_start_seconds_median", 1.0)}
    gb_seconds = sum(n * (durations[fn] / 1000 + w["cold_start_share"] * cold.get(fn, 1.0))
                     for fn, n in invocations.items())  # 1024 MB = 1 GB
    all_invocations = sum(invocations.values())

    months = w["months_kept"]
    table_gb = cases * months * w["dynamodb_kb_per_case"] / 1024 / 1024
    s3_gb = cases * months * (w["share_email"] * w["raw_mail_kb"] / 1024
                              + w["attachments"] * w["attachment_mb"]) / 1024
    logs_gb = (all_invocations * w["log_kb_per_invocation"]
               + api_requests * w["access_log_kb_per_request"]) / 1024 / 1024
    sqs = (events + mails) * 3 + counts["polled_queues"] * w["sqs_idle_polling_requests_per_queue"]

    return [
        Line("Lambda", "GB-seconds (arm64, 1024 MB)", gb_seconds, p["lambda_gb_second_arm64"]),
        Line("Lambda", "invocations", all_invocations, p["lambda_request"]),
        Line("API Gateway", "REST requests", api_requests, p["api_gateway_rest_request"]),
        Line("DynamoDB", "write request units", write_units, p["dynamodb_write_request_unit"]),
        Line("DynamoDB", "read request units", read_units, p["dynamodb_read_request_unit"]),
        Line("DynamoDB", "storage (GB, a year of cases)", table_gb, p["dynamodb_storage_gb_month"]),
        Line("DynamoDB", "point-in-time recovery (GB)", table_gb, p["dynamodb_pitr_gb_month"]),
        Line("S3", "storage (GB: raw mail, attachments)", s3_gb, p["s3_standard_gb_month"]),
        Line("S3", "PUT requests", s3_puts, p["s3_put_request"]),
        Line("S3", "GET requests", s3_gets, p["s3_get_request"]),
        Line("SES", "mails sent", mails, p["ses_outbound_mail"]),
        Line("SES", "mails received", email * (1 + w["citizen_mail_replies"]), p["ses_inbound_mail"]),
        Line("SES", "received 256 KB chunks", email * (1 + w["citizen_mail_replies"]), p["ses_inbound_chunk"]),
        Line("SNS", "case and delivery events published", events + mails, p["sns_publish"]),
        Line("SNS SMS", f"SMS parts to Serbia, {language} ({sms_sent:,.0f} SMS)", sms_part_count, p["sms_serbia_part"]),
        Line("SQS", "requests (messages, idle long polls)", sqs, p["sqs_request"]),
        Line("CloudWatch", "alarm metrics", counts["alarm_metrics"], p["cloudwatch_alarm_metric_month"]),
        Line("CloudWatch", "custom metrics (EMF, access-log filters)",
             w["custom_metrics"] + counts["metric_filters"], p["cloudwatch_custom_metric_month"]),
        Line("CloudWatch", "dashboard", 1, p["cloudwatch_dashboard_month"]),
        Line("CloudWatch", "logs ingested (GB)", logs_gb, p["cloudwatch_logs_ingested_gb"]),
        Line("CloudWatch", "logs stored (GB)", logs_gb * w["log_retention_months"],
             p["cloudwatch_logs_stored_gb_month"]),
        Line("X-Ray", "traces", all_invocations, p["xray_trace_recorded"]),
        Line("WAF", "web ACL", counts["web_acls"], p["waf_web_acl_month"]),
        Line("WAF", "rules and managed rule groups", counts["waf_rules"], p["waf_rule_month"]),
        Line("WAF", "requests", api_requests, p["waf_request"]),
    ]


def campaign_cost(recipients: int, figures: dict) -> dict:
    """What a campaign to ``recipients`` costs at list prices (``bench/campaigns.py``'s
    measured AWS calls and DynamoDB units per recipient): every recipient's mail, the SMS the
    measured campaign sent per recipient (its fallbacks and SMS-only recipients, at one part,
    the campaign's text), SQS requests (the queue's send, receive and delete), the senders'
    Lambda time (about 60 ms a recipient at 1024 MB) and DynamoDB's units."""
    per = figures["campaign_aws_call_log_per_recipient"]
    sqs_requests = sum(v for k, v in per.items() if k.startswith("sqs:")) * 3  # receive, delete
    mails = figures["campaign_mails_sent"] / figures["campaign_recipients"]
    sms = figures["campaign_sms_sent"] / figures["campaign_recipients"]
    lines = {
        "mail": recipients * mails * PRICES["ses_outbound_mail"],
        "sms": recipients * sms * PRICES["sms_serbia_part"],
        "dynamodb": recipients * (
            figures["campaign_dynamodb_write_units_per_recipient"] * PRICES["dynamodb_write_request_unit"]
            + figures["campaign_dynamodb_read_units_per_recipient"] * PRICES["dynamodb_read_request_unit"]),
        "sqs": recipients * sqs_requests * PRICES["sqs_request"],
        "lambda": recipients * (0.060 * PRICES["lambda_gb_second_arm64"] + PRICES["lambda_request"] / 5),
    }
    rounded = {name: round(value, 2) for name, value in lines.items()}
    return {f"campaign_cost_usd_{recipients}": {**rounded, "total": round(sum(lines.values()), 2)},
            "campaign_cost_mix": f"{mails:.2f} mails and {sms:.2f} SMS parts per recipient, "
                                 f"as the measured campaign"}


def per_service(lines: list[Line]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for line in lines:
        totals[line.service] += line.usd
    return dict(totals)


def summary(figures: dict) -> dict:
    """The bench's figure: the monthly total (USD) at each size, and the SMS parts per kind."""
    return {"monthly_cost_usd": {str(n): round(sum(line.usd for line in monthly_lines(n, figures)), 2)
                                 for n in CASES_PER_MONTH},
            "sms_parts_sr_cyrl": sms_parts("sr-Cyrl"), "sms_parts_sr_latn": sms_parts("sr-Latn")}


def render(figures: dict) -> str:
    """The tables of ``docs/cost.md``."""
    by_size = {n: monthly_lines(n, figures) for n in CASES_PER_MONTH}
    out = [f"Region {REGION}, list prices of {PRICES_AS_OF} in USD, free tiers left out; "
           f"calls per operation from the bench run of {figures.get('_when', 'the last run')}.", ""]
    header = " | ".join(f"{n:,} cases" for n in CASES_PER_MONTH)
    out += [f"| service | {header} |", "|---|" + "---:|" * len(CASES_PER_MONTH)]
    totals = {n: per_service(lines) for n, lines in by_size.items()}
    for service in totals[CASES_PER_MONTH[0]]:
        out.append(f"| {service} | " + " | ".join(f"{totals[n][service]:,.2f}" for n in CASES_PER_MONTH) + " |")
    out.append("| **total a month** | " + " | ".join(
        f"**{sum(totals[n].values()):,.2f}**" for n in CASES_PER_MONTH) + " |")
    out.append("| per case | " + " | ".join(
        f"{sum(totals[n].values()) / n:,.4f}" for n in CASES_PER_MONTH) + " |")
    out += ["", "The lines behind them:", "",
            f"| service | what | {' | '.join(f'{n:,}: quantity' for n in CASES_PER_MONTH)} | unit price | "
            f"{' | '.join(f'{n:,}: USD' for n in CASES_PER_MONTH)} |",
            "|---|---|" + "---:|" * (2 * len(CASES_PER_MONTH) + 1)]
    for index, line in enumerate(by_size[CASES_PER_MONTH[0]]):
        rows = [by_size[n][index] for n in CASES_PER_MONTH]
        out.append(f"| {line.service} | {re.sub(r' [(][0-9,.]+ SMS[)]', '', line.what)} | "
                   + " | ".join(_quantity(r.quantity) for r in rows)
                   + f" | {_price(line.unit_price)} | " + " | ".join(f"{r.usd:,.2f}" for r in rows) + " |")
    parts = sms_parts("sr-Cyrl"), sms_parts("sr-Latn")
    out += ["", "SMS parts per kind as the catalogues word them (a link of 60 characters where "
            "the text has one):", "", "| SMS | sr-Cyrl (UCS-2) | sr-Latn |", "|---|---:|---:|"]
    out += [f"| {kind} | {parts[0][kind]} | {parts[1].get(kind, '-')} |" for kind in parts[0]]
    return "\n".join(out)


def _quantity(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:,.3g}"


def _price(value: float) -> str:
    return f"{value * 1e6:,.4g} per million" if value < 0.001 else f"{value:,.4g}"


def load_figures(path: Path = RESULTS) -> dict:
    report = json.loads(path.read_text(encoding="utf-8"))
    return {**report["figures"], "_when": report["when"]}


def write_doc(figures: dict, path: Path = DOC) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(text[:start] + "\n" + render(figures) + "\n" + text[end:], encoding="utf-8")


def documented(path: Path = DOC) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip()


def main() -> int:
    figures = load_figures()
    write_doc(figures)
    for cases, total in summary(figures)["monthly_cost_usd"].items():
        print(f"  {int(cases):,} cases a month: {total:,.2f} USD ({REGION}, prices of {PRICES_AS_OF})")
    print(f"  tables written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

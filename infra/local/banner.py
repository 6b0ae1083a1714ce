"""What the runtime tells the user: the summary ``make run`` prints once it is up (the
addresses, the sign-in details, the commands to try) and ``local.json``, the sign-in details for
tools (``infra.local.token``, ``civicdesk.cli.staff --local``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from infra.local import aws, ses_events, sms_carrier
from infra.local.cognito import DemoUser, UserPool, UserPoolClient
from infra.local.state import DEFAULT_STATE_DIR, atomic_write
from infra.local.template import ROOT

if TYPE_CHECKING:
    from infra.local.runtime import LocalRuntime


def python_command() -> str:
    """The interpreter the runtime runs on, as the commands it prints must name it: the virtual
    environment's Python (relative to the project, where the commands are run from), not the
    ``python`` on the path, which has none of the dependencies."""
    executable = Path(sys.executable)
    try:
        return str(executable.relative_to(ROOT))
    except ValueError:
        return str(executable)


def _smtp_lines(runtime: LocalRuntime) -> list[str]:
    if not runtime.smtp_listening:
        return []
    host, port = runtime.smtp_address
    domains = ", ".join(dict.fromkeys(r for rule in runtime.receipt_rules
                                      for r in rule.recipients)) or "-"
    return [f"  Mail in (SMTP)   {host}:{port}   (for @{domains}; stored in the mail bucket, "
            f"then the ingest function)"]


def _staff_lines(runtime: LocalRuntime) -> list[str]:
    pool, client = runtime.staff_pool, runtime.staff_client
    if pool is None:
        return []
    # The commands name the state directory only when it is not the default one.
    other_dir = None if runtime.state_dir == DEFAULT_STATE_DIR.resolve() else runtime.state_dir
    lines = [f"  Staff sign-in    Cognito user pool {pool.pool_id} ({pool.logical_id}), "
             f"app client {client.client_id if client else '-'}",
             f"                   on {runtime.aws_url} (moto; issuer {pool.issuer})"]
    if runtime.demo_users:
        lines.append("  Demo staff       (demo passwords: this runtime listens on 127.0.0.1 "
                     "only)")
        for user in runtime.demo_users:
            roles = ", ".join(user.roles)
            if user.departments:
                roles += f" ({', '.join(user.departments)})"
            lines.append(f"                   {user.username:<20} {roles:<48} {user.password}")
        first = runtime.demo_users[0]
        command = token_command(first.username, other_dir)
        lines += [
            f"  ID token         {command}   (prints it; send it as Authorization)",
            f"                   e.g. curl -H \"Authorization: $({command})\" "
            f"{runtime.http_url}/v1/admin/me",
        ]
        if client is not None:
            lines.append("                   or: " + cli_token_command(
                runtime.aws_url, pool.region, client.client_id, first.username, first.password))
    state_option = f" --state-dir {other_dir}" if other_dir is not None else ""
    lines += [f"  New staff        PYTHONPATH=functions/shared {python_command()} -m civicdesk.cli.staff "
              f"create --local{state_option} --username U --email E --name N --role R "
              f"[--department D] [--password P]   (until the runtime stops)",
              f"  Sign-in details  {runtime.local_info_path}"]
    return lines


def _open311_lines(runtime: LocalRuntime) -> list[str]:
    """Open311 GeoReport v2 and the demo app's key (``infra/local/open311_demo.py``)."""
    if not runtime.open311_api_key:
        return []
    url = runtime.http_url
    return [f"  Open311          {url}/open311/v2/discovery.json   (GeoReport v2; demo app key: "
            f"{runtime.open311_api_key}, also in local.json under open311.api_key)"]


def _schedule_lines(runtime: LocalRuntime) -> list[str]:
    """The template's schedules: each with its expression, zone and next time; how to run one."""
    if runtime.scheduler is None or not runtime.scheduler.schedules:
        return []
    url = runtime.http_url
    lines = [f"  Schedules        {url}/_local/schedules   (run one now: POST "
             f"{url}/_local/schedules/<name>[?at=<ISO time>])"]
    for schedule in runtime.scheduler.schedules.values():
        when = "on demand only"
        if schedule.next_run is not None and runtime.scheduler.on_clock:
            when = schedule.next_run.astimezone(ZoneInfo(schedule.timezone)).strftime(
                "next %Y-%m-%d %H:%M %Z")
        lines.append(f"                   {schedule.spec.logical_id:<28} {schedule.expression} "
                     f"{schedule.timezone}   ({when})")
    one_time = runtime.scheduler.runtime
    if one_time is not None:
        polled = f"polled every {one_time.interval:g} s" if runtime.scheduler.on_clock \
            else "on demand only"
        lines.append(f"                   one-time schedules of {', '.join(one_time.groups)} "
                     f"({polled}; a campaign's send time: POST {url}/_local/schedules/"
                     f"campaign-<id>)")
    return lines


def _archive_lines(runtime: LocalRuntime) -> list[str]:
    if not runtime.archive_streams:
        return []
    return [f"  Event archive    {runtime.archive_dir}/events/day=<UTC day>/*.parquet   (query: "
            f"{python_command()} -m infra.local.archive query 'SELECT type, count(*) FROM "
            f"case_events GROUP BY type')"]


def summary(runtime: LocalRuntime) -> str:
    """What ``make run`` prints once the runtime is up: where everything is, how to sign in."""
    url = runtime.http_url
    mails = len(runtime.outbox.messages()) if runtime.outbox else 0
    texts = len(runtime.outbox.sms_messages()) if runtime.outbox else 0
    tables = ", ".join(runtime.resources.tables.values()) or "-"
    buckets = ", ".join(runtime.resources.buckets.values()) or "-"
    identities = ", ".join(runtime.resources.mail_identities) or "-"
    return "\n".join([
        "",
        "CivicDesk is running locally: the Lambda handlers of template.yaml against moto.",
        "",
        f"  Citizen portal   {url}/",
        f"  Staff console    {url}/console/   (sign in as a demo user below)",
        f"  API              {url}/v1/   (e.g. {url}/v1/public/municipality)",
        f"  API docs         {url}/api.html   (OpenAPI: {url}/v1/openapi.json)",
        *_open311_lines(runtime),
        f"  Outbox           {url}/_local/outbox.html   (JSON: {url}/_local/outbox)",
        *_smtp_lines(runtime),
        f"  Inspect          {url}/_local/cases/<number>   {url}/_local/quarantine",
        f"  Failed mail      POST {url}/_local/redrive   (or: {python_command()} -m infra.local.redrive "
        f"--url {url})",
        f"  SES events       each sent mail is reported delivered (bounce@ and complaint@"
        f"{ses_events.SIMULATOR_DOMAIN} bounce, complain); make any bounce: POST "
        f"{url}/_local/ses-events {{\"id\": ..., \"type\": \"bounce\"}}",
        f"  SMS in           text the municipality's number {sms_carrier.LOCAL_NUMBER}: POST "
        f"{url}/_local/sms {{\"from\": \"+381641234567\", \"body\": ...}} (replies in the outbox)",
        *_schedule_lines(runtime),
        *_archive_lines(runtime),
        f"  AWS (moto)       {runtime.aws_url}   (AWS_ENDPOINT_URL; region {aws.REGION}, "
        f"any credentials)",
        f"  State            {runtime.state_dir}   (delete it to start from scratch)",
        *_staff_lines(runtime),
        "",
        f"  Tables: {tables}   Buckets: {buckets}   Mail domain: {identities}",
        f"  Restored {runtime.restored.items} items, {runtime.restored.objects} objects, "
        f"{runtime.restored.messages} queued messages, {runtime.restored.stream_records} stream "
        f"records not yet delivered; {mails} mails and {texts} SMS in the outbox.",
        "",
        "Press Ctrl-C to stop.",
        "",
    ])


def urls(runtime: LocalRuntime) -> dict[str, str]:
    """Where the started runtime's doors are."""
    url = runtime.http_url
    found = {"portal": f"{url}/", "console": f"{url}/console/", "api": f"{url}/v1/",
             "outbox": f"{url}/_local/outbox.html", "aws": runtime.aws_url}
    if runtime.smtp_listening:
        host, port = runtime.smtp_address
        found["smtp"] = f"smtp://{host}:{port}"
    return found


def token_command(username: str, state_dir: Path | None = None) -> str:
    """The one-line command that prints a user's ID token."""
    option = f" --state-dir {state_dir}" if state_dir is not None else ""
    return f"{python_command()} -m infra.local.token {username}{option}"


def cli_token_command(endpoint: str, region: str, client_id: str, username: str,
                      password: str) -> str:
    """The AWS CLI's equivalent of ``token_command`` (InitiateAuth needs no credentials)."""
    return (f"aws cognito-idp initiate-auth --endpoint-url {endpoint} --region {region} "
            f"--client-id {client_id} --auth-flow USER_PASSWORD_AUTH --auth-parameters "
            f"USERNAME={username},PASSWORD={password} --query AuthenticationResult.IdToken "
            f"--output text")


def local_info(pool: UserPool | None, client: UserPoolClient | None, endpoint: str,
               users: tuple[DemoUser, ...], urls: dict[str, str],
               config_dir: str | None = None, open311_api_key: str | None = None) -> dict:
    """The document written to ``<state dir>/local.json``: what a tool (``infra.local.token``,
    ``civicdesk.cli.staff --local``) or a person needs to sign in to this runtime."""
    cognito = None
    if pool is not None:
        cognito = {"user_pool_id": pool.pool_id, "user_pool_arn": pool.arn,
                   "client_id": client.client_id if client else None, "endpoint": endpoint,
                   "region": pool.region, "issuer": pool.issuer,
                   "jwks_url": f"{endpoint}/{pool.pool_id}/.well-known/jwks.json",
                   "username_case_sensitive": pool.username_case_sensitive}
    open311 = None
    if open311_api_key:
        open311 = {"api_key": open311_api_key, "endpoint": urls["portal"].rstrip("/") + "/open311/v2"}
    return {"cognito": cognito, "users": [user.as_json() for user in users], "urls": urls,
            "config_dir": config_dir, "open311": open311}


def write_local_info(path: Path, document: dict) -> None:
    """Write ``document`` as JSON, atomically (a tool reading it never sees half a file)."""
    atomic_write(path, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))

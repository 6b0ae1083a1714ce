"""The README's "Try it" commands, run as they are written against the runtime ``make run``
starts, so that they cannot drift from the code: the same shell block, with only the runtime's
ports put in, and every ``curl`` made to fail on an HTTP error (as a reader would notice a 403
in its answer)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from infra.local.template import ROOT
from tests.support.runtime import running

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("readme")]

README = ROOT / "README.md"
PHONE = "+381641234567"


def try_it_block() -> str:
    """The ``sh`` block that follows "Try it" in the README."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"Try it[^\n]*\n(?:[^\n]*\n)*?```sh\n(.*?)```\n", text, re.S)
    assert found, "the README has no 'Try it' block"
    return found.group(1)


def for_runtime(block: str, http_port: int, smtp_port: int) -> str:
    """The block with the runtime's ports instead of the defaults; each port must be there."""
    assert "127.0.0.1:8000" in block and '"127.0.0.1", 2525' in block
    return (block.replace("127.0.0.1:8000", f"127.0.0.1:{http_port}")
            .replace('"127.0.0.1", 2525', f'"127.0.0.1", {smtp_port}'))


def test_the_try_it_block_names_the_default_ports_only():
    block = try_it_block()
    assert set(re.findall(r"127\.0\.0\.1:(\d+)", block)) == {"8000"}
    # the commands name the virtual environment's Python, which has the dependencies
    assert not re.search(r"(?<![/\w])python3? -", block)


def test_the_readme_commands_work_against_the_runtime(tmp_path):
    assert shutil.which("bash") and shutil.which("curl"), "the README's commands need bash and curl"
    with running(tmp_path) as runtime:
        script = ("set -euo pipefail\n"
                  'curl() { command curl --fail-with-body --max-time 30 "$@"; echo; }\n'
                  + for_runtime(try_it_block(), runtime.http_port, runtime.smtp_port))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CIVICDESK_"))}
        env["CIVICDESK_STATE_DIR"] = str(runtime.state_dir)
        done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{runtime.output()[-4000:]}"
        answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

        def outbox_has(predicate):
            return [m for m in runtime.outbox() if predicate(m)]

        def sms_with(text: str):
            return lambda m: m["channel"] == "sms" and PHONE in m["to"] and text in m["text"]

        # THEN the web case got its confirmation, the mail its auto-reply with the case number
        runtime.wait_for(lambda: outbox_has(lambda m: "petar@example.rs" in m["to"]),
                         "confirmation to the web form's citizen")
        replies = runtime.wait_for(
            lambda: outbox_has(lambda m: "marko@example.rs" in m["to"]), "auto-reply")
        assert re.search(r"2026-\d{6}", replies[0]["subject"])
        # AND the phone caller got the agent's reply and the status change's message by SMS
        runtime.wait_for(lambda: outbox_has(sms_with("Екипа излази сутра.")), "the reply's SMS")
        runtime.wait_for(lambda: outbox_has(sms_with("Рупа је санирана.")), "the status SMS")
        # AND SES's bounce was published, the new staff member signed in
        assert any(answer.get("published") for answer in answers), done.stdout
        assert any(answer.get("username") == "ana.petrovic" for answer in answers), done.stdout

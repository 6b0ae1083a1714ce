"""The newcomer's walks (``docs/architecture.md``): which of the project's files take part in one
e-mail from SMTP to its auto-reply, and in one status change from the admin route to the SMS.

The local runtime runs in this process with a profile hook on every thread it starts; while a
walk is recorded, each call into a function defined under ``functions/`` or ``infra/`` names its
file. A file counts when one of its functions ran (importing a module is not walking through
it). The mail walk leaves out the stream and queue pollers, which carry what follows the saved
case (the department's mail), not the auto-reply; neither walk counts the state snapshots.

Run alone: ``PYTHONPATH=functions/shared .venv/bin/python -m bench.walks`` (part of ``make bench``).
"""

from __future__ import annotations

import json
import os
import smtplib
import sys
import tempfile
import threading
from contextlib import redirect_stdout
from email.message import EmailMessage
from pathlib import Path

from infra.local.template import ROOT

_APP = str(ROOT / "functions") + os.sep
_RUNTIME = str(ROOT / "infra") + os.sep
#: Threads that belong to neither walk (this one, which only waits for the outbox's files, and
#: the state snapshots), and those the mail walk leaves out.
_NEVER = ("MainThread", "civicdesk-state")
_AFTER_THE_CASE = ("civicdesk-poll-",)
SETTLE_SECONDS = 4.0


class _Recorder:
    """Files of the project whose functions run, by the thread that ran them."""

    def __init__(self):
        self.recording = False
        self.calls: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def profile(self, frame, event, _arg):
        if event != "call" or not self.recording:
            return
        filename = frame.f_code.co_filename
        if filename.startswith((_APP, _RUNTIME)) and frame.f_code.co_name != "<module>":
            thread = threading.current_thread().name
            with self._lock:
                self.calls.setdefault(thread, set()).add((filename, frame.f_code.co_qualname))

    def walk(self, *, leave_out: tuple[str, ...] = ()) -> dict:
        """The files of the recorded calls (and the functions that ran in each), application
        and runtime apart."""
        functions: dict[str, set[str]] = {}
        for thread, calls in self.calls.items():
            if not thread.startswith(_NEVER + leave_out):
                for filename, function in calls:
                    functions.setdefault(str(Path(filename).relative_to(ROOT)), set()).add(function)
        files = sorted(functions)
        return {"files": len(files),
                "application_files": [f for f in files if f.startswith("functions/")],
                "runtime_files": [f for f in files if f.startswith("infra/")],
                "functions": {f: sorted(functions[f]) for f in files}}


def _captured(folder: Path, pattern: str, address: str) -> list[Path]:
    """The outbox's files that name ``address``, read here without the runtime's code (reading
    them through its HTTP view would walk its server too)."""
    return [path for path in folder.glob(pattern)
            if address.encode() in path.read_bytes()] if folder.is_dir() else []


def _recording(recorder: _Recorder, recorded: bool, act, arrived, wait_for, what: str) -> None:
    recorder.calls.clear()
    recorder.recording = recorded
    act()
    if not wait_for(arrived, 30):
        raise RuntimeError(f"{what} within 30 s")
    recorder.recording = False


def _mail_walk(runtime, recorder: _Recorder, sender: str, recorded: bool, wait_for) -> dict:
    """One e-mail from SMTP to its auto-reply in the outbox."""
    mail = EmailMessage()
    mail["From"], mail["To"] = f"Vesna Walk <{sender}>", "pisarnica@demo.civicdesk.rs"
    mail["Subject"] = "Рупа на путу"
    mail.set_content("Поштовани, у улици Краља Петра је велика рупа.")

    def send() -> None:
        with smtplib.SMTP(*runtime.smtp_address, timeout=10) as smtp:
            smtp.send_message(mail)

    _recording(recorder, recorded, send,
               lambda: _captured(runtime.state_dir / "outbox", "*.eml", sender), wait_for,
               "the walked mail got no auto-reply")
    walk = recorder.walk(leave_out=_AFTER_THE_CASE)
    # What the new case sets going besides the auto-reply (the department's mail and its
    # delivery report) is not part of the next walk: let it finish.
    wait_for(lambda: None, SETTLE_SECONDS)
    return walk


def _status_walk(runtime, recorder: _Recorder, token: str, phone: str, recorded: bool,
                 register_call, change_status, wait_for) -> dict:
    """One status change from the admin route to the requester's SMS."""
    case = register_call(runtime, token, {"phone": phone})
    e164 = "+381" + phone.replace(" ", "")[1:]

    def sms() -> list[Path]:
        return _captured(runtime.state_dir / "outbox" / "sms", "*.json", e164)

    if not wait_for(sms, 30):
        raise RuntimeError("the walked phone case got no confirmation SMS within 30 s")
    before = len(sms())
    wait_for(lambda: None, SETTLE_SECONDS)
    _recording(recorder, recorded,
               lambda: change_status(runtime, token, case, "in_progress", "Екипа излази сутра."),
               lambda: len(sms()) > before or None, wait_for, "the walked status change got no SMS")
    walk = recorder.walk()
    wait_for(lambda: None, SETTLE_SECONDS)
    return walk


def walks() -> dict:
    from infra.local.runtime import LocalRuntime
    from tests.support.local_staff import change_status, id_token, register_call, wait_for

    recorder = _Recorder()
    threading.setprofile(recorder.profile)
    try:
        with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as sink, \
                redirect_stdout(sink), LocalRuntime(http_port=0, aws_port=0, smtp_port=0,
                                                    state_dir=Path(tmp) / "state") as runtime:
            token = id_token(runtime)
            # Each walk is taken twice and the second time recorded: the first warms the
            # functions (imports, the configuration, clients), which is a cold start's story,
            # not the step's.
            for recorded in (False, True):
                mail_walk = _mail_walk(runtime, recorder, f"walk{int(recorded)}@example.rs",
                                       recorded, wait_for)
                status_walk = _status_walk(runtime, recorder, token, f"064 111 223{int(recorded)}",
                                           recorded, register_call, change_status, wait_for)
    finally:
        threading.setprofile(None)
    return {"walk_email_to_auto_reply": mail_walk, "walk_status_change_to_sms": status_walk}


def main() -> int:
    json.dump(walks(), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

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


class _Recorder:
    """Files of the project whose functions run, by the thread that ran them."""

    def __init__(self):
        self.recording = False
        self.calls: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def profile(self, frame, event, _arg):
        if event != "call" or not self.recording:
            return
        filename = frame.f_code.co_filename
        if filename.startswith((_APP, _RUNTIME)) and frame.f_code.co_name != "<module>":
            thread = threading.current_thread().name
            with self._lock:
                self.calls.setdefault(thread, set()).add(filename)

    def files(self, *, leave_out: tuple[str, ...] = ()) -> list[str]:
        names = set()
        for thread, files in self.calls.items():
            if not thread.startswith(_NEVER + leave_out):
                names |= files
        return sorted(str(Path(name).relative_to(ROOT)) for name in names)


def _walk(files: list[str]) -> dict:
    application = [f for f in files if f.startswith("functions/")]
    runtime = [f for f in files if f.startswith("infra/")]
    return {"files": len(files), "application_files": application, "runtime_files": runtime}


def _captured(folder: Path, pattern: str, address: str) -> list[Path]:
    """The outbox's files that name ``address``, read here without the runtime's code (reading
    them through its HTTP view would walk its server too)."""
    return [path for path in folder.glob(pattern)
            if address.encode() in path.read_bytes()] if folder.is_dir() else []


def walks() -> dict:
    from infra.local.runtime import LocalRuntime
    from tests.support.local_staff import change_status, id_token, register_call, wait_for

    recorder = _Recorder()
    threading.setprofile(recorder.profile)
    try:
        with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as sink, \
                redirect_stdout(sink), LocalRuntime(http_port=0, aws_port=0, smtp_port=0,
                                                    state_dir=Path(tmp) / "state") as runtime:
            # One e-mail from SMTP to the auto-reply in the outbox.
            sender = "walk.citizen@example.rs"
            mail = EmailMessage()
            mail["From"], mail["To"] = f"Vesna Walk <{sender}>", "pisarnica@demo.civicdesk.rs"
            mail["Subject"] = "Рупа на путу"
            mail.set_content("Поштовани, у улици Краља Петра је велика рупа.")

            def auto_reply() -> list[Path]:
                return _captured(runtime.state_dir / "outbox", "*.eml", sender)

            recorder.recording = True
            with smtplib.SMTP(*runtime.smtp_address, timeout=10) as smtp:
                smtp.send_message(mail)
            if not wait_for(auto_reply, 30):
                raise RuntimeError("the walked mail got no auto-reply within 30 s")
            recorder.recording = False
            mail_walk = recorder.files(leave_out=_AFTER_THE_CASE)

            # One status change from the admin route to the requester's SMS.
            token = id_token(runtime)
            phone = "+381641112233"
            case = register_call(runtime, token, {"phone": "064 111 2233"})

            def sms() -> list[Path]:
                return _captured(runtime.state_dir / "outbox" / "sms", "*.json", phone)

            if not wait_for(sms, 30):
                raise RuntimeError("the walked phone case got no confirmation SMS within 30 s")
            before = len(sms())
            wait_for(lambda: None, 1.0)  # let the confirmation's pipeline settle
            recorder.calls.clear()
            recorder.recording = True
            change_status(runtime, token, case, "in_progress", "Екипа излази на терен сутра.")
            if not wait_for(lambda: len(sms()) > before or None, 30):
                raise RuntimeError("the walked status change got no SMS within 30 s")
            recorder.recording = False
            status_walk = recorder.files()
    finally:
        threading.setprofile(None)
    return {"walk_email_to_auto_reply": _walk(mail_walk),
            "walk_status_change_to_sms": _walk(status_walk)}


def main() -> int:
    json.dump(walks(), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

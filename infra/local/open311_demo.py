"""The demo app's Open311 API key of ``make run`` (issue 16): made once per state directory
(its secret in ``<state>/open311-demo-key``, only its hash in the table, as for any key an
administrator issues), so it stays the same across restarts; printed in the banner and written
to ``local.json`` under ``open311.api_key``."""

from __future__ import annotations

from pathlib import Path

from .state import atomic_write

KEY_FILE = "open311-demo-key"
DEMO_APP = "Demo app (make run)"


def ensure_demo_key(state_dir: Path) -> str:
    """The demo key's secret, stored in the cases table when it is not (after the restore)."""
    from civicdesk import wiring
    from civicdesk.domain.cases import utc_now
    from civicdesk.domain.open311 import key_id_of, new_api_key
    from civicdesk.services.open311 import ensure_key

    path = Path(state_dir) / KEY_FILE
    secret = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    if key_id_of(secret) is None:
        _, secret = new_api_key()
        atomic_write(path, (secret + "\n").encode("utf-8"))
    ensure_key(wiring.open311_api_keys(), secret, DEMO_APP, "make run", "local:runtime", utc_now())
    return secret

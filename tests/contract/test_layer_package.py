"""The layer SAM builds (functions/shared/Makefile) carries what the package needs at run time
besides its Python modules: the message catalogues and the notification templates."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "functions" / "shared"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_layer_build_ships_the_templates_and_catalogues(tmp_path):
    # GIVEN the layer's build recipe as make would run it (pip's download of the wheels left
    # out: it needs the network and installs only the dependencies)
    recipe = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(SHARED), "build-CivicDeskLayer",
         f"ARTIFACTS_DIR={tmp_path}"], check=True, capture_output=True, text=True).stdout
    commands = [c for c in recipe.replace("\\\n", " ").splitlines() if c.strip()]
    assert any("pip install" in c for c in commands)
    local = [c for c in commands if "pip install" not in c]
    # WHEN the rest of it runs (python3 being the project's interpreter)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", "-euc", "\n".join(local)], cwd=SHARED, check=True, env=env)
    # THEN every template and catalogue is in the layer, byte for byte
    package = tmp_path / "python" / "civicdesk"
    for folder, pattern in (("rendering/templates", "*.j2"), ("rendering/catalogues", "*.json")):
        sources = sorted((SHARED / "civicdesk" / folder).glob(pattern))
        assert sources, folder
        for source in sources:
            assert (package / folder / source.name).read_bytes() == source.read_bytes()
    # AND the built package renders a notification from its own files
    code = ("import civicdesk.rendering.templating as t; "
            "assert t.TEMPLATES.is_relative_to(__import__('pathlib').Path(r'%s')); "
            "print(t.render_sms('resolved', 'en', {'municipality': 'Demo', 'number': '2026-000001',"
            " 'tracking_url': None, 'status_name': 'Resolved', 'message': None}))" % package)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path / "python")}).stdout
    assert out.strip() == "Demo: your case 2026-000001 has been resolved."

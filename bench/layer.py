"""The layer as ``sam build`` builds it (``functions/shared/Makefile``): its size unzipped (Lambda's
limit counts the extracted files) and zipped, and whether it works when Lambda extracts it.

The build downloads the target platform's wheels from PyPI; offline, or without the runtime's
interpreter (``infra/lambda_build.py``), the figures are skipped with the reason. The check
imports every module from the zip's extracted copy with the runtime's interpreter and nothing
else on its path (``infra/lambda_layer_check.py``). Its native wheels must match the machine,
so on another architecture than the template's it runs on a second build for this machine's.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from infra import lambda_build
from infra.local.template import ROOT

SHARED = ROOT / "functions" / "shared"
MACHINE_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def layer_figures() -> dict:
    target = lambda_build.read_target()
    try:
        python = lambda_build.target_python(target)
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10).close()
    except lambda_build.BuildError as error:
        return {"layer_skipped": str(error)}
    except OSError as error:
        return {"layer_skipped": f"PyPI unreachable ({error}): the layer's build downloads the "
                                 f"wheels for {target.runtime} on {target.architecture}"}
    try:
        return _measure(target, python)
    except subprocess.CalledProcessError as error:
        return {"layer_skipped": f"the layer's build failed ({error}); its output is above"}


def _measure(target: lambda_build.Target, python: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="civicdesk-layer-") as scratch:
        built = _build(Path(scratch) / "target", os.environ)
        archive = _zip(built, Path(scratch) / "layer.zip")
        sizes = _sizes(built / "python")
        figures = {"layer_unzipped_mb": round(sum(sizes.values()) / 1e6, 1),
                   "layer_zipped_mb": round(archive.stat().st_size / 1e6, 1),
                   "layer_largest_mb": {name: round(size / 1e6, 1) for name, size
                                        in sorted(sizes.items(), key=lambda kv: -kv[1])[:6]},
                   "layer_bytecode": sorted({p.name.split(".")[-2] for p in built.rglob("*.pyc")}),
                   "layer_botocore_services": sorted(p.name for p in (built / "python/botocore/data").iterdir()
                                                     if p.is_dir()),
                   "layer_target": f"{target.runtime} {target.architecture}"}
        machine = MACHINE_ARCHITECTURES.get(platform.machine().lower(), platform.machine())
        if machine != target.architecture:
            template = Path(scratch) / "template.yaml"
            template.write_text(re.sub(r"(?m)^(    Architectures: ).*$", rf"\g<1>[{machine}]",
                                       (ROOT / "template.yaml").read_text(encoding="utf-8")))
            built = _build(Path(scratch) / "machine", {**os.environ, "LAMBDA_BUILD_TEMPLATE": str(template)})
            archive = _zip(built, Path(scratch) / "machine.zip")
        extracted = Path(scratch) / "extracted"
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(extracted)
        check = subprocess.run([python, "-I", "-S", str(ROOT / "infra" / "lambda_layer_check.py"),
                                str(extracted / "python"), *lambda_build.LAYER_BOTOCORE_SERVICES],
                               capture_output=True, text=True, cwd=scratch, env=_plain_env())
        if check.returncode != 0:
            raise RuntimeError(f"the built layer does not import: {check.stderr[-2000:]}")
        report = json.loads(check.stdout)
        figures["layer_check"] = {"architecture": machine, "modules_imported": report["modules"],
                                  "compiled_at_import": len(report["compiled_at_import"]),
                                  "outside_the_layer": report["outside"],
                                  "clients": len(report["services"])}
    return figures


def _build(artifacts: Path, env) -> Path:
    artifacts.mkdir(parents=True)
    subprocess.run(["make", "--no-print-directory", "-s", "-C", str(SHARED), "build-CivicDeskLayer",
                    f"ARTIFACTS_DIR={artifacts}"], check=True, env=env, stdout=subprocess.DEVNULL)
    return artifacts


def _zip(directory: Path, archive: Path) -> Path:
    """Deflated, as ``sam package`` zips a layer."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(directory))
    return archive


def _sizes(python: Path) -> dict[str, int]:
    """Bytes per top-level entry of the layer's ``python/``, with the distribution's metadata
    and bundled libraries (``numpy.libs``) counted as the package's."""
    sizes: dict[str, int] = {}
    for path in python.rglob("*"):
        if path.is_file():
            top = path.relative_to(python).parts[0]
            name = re.sub(r"(-[^-]+\.dist-info|\.libs|\.py)$", "", top).lower().replace("-", "_")
            sizes[name] = sizes.get(name, 0) + path.stat().st_size
    return sizes


def _plain_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_"))}


if __name__ == "__main__":
    print(json.dumps(layer_figures(), indent=2))

"""The steps of the functions' and the layer's SAM builds (``BuildMethod: makefile``), for the
runtime and architecture ``template.yaml`` declares (``Globals: Function: Runtime`` and
``Architectures``), which no Makefile repeats.

``python3 infra/lambda_build.py STEP ...``, called by ``functions/*/Makefile``:

- ``check``: find the target runtime's interpreter or refuse, before anything is downloaded.
- ``install --target DIR [--no-deps] -r REQUIREMENTS``: pip installs the target platform's
  wheels (``--platform``, ``--python-version``, binary only) without compiling them, whatever
  Python runs pip.
- ``trim DIR``: keeps botocore's models of the services the package creates clients for
  (``LAYER_BOTOCORE_SERVICES``) and drops what no import reads (model examples, type stubs).
- ``compile DIR``: bytecode of every module by the target runtime's interpreter, hash-based and
  unchecked: Lambda's file system is read-only, so a ``.pyc`` another Python wrote, or one that
  a zip's two-second timestamps make look stale, is compiled again at every cold start.

The target's interpreter is ``$TARGET_PYTHON`` if set, else ``python3.12`` (for a
``python3.12`` runtime) or ``python3`` on ``PATH``, if it is that version. There is no fallback
to another version: bytecode that Lambda ignores is worse than a build that stops and says why.
Only the standard library is used (it runs under whatever ``python3`` SAM's host has).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"

#: botocore's models kept in the layer: the services the package creates clients for (wiring,
#: operator tools), PynamoDB's DynamoDB and the X-Ray SDK's own client (its recorder creates one
#: for sampling rules when Powertools' Tracer is made, at every handler's import).
#: ``tests/contract/test_layer_package.py`` derives the used set from the code and fails when a
#: client of a service outside this set is added.
LAYER_BOTOCORE_SERVICES = ("apigateway", "cloudformation", "cognito-idp", "dynamodb", "lambda", "s3", "scheduler",
                           "secretsmanager", "ses", "sesv2", "sns", "sqs", "xray")
#: Files of ``botocore/data`` itself that every session or client loads.
BOTOCORE_DATA_FILES = ("_retry.json", "endpoints.json", "partitions.json",
                       "sdk-default-configuration.json")
#: Files no import reads: the models' documentation examples (stub-only ``*-stubs`` packages go too).
UNREAD = ("examples-1.json",)

ARCHITECTURE_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}


class BuildError(Exception):
    """A build that must not go on; the message says what to do."""


@dataclass(frozen=True)
class Target:
    """The Lambda runtime and architecture the template declares for every function."""

    runtime: str
    architecture: str

    @property
    def python_version(self) -> str:
        match = re.fullmatch(r"python(3\.\d+)", self.runtime)
        if not match:
            raise BuildError(f"template.yaml: Runtime {self.runtime!r} is not a Python runtime")
        return match.group(1)

    @property
    def cache_tag(self) -> str:
        """``sys.implementation.cache_tag`` of the runtime's interpreter (``cpython-312``)."""
        return "cpython-" + self.python_version.replace(".", "")

    @property
    def pip_platform(self) -> str:
        try:
            return ARCHITECTURE_PLATFORMS[self.architecture]
        except KeyError:
            raise BuildError(f"template.yaml: unknown architecture {self.architecture!r}") from None


def read_target(template: Path | None = None) -> Target:
    """``Globals: Function: Runtime`` and ``Architectures`` of the template (the one place they
    are written; a contract test checks that no function and the layer disagree)."""
    path = template or Path(os.environ.get("LAMBDA_BUILD_TEMPLATE") or TEMPLATE)
    if not path.is_file():
        raise BuildError(f"{path} not found: the build takes its runtime from the template. Run "
                         "`sam build` in the repository, on the host: SAM's build container "
                         "(--use-container) mounts only the code directory.")
    function = _mapping(path.read_text(encoding="utf-8").splitlines(), ("Globals", "Function"))
    architectures = _list(function.get("Architectures", "[x86_64]"))
    if "Runtime" not in function or len(architectures) != 1:
        raise BuildError(f"{path}: Globals: Function: needs a Runtime and one Architecture")
    return Target(runtime=_scalar(function["Runtime"]), architecture=architectures[0])


def _mapping(lines: list[str], keys: tuple[str, ...]) -> dict[str, str]:
    """The values directly under the nested block mapping ``keys``, as written (a block list is
    returned as a flow list). Enough YAML for the template's Globals without PyYAML, which the
    host's ``python3`` may not have."""
    rows = [(len(line) - len(line.lstrip()), line.split(" #")[0].strip()) for line in lines
            if line.strip() and not line.lstrip().startswith("#")]
    start, indent = 0, -1
    for key in keys:
        child = rows[start][0] if start < len(rows) else 0
        for index in range(start, len(rows)):
            level, text = rows[index]
            if level <= indent:
                return {}
            if level == child and text == f"{key}:":
                start, indent = index + 1, level
                break
        else:
            return {}
    found: dict[str, str] = {}
    blocks: dict[str, list[str]] = {}
    child, key = None, ""
    for level, text in rows[start:]:
        if level <= indent:
            break
        child = level if child is None else child
        if level == child and not text.startswith("- "):
            key, _, value = (part.strip() for part in text.partition(":"))
            found[key] = value
        elif text.startswith("- ") and key and not found[key]:
            blocks.setdefault(key, []).append(text[2:].strip())
    return {**found, **{key: f"[{', '.join(items)}]" for key, items in blocks.items()}}


def _scalar(value: str) -> str:
    return value.strip().strip("'\"")


def _list(value: str) -> list[str]:
    inner = value.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        return [_scalar(inner)]
    return [_scalar(item) for item in inner[1:-1].split(",") if item.strip()]


def target_python(target: Target) -> str:
    """The interpreter whose bytecode the runtime reads, or ``BuildError`` saying how to get it."""
    candidates = ([os.environ["TARGET_PYTHON"]] if os.environ.get("TARGET_PYTHON")
                  else [target.runtime, "python3"])
    tried = []
    for candidate in candidates:
        executable = shutil.which(candidate)
        tag = _cache_tag(executable) if executable else None
        if tag == target.cache_tag:
            return executable  # type: ignore[return-value]  # a found tag implies an executable
        tried.append(f"{candidate}: " + (f"{tag}" if tag else "not found or not runnable"))
    raise BuildError(
        f"template.yaml deploys the functions on {target.runtime}, whose interpreter must compile "
        f"the bytecode ({target.cache_tag}): Lambda ignores any other and compiles every module "
        f"again at each cold start. Tried {'; '.join(tried)}. Put {target.runtime} on PATH or "
        f"set TARGET_PYTHON to it, and build again.")


def _cache_tag(executable: str) -> str | None:
    try:
        result = subprocess.run([executable, "-I", "-c", "import sys; print(sys.implementation.cache_tag)"],
                                capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def install(directory: Path, requirements: Path, target: Target, *, no_deps: bool = False) -> None:
    """The requirements' wheels for the target platform into ``directory``, uncompiled."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--no-compile", "--target", str(directory), "--platform", target.pip_platform,
               "--implementation", "cp", "--python-version", target.python_version,
               "--only-binary=:all:", "-r", str(requirements)]
    if no_deps:
        command.insert(4, "--no-deps")
    if subprocess.run(command).returncode != 0:
        raise BuildError(f"pip could not install {requirements} for {target.runtime} on "
                         f"{target.pip_platform}")


def trim(directory: Path, services: tuple[str, ...] = LAYER_BOTOCORE_SERVICES) -> None:
    """Drop botocore's models of other services, the models' examples and stub packages."""
    data = directory / "botocore" / "data"
    if data.is_dir():
        available = {p.name for p in data.iterdir() if p.is_dir()}
        missing = sorted(set(services) - available)
        if missing:
            raise BuildError(f"botocore has no model for {', '.join(missing)}")
        for name in available - set(services):
            shutil.rmtree(data / name)
        for name in BOTOCORE_DATA_FILES:
            if not (data / name).is_file():
                raise BuildError(f"botocore/data/{name} missing: this botocore is not the one the "
                                 "layer was trimmed for")
    for path in list(directory.rglob("*")):
        if path.name in UNREAD and path.is_file():
            path.unlink()
        elif path.is_dir() and path.name.endswith("-stubs") and path.parent == directory:
            shutil.rmtree(path)


def compile_bytecode(directory: Path, python: str) -> None:
    """Bytecode of every module under ``directory`` by ``python``, replacing any other."""
    for cache in [p for p in directory.rglob("__pycache__") if p.is_dir()]:
        shutil.rmtree(cache)
    result = subprocess.run([python, "-I", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                             "unchecked-hash", str(directory)])
    if result.returncode != 0:
        raise BuildError(f"{python} could not compile every module under {directory}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lambda_build", description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("check")
    steps.add_parser("target")
    install_step = steps.add_parser("install")
    install_step.add_argument("--target", type=Path, required=True)
    install_step.add_argument("-r", dest="requirements", type=Path, required=True)
    install_step.add_argument("--no-deps", action="store_true")
    for name in ("trim", "compile"):
        steps.add_parser(name).add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    try:
        target = read_target()
        if args.step == "target":
            print(target.runtime, target.architecture, target.pip_platform)
        elif args.step == "check":
            print(f"building for {target.runtime} on {target.architecture} with "
                  f"{target_python(target)}")
        elif args.step == "install":
            install(args.target, args.requirements, target, no_deps=args.no_deps)
        elif args.step == "trim":
            trim(args.directory)
        else:
            compile_bytecode(args.directory, target_python(target))
    except BuildError as error:
        print(f"lambda_build {args.step}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

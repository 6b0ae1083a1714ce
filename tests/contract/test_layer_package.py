"""The layer and the functions SAM builds (``functions/*/Makefile`` through
``infra/lambda_build.py``): what the package needs at run time besides its Python modules, bytecode
of the runtime ``template.yaml`` declares or no build at all, and botocore's models of exactly the
services the code uses."""

import ast
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from infra import lambda_build
from infra.local.template import ROOT, Template

SHARED = ROOT / "functions" / "shared"
TEMPLATE = Template()
FUNCTIONS = TEMPLATE.functions()
HOST = f"python{sys.version_info.major}.{sys.version_info.minor}"
HOST_TAG = sys.implementation.cache_tag
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _template_for(tmp_path: Path, runtime: str) -> Path:
    """template.yaml with another runtime in its Globals (the interpreter running the tests)."""
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    changed, count = re.subn(r"(?m)^(    Runtime: )python3\.\d+$", rf"\g<1>{runtime}", text)
    assert count == 1
    path = tmp_path / "template.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def _build_env(**extra: str) -> dict:
    """The test's interpreter first on PATH (as python3 and pythonX.Y); pip kept offline."""
    env = {k: v for k, v in os.environ.items() if k not in ("TARGET_PYTHON", "PYENV_VERSION")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               PIP_NO_INDEX="1", PIP_FIND_LINKS="", **extra)
    return env


def _recipe(makefile_dir: Path, target: str, artifacts: Path) -> list[str]:
    out = subprocess.run(["make", "--no-print-directory", "-n", "-C", str(makefile_dir), target,
                          f"ARTIFACTS_DIR={artifacts}"], check=True, capture_output=True,
                         text=True).stdout
    return [c for c in out.replace("\\\n", " ").splitlines() if c.strip()]


def _assert_target_bytecode(directory: Path, cache_tag: str) -> int:
    """Every module under ``directory`` has one .pyc, of ``cache_tag``, that no timestamp voids."""
    sources = [p for p in directory.rglob("*.py") if "__pycache__" not in p.parts]
    assert sources
    for source in sources:
        caches = list((source.parent / "__pycache__").glob(f"{source.stem}.*.pyc"))
        assert [c.name for c in caches] == [f"{source.stem}.{cache_tag}.pyc"], source
        flags = int.from_bytes(caches[0].read_bytes()[4:8], "little")
        assert flags == 0b01, f"{caches[0]}: not an unchecked hash-based .pyc (flags {flags:#b})"
    return len(sources)


# -- the target runtime comes from the template ---------------------------------------------------

def test_the_build_targets_the_runtime_and_architecture_of_the_templates_globals():
    globals_ = TEMPLATE.doc["Globals"]["Function"]
    target = lambda_build.read_target()
    assert (target.runtime, [target.architecture]) == (globals_["Runtime"], globals_["Architectures"])
    assert target.cache_tag == "cpython-" + globals_["Runtime"].removeprefix("python").replace(".", "")
    # AND nothing else in the template says otherwise: the layer is for the same runtime, and no
    # function has a runtime or architecture of its own
    layer = TEMPLATE.of_type("AWS::Serverless::LayerVersion")["CivicDeskLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == [target.runtime]
    assert layer["Properties"]["CompatibleArchitectures"] == [target.architecture]
    assert layer["Metadata"]["BuildArchitecture"] == target.architecture
    for logical_id, resource in TEMPLATE.of_type("AWS::Serverless::Function").items():
        assert not {"Runtime", "Architectures"} & set(resource["Properties"]), logical_id
    # AND no Makefile names a Python version or a platform itself
    for makefile in (ROOT / "functions").glob("*/Makefile"):
        assert not re.search(r"python3\.\d|manylinux|aarch64|arm64", makefile.read_text()), makefile


@pytest.mark.parametrize("globals_, expected", [
    ("  Function:\n    Runtime: python3.13\n    Architectures: [x86_64]\n", ("python3.13", "x86_64")),
    ("  Api:\n    Function:\n      Runtime: python3.9\n  Function:\n    # the runtime\n"
     "    Runtime: \"python3.12\"  # quoted\n    Architectures:\n      - arm64\n"
     "    Environment:\n      Variables:\n        Runtime: python2.7\n", ("python3.12", "arm64")),
])
def test_the_target_is_read_from_the_globals_as_yaml_writes_them(tmp_path, globals_, expected):
    path = tmp_path / "template.yaml"
    path.write_text(f"Transform: AWS::Serverless-2016-10-31\nGlobals:\n{globals_}Resources:\n"
                    "  Function:\n    Runtime: python3.8\n", encoding="utf-8")
    target = lambda_build.read_target(path)
    assert (target.runtime, target.architecture) == expected


@needs_make
@pytest.mark.parametrize("logical_id", ["CivicDeskLayer", *FUNCTIONS])
def test_a_build_without_the_runtimes_interpreter_stops_before_it_starts(tmp_path, logical_id):
    # GIVEN a machine whose python3 is not the template's runtime and has no python3.12 either
    code_dir = SHARED if logical_id == "CivicDeskLayer" else FUNCTIONS[logical_id].code_dir
    target = lambda_build.read_target()
    if target.cache_tag == HOST_TAG:
        pytest.skip("the tests' interpreter is the runtime's: nothing to refuse")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    path = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    if lambda_build._cache_tag(shutil.which(target.runtime, path=path) or "/nonexistent") == target.cache_tag:
        pytest.skip(f"{target.runtime} is installed in /usr/bin")
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    # WHEN SAM runs its make target
    env = {**_build_env(), "PATH": path}
    result = subprocess.run(["make", "--no-print-directory", "-C", str(code_dir), f"build-{logical_id}",
                             f"ARTIFACTS_DIR={artifacts}"], env=env, capture_output=True, text=True)
    # THEN it fails, naming the interpreter it needs and how to give it one, with nothing built
    assert result.returncode != 0
    assert f"deploys the functions on {target.runtime}" in result.stderr
    assert "TARGET_PYTHON" in result.stderr
    assert not any(p for p in artifacts.rglob("*") if p.suffix in (".py", ".pyc")), logical_id


@needs_make
@pytest.mark.parametrize("logical_id", sorted(set(FUNCTIONS) - {"ApiFunction", "AdminApiFunction",
                                                                  "Open311Function"}))
def test_a_handler_is_compiled_by_the_runtimes_interpreter(tmp_path, logical_id):
    # GIVEN a template whose runtime is the interpreter running the tests
    env = _build_env(LAMBDA_BUILD_TEMPLATE=str(_template_for(tmp_path, HOST)))
    # WHEN the function's make target runs
    subprocess.run(["make", "--no-print-directory", "-C", str(FUNCTIONS[logical_id].code_dir),
                    f"build-{logical_id}", f"ARTIFACTS_DIR={tmp_path}"], env=env, check=True,
                   capture_output=True)
    # THEN the handler ships with that interpreter's bytecode
    assert _assert_target_bytecode(tmp_path, HOST_TAG) == 1


@needs_make
@pytest.mark.parametrize("logical_id", ["ApiFunction", "Open311Function"])  # both download chalice
def test_the_api_build_checks_the_interpreter_before_downloading_and_compiles_last(tmp_path, logical_id):
    commands = _recipe(FUNCTIONS[logical_id].code_dir, f"build-{logical_id}", tmp_path)
    assert "lambda_build.py\" check" in commands[0]
    assert "lambda_build.py\" compile" in commands[-1]


@needs_make
def test_the_layer_build_ships_the_templates_catalogues_and_the_runtimes_bytecode(tmp_path):
    # GIVEN the layer's build recipe as make would run it, for a template whose runtime is the
    # tests' interpreter (pip's download of the wheels left out: it needs the network and
    # installs only the dependencies)
    env = _build_env(LAMBDA_BUILD_TEMPLATE=str(_template_for(tmp_path, HOST)))
    commands = _recipe(SHARED, "build-CivicDeskLayer", tmp_path)
    assert "lambda_build.py\" check" in commands[0]
    assert sum("lambda_build.py\" install" in c for c in commands) == 1
    local = [c for c in commands if "lambda_build.py\" install" not in c]
    # WHEN the rest of it runs
    subprocess.run(["bash", "-euc", "\n".join(local)], cwd=SHARED, check=True, env=env)
    # THEN every template and catalogue is in the layer, byte for byte
    package = tmp_path / "python" / "civicdesk"
    for folder, pattern in (("rendering/templates", "*.j2"), ("rendering/catalogues", "*.json")):
        sources = sorted((SHARED / "civicdesk" / folder).glob(pattern))
        assert sources, folder
        for source in sources:
            assert (package / folder / source.name).read_bytes() == source.read_bytes()
    # AND every module has the runtime's bytecode, whatever the source tree's caches held
    _assert_target_bytecode(package, HOST_TAG)
    # AND the built package renders a notification from its own files
    code = ("import civicdesk.rendering.templating as t; "
            "assert t.TEMPLATES.is_relative_to(__import__('pathlib').Path(r'%s')); "
            "print(t.render_sms('resolved', 'en', {'municipality': 'Demo', 'number': '2026-000001',"
            " 'tracking_url': None, 'status_name': 'Resolved', 'message': None}))" % package)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path / "python")}).stdout
    assert out.strip() == "Demo: your case 2026-000001 has been resolved."


# -- botocore's models: the services the code uses, no more -------------------------------------

#: Functions of the package that create a client of the service named by their first argument.
CLIENT_FACTORIES = {"aws_client", "operator_client", "create_client"}


def services_the_code_uses() -> set[str]:
    """Every service a client is created for in the deployed code (``functions/``) and in the
    libraries that create clients of their own in its paths (PynamoDB, the X-Ray SDK that
    Powertools' Tracer records with), read from the calls' first argument: a string, or a
    module constant."""
    libraries = [Path(importlib.import_module(name).__file__).parent for name in ("pynamodb", "aws_xray_sdk")]
    services: set[str] = set()
    for source in [*(ROOT / "functions").rglob("*.py"), *(p for lib in libraries for p in lib.rglob("*.py"))]:
        if "__pycache__" not in source.parts:
            services |= services_in(source.read_text(encoding="utf-8"), str(source))
    return services


def services_in(text: str, filename: str) -> set[str]:
    """The services of the clients one module creates; a call whose service the scan cannot
    tell fails the test, unless it is a factory passing its own argument on."""
    tree = ast.parse(text, filename)
    constants = _string_constants(tree)
    factories = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name in CLIENT_FACTORIES]
    services = set()
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args):
        name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
        if name not in CLIENT_FACTORIES:
            continue
        argument = call.args[0]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            services.add(argument.value)
        elif isinstance(argument, ast.Name) and argument.id in constants:
            services.add(constants[argument.id])
        else:
            assert any(call in ast.walk(f) for f in factories), \
                f"{filename}:{call.lineno}: which service's client is this?"
    return services


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level string constants, and string constants imported from PynamoDB."""
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name)
                 and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pynamodb"):
            module = importlib.import_module(node.module or "")
            constants.update({a.asname or a.name: getattr(module, a.name) for a in node.names
                              if isinstance(getattr(module, a.name, None), str)})
    return constants


def test_the_layer_keeps_the_model_of_every_service_the_code_creates_a_client_for():
    used = services_the_code_uses()
    # the scan finds what we know the package to use (else it found nothing)
    assert {"dynamodb", "sesv2", "s3", "sns", "cognito-idp", "xray"} <= used
    missing = used - set(lambda_build.LAYER_BOTOCORE_SERVICES)
    assert not missing, f"add {sorted(missing)} to infra/lambda_build.py LAYER_BOTOCORE_SERVICES"


@pytest.mark.parametrize("text, services", [
    ('def sender():\n    return SesMailer(lambda: aws_client("sesv2"))\n', {"sesv2"}),
    ('SERVICE = "ec2"\ndef f(session):\n    return session.create_client(SERVICE, "eu-central-1")\n', {"ec2"}),
    ('from pynamodb.constants import SERVICE_NAME\nc = session.create_client(SERVICE_NAME)\n', {"dynamodb"}),
    ('def aws_client(service):\n    return session.create_client(service)\n', set()),
])
def test_the_scan_reads_the_service_of_each_kind_of_client_creation(text, services):
    assert services_in(text, "probe.py") == services


def test_the_scan_refuses_a_client_whose_service_it_cannot_tell():
    with pytest.raises(AssertionError, match="which service"):
        services_in("def f(name):\n    return operator_client(name)\n", "probe.py")


# -- the trimmed layer works on its own ---------------------------------------------------------

def _distributions(requirements: Path) -> list[importlib.metadata.Distribution]:
    """The installed distributions of the requirements and everything they require."""
    environment = {**default_environment(), "extra": ""}
    names = [Requirement(line.split("#")[0].strip()).name for line in requirements.read_text().splitlines()
             if line.split("#")[0].strip()]
    found: dict[str, importlib.metadata.Distribution] = {}
    while names:
        name = names.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found:
            continue
        distribution = found[key] = importlib.metadata.distribution(name)
        for requirement in map(Requirement, distribution.requires or []):
            if requirement.marker is None or requirement.marker.evaluate(environment):
                names.append(requirement.name)
    return list(found.values())


def test_every_module_imports_from_the_trimmed_layer_alone(tmp_path):
    # GIVEN a layer of the installed files of its requirements (the same pins: see
    # test_template_contract; linked, not copied), trimmed and compiled as the build does
    layer = tmp_path / "python"
    for distribution in _distributions(SHARED / "requirements.txt"):
        for file in distribution.files or []:
            if ".." in file.parts or "__pycache__" in file.parts:
                continue
            destination = layer / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.symlink_to(Path(distribution.locate_file(file)).resolve())
    lambda_build.trim(layer)
    shutil.copytree(SHARED / "civicdesk", layer / "civicdesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    lambda_build.compile_bytecode(layer, sys.executable)
    used = sorted(services_the_code_uses())
    # WHEN a Python with nothing else on its path imports every module of the package and creates
    # a client of every service the code uses
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_"))}
    result = subprocess.run([sys.executable, "-I", "-S", str(ROOT / "infra" / "lambda_layer_check.py"),
                             str(layer), *used], capture_output=True, text=True, cwd=tmp_path, env=env)
    # THEN all of them load from the layer, from its bytecode, and nothing from anywhere else
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["modules"] > 100
    assert report["compiled_at_import"] == []
    assert report["outside"] == []
    # AND the models of the services nobody uses are gone
    assert report["ec2_model_present"] is False

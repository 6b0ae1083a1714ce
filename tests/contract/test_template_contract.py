"""template.yaml <-> code: routes, handlers, environment variables, tables, dependencies."""

import ast
import re
from pathlib import Path

import pytest

from civicdesk import config as civicdesk_config
from infra.local.template import ROOT, Template
from tests.support import aws

TEMPLATE = Template()
FUNCTIONS = TEMPLATE.functions()
CODE_DIRS = [ROOT / "functions"]
#: Variables the Lambda runtime itself sets (never in the template).
LAMBDA_RUNTIME_VARS = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                       "_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT"}


def python_files():
    for directory in CODE_DIRS:
        yield from (p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_handler_exists_and_is_callable():
    for logical_id, spec in FUNCTIONS.items():
        assert spec.module_path.is_file(), f"{logical_id}: {spec.module_path} missing"
        source = spec.module_path.read_text(encoding="utf-8")
        assert re.search(rf"^{spec.attribute}\s*=|^def {spec.attribute}\(", source, re.M), logical_id


API_FUNCTIONS = ("ApiFunction", "AdminApiFunction")


def test_chalice_routes_equal_template_events(aws_env):
    """The public and the staff function serve the same Chalice app; between them, their events
    are exactly its routes, each route once."""
    module = aws.load_function("ApiFunction")
    chalice_routes = {(path, method) for path, methods in module.app.routes.items()
                      for method in methods}
    template_routes = [(r.path, r.method) for r in TEMPLATE.routes() if r.function in API_FUNCTIONS]
    assert len(template_routes) == len(set(template_routes))
    assert chalice_routes == set(template_routes)
    for logical_id in API_FUNCTIONS:
        assert FUNCTIONS[logical_id].handler == "app.app"
        assert FUNCTIONS[logical_id].code_uri == FUNCTIONS["ApiFunction"].code_uri


def test_staff_routes_and_only_they_need_the_cognito_authorizer():
    api = TEMPLATE.resources["CivicDeskApi"]["Properties"]
    assert "StaffAuthorizer" in api["Auth"]["Authorizers"]
    assert "CitizenUserPool" in repr(api["Auth"]["Authorizers"]["CitizenAuthorizer"]["UserPoolArn"])
    assert "DefaultAuthorizer" not in api["Auth"]
    for logical_id in API_FUNCTIONS:
        for name, event in FUNCTIONS[logical_id].events.items():
            props = event["Properties"]
            staff = props["Path"].startswith("/v1/admin/")
            assert staff == (logical_id == "AdminApiFunction"), name
            authorizer = (props.get("Auth") or {}).get("Authorizer")
            # The citizen accounts' routes have the citizen pool's authorizer (docs/accounts.md).
            citizen = props["Path"].startswith("/v1/public/account/")
            expected = "StaffAuthorizer" if staff else "CitizenAuthorizer" if citizen else None
            assert authorizer == expected, name


def test_every_environment_variable_the_code_reads_is_set_by_the_template():
    read = set()
    # The operator tools (civicdesk/cli) run on an operator's machine, not in a function: what
    # they read besides the functions' settings (CIVICDESK_STATE_DIR) is theirs.
    for path in (p for p in python_files() if "cli" not in p.parts):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"(CIVICDESK|POWERTOOLS)_[A-Z_]+", node.value):
                read.add(node.value)
    assert read, "the scan found no variable at all: the pattern is broken"
    for logical_id, spec in FUNCTIONS.items():
        missing = {name for name in read if name.startswith("CIVICDESK_")} - set(spec.environment)
        assert not missing, f"{logical_id} lacks {missing}"
        assert "POWERTOOLS_SERVICE_NAME" in spec.environment

def test_settings_accept_what_the_template_provides(aws_env):
    import os

    settings = civicdesk_config.Settings.from_environ(dict(os.environ))
    assert settings.cases_table == aws_env.tables["CasesTable"]
    assert settings.mail_bucket == aws_env.buckets["MailBucket"]
    assert settings.attachments_bucket == aws_env.buckets["AttachmentsBucket"]


def test_no_scan_on_any_request_path():
    offenders = [str(p) for p in python_files()
                 if re.search(r"\.scan\(|\"Scan\"|\bScan\b", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_models_match_the_table_keys_and_indexes():
    from civicdesk.adapters.dynamodb.items import IdempotencyItem
    from civicdesk.adapters.dynamodb.table import DepartmentQueueIndex, TableItem

    table = TEMPLATE.resources["CasesTable"]["Properties"]
    keys = {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}
    assert keys == {"HASH": TableItem._hash_keyname, "RANGE": TableItem._range_keyname}
    indexes = {i["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]}
               for i in table["GlobalSecondaryIndexes"]}
    index = DepartmentQueueIndex
    schema = index._get_schema()
    assert indexes[index.Meta.index_name] == {k["KeyType"]: k["AttributeName"]
                                              for k in schema["key_schema"]}
    ttl = table["TimeToLiveSpecification"]["AttributeName"]
    assert IdempotencyItem.expires_at.attr_name == ttl
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_functions_use_the_layer_and_tracing():
    globals_ = TEMPLATE.doc["Globals"]["Function"]
    assert globals_["Tracing"] == "Active"
    layers = TEMPLATE.of_type("AWS::Serverless::LayerVersion")
    assert list(layers) == ["CivicDeskLayer"]
    assert layers["CivicDeskLayer"]["Properties"]["ContentUri"].rstrip("/") == "functions/shared"
    assert (ROOT / "functions/shared/Makefile").read_text().count("build-CivicDeskLayer:") == 1
    for logical_id in FUNCTIONS:
        makefile = ROOT / FUNCTIONS[logical_id].code_uri / "Makefile"
        assert f"build-{logical_id}:" in makefile.read_text(), logical_id


def test_pinned_requirements_are_consistent():
    def pins(path: Path) -> dict:
        out = {}
        for line in path.read_text().splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("-r"):
                out.update(pins(path.parent / line[2:].strip()))
            elif line:
                name, _, version = line.partition("==")
                assert version, f"{path}: {line} is not pinned"
                out[re.sub(r"\[.*\]", "", name).lower()] = version
        return out

    dev = pins(ROOT / "requirements-dev.txt")
    for layer_pkg, version in pins(ROOT / "functions/shared/requirements.txt").items():
        assert dev[layer_pkg] == version


DOMAIN_MODULES = sorted(f"civicdesk.domain.{p.stem}"
                        for p in (ROOT / "functions/shared/civicdesk/domain").glob("*.py"))


#: Besides the standard library, the domain's one library: msgspec, whose ``Struct`` are its
#: records (``docs/decisions.md``, 2026-12-02, "records are msgspec Structs"). Pure: no I/O.
DOMAIN_LIBRARIES = frozenset({"msgspec"})


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_imports_only_the_standard_library_and_its_records(module):
    import importlib
    import sys

    path = Path(importlib.import_module(module).__file__)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in DOMAIN_LIBRARIES, f"{module} imports {name}"


def test_only_adapters_and_composition_import_aws_libraries():
    allowed = {"adapters", "wiring", "observability.py", "redrive.py", "staff.py"}
    package = ROOT / "functions/shared/civicdesk"
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if relative.parts[0] in allowed or relative.name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+(boto3|botocore|pynamodb)", text, re.M), relative


def test_shapely_is_a_seed_time_dependency_only():
    # The layer ships neither shapely nor numpy (60 % of it once); only the seed step's
    # geometry check imports shapely, and the seed runs from the virtual environment.
    package = ROOT / "functions/shared/civicdesk"
    importers = {str(path.relative_to(package)) for path in package.rglob("*.py")
                 if re.search(r"^\s*(import|from)\s+(shapely|numpy)\b", path.read_text(encoding="utf-8"), re.M)}
    assert importers == {"adapters/config_files.py"}
    layer = (ROOT / "functions/shared/requirements.txt").read_text()
    assert not re.search(r"^(shapely|numpy)\b", layer, re.M | re.I)
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert re.search(r"^shapely==", dev, re.M) and re.search(r"^numpy==", dev, re.M)


def test_the_notify_queue_subscribes_to_exactly_the_event_types_that_notify_anyone():
    from civicdesk.domain.notifications import NOTIFIED_TYPES

    subscription = TEMPLATE.resources["NotifyQueueSubscription"]["Properties"]
    assert subscription["FilterPolicyScope"] == "MessageAttributes"
    assert sorted(subscription["FilterPolicy"]["type"]) == sorted(t.value for t in NOTIFIED_TYPES)
    assert subscription["RawMessageDelivery"] is True
    queue = TEMPLATE.resources["NotifyQueue"]["Properties"]
    function = TEMPLATE.resources["NotifyFunction"]["Properties"]
    # A message must not come back while the function may still be working on it.
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 3

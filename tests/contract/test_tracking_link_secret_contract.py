"""template.yaml <-> code: the tracking links' key (issue 11, item 2)."""

from infra.local.template import Template, reference_target

TEMPLATE = Template()
FUNCTIONS = TEMPLATE.functions()
#: The functions that write the requester's link or check one (wiring.tracking_links users):
#: tracking (public API), staff replies (admin API), notifications, the SMS after a bounce.
# Open311Function opens cases through the public case service, which makes their tracking link.
LINK_FUNCTIONS = {"ApiFunction", "AdminApiFunction", "NotifyFunction", "DeliveryFeedbackFunction",
                  "Open311Function"}


def _secret_readers() -> dict[str, list]:
    readers: dict[str, list] = {}
    for logical_id in FUNCTIONS:
        properties = TEMPLATE.resources[logical_id]["Properties"]
        for policy in properties.get("Policies") or []:
            for statement in (policy.get("Statement") or []) if isinstance(policy, dict) else []:
                if "secretsmanager:GetSecretValue" in str(statement.get("Action")):
                    readers.setdefault(logical_id, []).append(statement)
    return readers


def test_the_secret_is_generated_by_cloudformation_and_kept():
    secret = TEMPLATE.resources["TrackingLinkSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] >= 43  # 256 bits of letters and digits
    assert "SecretString" not in secret["Properties"]  # never a value in the template
    assert secret["DeletionPolicy"] == "Retain" and secret["UpdateReplacePolicy"] == "Retain"


def test_every_function_is_told_the_secret_and_only_the_link_functions_may_read_it():
    environment = TEMPLATE.doc["Globals"]["Function"]["Environment"]["Variables"]
    assert reference_target(environment["CIVICDESK_LINK_SECRET_ARN"]) == "TrackingLinkSecret"
    readers = _secret_readers()
    assert set(readers) == LINK_FUNCTIONS
    for statements in readers.values():
        [statement] = statements
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "secretsmanager:GetSecretValue"
        assert reference_target(statement["Resource"]) == "TrackingLinkSecret"

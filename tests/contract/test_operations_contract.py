"""template.yaml <-> what an operator needs to run it: an alarm for everything that can fail
quietly, a dashboard, the WAF in front of the API, the SES receipt rule set (issue 11, items
13-15).

Everything is derived from the template as CloudFormation receives it (after SAM's transform):
a dead-letter queue, function, stream consumer or work queue added later without its alarm or
its place on the dashboard fails here.
"""

from __future__ import annotations

import copy
import io
import json
import re
from contextlib import redirect_stdout
from typing import Any

import pytest

from infra.local.template import Template
from tests.contract.test_deployment_contract import evaluate, of_type, references, transformed

TEMPLATE = Template()
PARAMETERS = TEMPLATE.doc["Parameters"]
ALARM = "AWS::CloudWatch::Alarm"
DEFAULTS = {name: str(p.get("Default")) for name, p in PARAMETERS.items()}


@pytest.fixture(scope="module")
def document() -> dict:
    return transformed()


def ref(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return value["Ref"]
    return None


def getatt(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        logical_id, attribute = target if isinstance(target, list) else target.split(".", 1)
        return logical_id, attribute
    return None


def alarm_metrics(alarm: dict) -> list[dict]:
    """Every metric an alarm reads: (namespace, name, dimensions, statistic), whether a plain
    alarm or a metric math one."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return [{"namespace": properties["Namespace"], "name": properties["MetricName"],
                 "dimensions": properties.get("Dimensions", []),
                 "stat": properties.get("Statistic") or properties.get("ExtendedStatistic")}]
    metrics = []
    for query in properties["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            metrics.append({"namespace": metric["Namespace"], "name": metric["MetricName"],
                            "dimensions": metric.get("Dimensions", []),
                            "stat": query["MetricStat"]["Stat"]})
    return metrics


def alarms_on(document: dict, namespace: str, name: str) -> list[tuple[str, dict, dict]]:
    return [(logical_id, alarm, metric) for logical_id, alarm in of_type(document, ALARM).items()
            for metric in alarm_metrics(alarm)
            if metric["namespace"] == namespace and metric["name"] == name]


def dimension(metric: dict, name: str) -> Any:
    return next((d["Value"] for d in metric["dimensions"] if d["Name"] == name), None)


# -- what has to be watched, from the template ---------------------------------------------------

def failure_destinations(document: dict) -> set[str]:
    """Queues something parks its failures in: a redrive target, an on-failure destination of
    an asynchronous invocation or an event source mapping, a schedule's dead-letter queue."""
    queues = of_type(document, "AWS::SQS::Queue")
    found: set[str] = set()
    for resource in document["Resources"].values():
        properties = resource.get("Properties", {})
        redrive = properties.get("RedrivePolicy") or {}
        on_failure = (properties.get("DestinationConfig") or {}).get("OnFailure") or {}
        scheduler = ((properties.get("Target") or {}).get("DeadLetterConfig") or {}
                     if resource.get("Type") == "AWS::Scheduler::Schedule" else {})
        for value in (redrive.get("deadLetterTargetArn"), on_failure.get("Destination"),
                      scheduler.get("Arn")):
            target = getatt(value)
            if target and target[0] in queues:
                found.add(target[0])
    return found


def dead_letter_queues(document: dict) -> set[str]:
    named = {lid for lid in of_type(document, "AWS::SQS::Queue") if "DeadLetter" in lid}
    return failure_destinations(document) | named


def functions(document: dict) -> set[str]:
    return set(of_type(document, "AWS::Lambda::Function"))


def mappings(document: dict) -> dict[str, dict]:
    return {lid: res["Properties"] for lid, res in
            of_type(document, "AWS::Lambda::EventSourceMapping").items()}


def stream_consumers(document: dict) -> set[str]:
    """Functions reading a DynamoDB or Kinesis stream (their records expire: 24 h, or the
    Kinesis retention)."""
    consumers = set()
    for properties in mappings(document).values():
        logical_id, attribute = getatt(properties["EventSourceArn"]) or ("", "")
        kind = document["Resources"].get(logical_id, {}).get("Type")
        if attribute == "StreamArn" or kind == "AWS::Kinesis::Stream":
            consumers.add(ref(properties["FunctionName"]))
    return consumers


def work_queues(document: dict) -> set[str]:
    queues = of_type(document, "AWS::SQS::Queue")
    return {source[0] for properties in mappings(document).values()
            if (source := getatt(properties["EventSourceArn"])) and source[0] in queues}


def missing_alarms(document: dict) -> list[str]:
    """What has no alarm of its own, in words."""
    missing = []
    dlq_alarms = {getatt(dimension(metric, "QueueName"))[0]
                  for _, alarm, metric in alarms_on(document, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
                  if alarm["Properties"]["Threshold"] == 0
                  and alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"}
    missing += [f"dead-letter queue {q} (not empty)" for q in sorted(dead_letter_queues(document) - dlq_alarms)]
    for metric_name in ("Errors", "Throttles"):
        watched = {ref(dimension(metric, "FunctionName"))
                   for _, _, metric in alarms_on(document, "AWS/Lambda", metric_name)}
        missing += [f"function {f} ({metric_name})" for f in sorted(functions(document) - watched)]
    aged = {ref(dimension(metric, "FunctionName"))
            for _, _, metric in alarms_on(document, "AWS/Lambda", "IteratorAge")}
    missing += [f"stream consumer {f} (IteratorAge)" for f in sorted(stream_consumers(document) - aged)]
    oldest = {getatt(dimension(metric, "QueueName"))[0]
              for _, _, metric in alarms_on(document, "AWS/SQS", "ApproximateAgeOfOldestMessage")}
    missing += [f"work queue {q} (ApproximateAgeOfOldestMessage)"
                for q in sorted(work_queues(document) - oldest)]
    return missing


# -- item 13: alarms -----------------------------------------------------------------------------

def test_the_derivations_find_what_the_template_has(document):
    """Guard against a derivation that finds nothing and so passes everything."""
    assert dead_letter_queues(document) == {
        "IngestDeadLetterQueue", "EventsDeadLetterQueue", "NotifyDeadLetterQueue",
        "DeliveryEventsDeadLetterQueue", "JobsDeadLetterQueue", "EventsArchiveDeadLetterQueue",
        "StatisticsDeadLetterQueue", "InboundSmsDeadLetterQueue", "CampaignSendDeadLetterQueue",
        "CampaignPlanDeadLetterQueue", "SmsDeliveryEventsDeadLetterQueue"}
    # (the jobs' queue is the failure destination of each schedule and job function added)
    assert failure_destinations(document) >= {
        "IngestDeadLetterQueue", "EventsDeadLetterQueue", "NotifyDeadLetterQueue",
        "DeliveryEventsDeadLetterQueue", "EventsArchiveDeadLetterQueue"}
    assert {"ApiFunction", "AdminApiFunction", "IngestEmailFunction"} <= functions(document)
    assert stream_consumers(document) == {"PublishEventsFunction", "KeepStatisticsFunction"}
    assert work_queues(document) == {"NotifyQueue", "DeliveryEventsQueue", "InboundSmsQueue",
                                     "CampaignSendQueue", "CampaignPlanQueue", "SmsDeliveryEventsQueue"}


def test_everything_that_can_fail_quietly_has_an_alarm(document):
    assert missing_alarms(document) == []


def test_a_new_queue_or_function_without_an_alarm_is_reported(document):
    grown = copy.deepcopy(document)
    resources = grown["Resources"]
    resources["ReportsDeadLetterQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    resources["ReportsFunction"] = copy.deepcopy(resources["NotifyFunction"])
    resources["ReportsQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {"RedrivePolicy": {
        "deadLetterTargetArn": {"Fn::GetAtt": ["ReportsDeadLetterQueue", "Arn"]}}}}
    resources["ReportsMapping"] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
        "EventSourceArn": {"Fn::GetAtt": ["ReportsQueue", "Arn"]},
        "FunctionName": {"Ref": "ReportsFunction"}}}
    assert missing_alarms(grown) == [
        "dead-letter queue ReportsDeadLetterQueue (not empty)",
        "function ReportsFunction (Errors)", "function ReportsFunction (Throttles)",
        "work queue ReportsQueue (ApproximateAgeOfOldestMessage)"]


def test_every_alarm_tells_the_operator_when_it_fires_and_when_it_clears(document):
    alarms = of_type(document, ALARM)
    assert len(alarms) >= 25
    names = set()
    for logical_id, alarm in alarms.items():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": "AlarmTopic"}], logical_id
        # A stack's alarm names are its own: two municipalities in one account do not collide.
        name = properties["AlarmName"]["Fn::Sub"]
        assert name.startswith("${AWS::StackName} ") and name not in names, logical_id
        names.add(name)
        assert 80 <= len(properties["AlarmDescription"]) <= 1024, logical_id
        assert properties["TreatMissingData"] == "notBreaching", logical_id
        threshold = properties["Threshold"]
        if isinstance(threshold, dict):  # a parameter a municipality tunes, with a default
            assert "Default" in PARAMETERS[ref(threshold)], logical_id
        for metric in alarm_metrics(alarm):
            assert metric["stat"], logical_id


def test_the_alarm_descriptions_name_only_existing_outputs_and_parameters(document):
    """The descriptions point at outputs (<Name>) and parameters to look up; they must exist."""
    outputs = set(TEMPLATE.doc["Outputs"])
    assert of_type(document, ALARM)
    for logical_id, alarm in of_type(document, ALARM).items():
        text = alarm["Properties"]["AlarmDescription"]
        for name in re.findall(r"<([A-Za-z]+)>", text):
            assert name in outputs or name in functions(document), (logical_id, name)
        for word in re.findall(r"\b[A-Z][A-Za-z]+(?:Threshold|Milliseconds|Seconds|Percent|Usd|Concurrency)\b", text):
            assert word in PARAMETERS, (logical_id, word)


def test_the_alarm_descriptions_name_only_existing_doc_sections(document):
    from infra.local.template import ROOT

    for logical_id, alarm in of_type(document, ALARM).items():
        text = " ".join(alarm["Properties"]["AlarmDescription"].split())
        for doc, section in re.findall(r"(docs/[\w.]+), \"([^\"]+)\"", text):
            headings = re.findall(r"^#+ (.+)$", (ROOT / doc).read_text(encoding="utf-8"), re.M)
            assert section in headings, (logical_id, doc, section)


def test_the_api_alarms_cover_both_sides_latency_and_5xx(document):
    api_functions = {logical_id for logical_id, spec in TEMPLATE.functions().items()
                     if any(e.get("Type") == "Api" for e in spec.events.values())}
    assert api_functions == {"ApiFunction", "AdminApiFunction", "Open311Function"}
    for function in api_functions:
        percentiles = {metric["stat"] for _, _, metric in alarms_on(document, "AWS/Lambda", "Duration")
                       if ref(dimension(metric, "FunctionName")) == function}
        assert percentiles == {"p95", "p99"}, function
    patterns, namespaces = {}, set()
    for metric_filter in of_type(document, "AWS::Logs::MetricFilter").values():
        properties = metric_filter["Properties"]
        assert ref(properties["LogGroupName"]) == "ApiAccessLogGroup"
        transformation, = properties["MetricTransformations"]
        patterns[transformation["MetricName"]] = properties["FilterPattern"]
        namespaces.add(transformation["MetricNamespace"]["Fn::Sub"])
    namespace, = namespaces
    assert "${AWS::StackName}" in namespace  # two stacks in one account keep their figures apart
    for side in ("Public", "Staff"):
        errors, requests = patterns[f"{side}ServerErrors"], patterns[f"{side}Requests"]
        # the errors are the requests of the same side, answered 5xx
        assert errors == requests[:-2] + ' && $.status = "5*" }'
        (_, alarm, _), = alarms_on(document, {"Fn::Sub": namespace}, f"{side}ServerErrors")
        assert ref(alarm["Properties"]["Threshold"]) == "ApiErrorRateAlarmPercent"
        read = {metric["name"] for metric in alarm_metrics(alarm)}
        assert read == {f"{side}ServerErrors", f"{side}Requests"}


def test_the_access_log_filters_split_the_routes_as_the_template_does():
    """The staff side is the paths under the filters' prefix: exactly the admin function's
    routes (the access log's path is the route's resource path)."""
    patterns = [r["Properties"]["FilterPattern"] for r in TEMPLATE.of_type("AWS::Logs::MetricFilter").values()]
    prefixes = {re.search(r'\$\.path !?= "([^"*]+)\*"', p).group(1) for p in patterns}
    prefix, = prefixes
    for route in TEMPLATE.routes():
        assert route.path.startswith(prefix) == (route.function == "AdminApiFunction"), route.path


def test_the_access_log_has_the_fields_the_filters_read():
    access_log = TEMPLATE.resources["CivicDeskApi"]["Properties"]["AccessLogSetting"]["Format"]
    fields = json.loads(access_log)
    assert fields["path"] == "$context.resourcePath" and fields["status"] == "$context.status"


def test_mail_reputation_is_watched_for_every_configuration_set(document):
    sets = set(of_type(document, "AWS::SES::ConfigurationSet"))
    for metric_name in ("Reputation.BounceRate", "Reputation.ComplaintRate"):
        watched = {ref(dimension(metric, "ses:configuration-set"))
                   for _, _, metric in alarms_on(document, "AWS/SES", metric_name)}
        assert watched == sets, metric_name
    for configuration_set in sets:
        properties = document["Resources"][configuration_set]["Properties"]
        assert properties["ReputationOptions"]["ReputationMetricsEnabled"] is True
    # SES's own review thresholds are 5 % and 0.1 %: the defaults warn before them.
    assert float(DEFAULTS["MailBounceRateAlarmThreshold"]) < 0.05
    assert float(DEFAULTS["MailComplaintRateAlarmThreshold"]) < 0.001


def test_sms_spend_is_watched_against_a_parameter(document):
    (_, alarm, metric), = alarms_on(document, "AWS/SNS", "SMSMonthToDateSpentUSD")
    assert metric["dimensions"] == [] and metric["stat"] == "Maximum"
    assert ref(alarm["Properties"]["Threshold"]) == "SmsMonthlySpendAlarmUsd"


@pytest.mark.parametrize(("email", "subscribed"), [("", False), ("dezurni@vrsac.rs", True)])
def test_the_alarm_mail_is_subscribed_only_when_given(email, subscribed):
    document = transformed(AlarmEmail=email)
    subscription = document["Resources"]["AlarmEmailSubscription"]
    assert subscription["Properties"] == {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email",
                                          "Endpoint": {"Ref": "AlarmEmail"}}
    holds = evaluate({"Condition": subscription["Condition"]}, {**DEFAULTS, "AlarmEmail": email},
                     document["Conditions"])
    assert holds is subscribed
    assert re.fullmatch(PARAMETERS["AlarmEmail"]["AllowedPattern"], email)


def test_cloudwatch_may_publish_to_the_alarm_topic(document):
    topic = document["Resources"]["AlarmTopic"]["Properties"]
    # An alarm cannot publish to a topic under the AWS managed key aws/sns.
    assert "KmsMasterKeyId" not in topic
    policy, = (p for p in of_type(document, "AWS::SNS::TopicPolicy").values()
               if p["Properties"]["Topics"] == [{"Ref": "AlarmTopic"}])
    statement, = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"


# -- item 13: the dashboard ----------------------------------------------------------------------

def dashboard_body(document: dict) -> dict:
    """The dashboard's JSON with its ``${}`` references replaced: parameters by their defaults,
    resources by ``<logical id>`` (attributes ``<logical id>.<attribute>``)."""
    body = document["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name in PARAMETERS:
            return DEFAULTS[name]
        assert name in ("AWS::Region", "AWS::StackName") or name.split(".")[0] in document["Resources"], name
        return f"<{name}>"

    return json.loads(re.sub(r"\$\{([^}]+)\}", substitute, body))


def dashboard_metrics(body: dict) -> list[list]:
    return [metric for widget in body["widgets"] for metric in widget["properties"].get("metrics", [])]


def emitted_dimension_sets() -> dict[str, set[str]]:
    """What civicdesk.observability writes, by metric name: its dimension names."""
    from civicdesk.observability import FunctionMetrics, PowertoolsMetricsSink

    metrics = FunctionMetrics(service="contract")
    sink = PowertoolsMetricsSink()

    @metrics.log_metrics
    def handler(event, context):
        sink.case_opened("web", "signal")
        sink.mail_received("quarantined")

    captured = io.StringIO()
    with redirect_stdout(captured):
        handler({}, None)
    found: dict[str, set[str]] = {}
    for line in captured.getvalue().splitlines():
        document = json.loads(line)
        directive, = document["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]:
            found[metric["Name"]] = set(directive["Dimensions"][0])
            found[metric["Name"] + ":namespace"] = {directive["Namespace"]}
    return found


def test_the_dashboard_reads_the_metrics_the_functions_write(document):
    from civicdesk.domain.cases import Channel

    body = dashboard_body(document)
    searches = [m[0]["expression"] for m in dashboard_metrics(body)
                if isinstance(m[0], dict) and "SEARCH(" in m[0]["expression"]]
    emitted = emitted_dimension_sets()
    namespace = TEMPLATE.doc["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    seen = set()
    for expression in searches:
        schema, name = re.search(r"\{([^}]+)\} MetricName=\"(\w+)\"", expression).groups()
        schema_namespace, *dimensions = schema.split(",")
        assert schema_namespace == namespace and emitted[f"{name}:namespace"] == {namespace}
        # One metric, one dimension set: a schema with other dimensions finds nothing.
        assert set(dimensions) == emitted[name], expression
        seen.add(name)
    assert seen == {"CaseOpened", "MailReceived"}
    channels = {re.search(r'channel=\\?"(\w+)\\?"', e).group(1) for e in searches if "channel=" in e}
    assert channels == {channel.value for channel in Channel}
    assert any('outcome="quarantined"' in e for e in searches)


def test_the_dashboard_shows_every_function_queue_and_dead_letter_queue(document):
    body = dashboard_body(document)
    shown: dict[str, set[str]] = {}
    for metric in dashboard_metrics(body):
        if isinstance(metric[0], str):
            namespace, name, *rest = [m for m in metric if isinstance(m, str)]
            shown.setdefault(f"{namespace} {name}", set()).update(rest)
    for function in functions(document):
        assert f"<{function}>" in shown["AWS/Lambda Errors"], function
        assert f"<{function}>" in shown["AWS/Lambda Throttles"], function
    for queue in dead_letter_queues(document):
        assert f"<{queue}.QueueName>" in shown["AWS/SQS ApproximateNumberOfMessagesVisible"], queue
    for queue in work_queues(document):
        assert f"<{queue}.QueueName>" in shown["AWS/SQS ApproximateAgeOfOldestMessage"], queue
    for function in stream_consumers(document):
        assert f"<{function}>" in shown["AWS/Lambda IteratorAge"], function
    for function in ("ApiFunction", "AdminApiFunction"):
        assert f"<{function}>" in shown["AWS/Lambda Duration"]
    assert "AWS/ApiGateway Latency" in shown and "AWS/WAFV2 BlockedRequests" in shown


def test_the_dashboard_widgets_fit_the_grid(document):
    for widget in dashboard_body(document)["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        assert widget["properties"]["region"] == "<AWS::Region>"


# -- item 14: WAF --------------------------------------------------------------------------------

def web_acl(document: dict) -> dict:
    (_, acl), = of_type(document, "AWS::WAFv2::WebACL").items()
    return acl


def rules(document: dict) -> dict[str, dict]:
    return {rule["Name"]: rule for rule in web_acl(document)["Properties"]["Rules"]}


def concrete(path: str) -> str:
    """A route's path as a client sends it: each ``{parameter}`` filled in."""
    return re.sub(r"\{[^}]+\}", "2026-000123", path)


def matches(statement: dict, method: str, path: str) -> bool:
    """Whether a WAF statement of the kinds the template uses matches a request (the Python
    regular expressions agree with WAF's on the patterns used here)."""
    (kind, body), = statement.items()
    if kind == "AndStatement":
        return all(matches(s, method, path) for s in body["Statements"])
    if kind == "NotStatement":
        return not matches(body["Statement"], method, path)
    field = method if "Method" in body["FieldToMatch"] else path
    assert set(body["FieldToMatch"]) <= {"Method", "UriPath"}
    if kind == "RegexMatchStatement":
        return re.search(body["RegexString"], field) is not None
    if kind == "ByteMatchStatement":
        search, how = body["SearchString"], body["PositionalConstraint"]
        return {"EXACTLY": field == search, "STARTS_WITH": field.startswith(search),
                "CONTAINS": search in field}[how]
    raise AssertionError(f"unknown statement {kind}")


def requests_matched(rule: dict) -> set[tuple[str, str]]:
    scope = rule["Statement"]["RateBasedStatement"].get("ScopeDownStatement")
    return {(r.method.upper(), r.path) for r in TEMPLATE.routes()
            if scope is None or matches(scope, r.method.upper(), concrete(r.path))}


def test_the_api_stage_is_behind_a_regional_web_acl(document):
    acl = web_acl(document)
    assert acl["Properties"]["Scope"] == "REGIONAL"
    assert acl["Properties"]["DefaultAction"] == {"Allow": {}}
    association, = of_type(document, "AWS::WAFv2::WebACLAssociation").values()
    assert getatt(association["Properties"]["WebACLArn"]) == ("ApiWebAcl", "Arn")
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    stage_id, = of_type(document, "AWS::ApiGateway::Stage")
    api_id, = of_type(document, "AWS::ApiGateway::RestApi")
    assert arn.endswith(f"/restapis/${{{api_id}}}/stages/${{{stage_id}}}")


@pytest.mark.parametrize("enabled", ["true", "false"])
def test_the_waf_is_switched_by_a_parameter(enabled):
    document = transformed(EnableWaf=enabled)
    parameters = {**DEFAULTS, "EnableWaf": enabled}
    waf = {lid for lid, res in document["Resources"].items()
           if res["Type"].startswith("AWS::WAFv2::") or lid == "ApiWebAclLogGroup"}
    assert len(waf) == 4
    for logical_id in waf:
        condition = document["Resources"][logical_id]["Condition"]
        assert evaluate({"Condition": condition}, parameters, document["Conditions"]) is (enabled == "true")
    # Nothing that stays when the WAF is off refers to it.
    for logical_id, resource in document["Resources"].items():
        if logical_id not in waf:
            assert not set(references(resource.get("Properties", {}))) & waf, logical_id
    for name, output in document.get("Outputs", {}).items():
        if set(references(output["Value"])) & waf:
            assert output["Condition"] == "UsesWaf", name


def test_the_follow_route_and_case_creation_have_much_lower_limits_than_the_public_routes(document):
    by_name = rules(document)
    follow_route, = [(r.method.upper(), r.path) for r in TEMPLATE.routes()
                     if r.event == "PublicFollowCase"]
    # a new case, and the requester's answers and reopenings from the tracking page (issue 16)
    creation_routes = {(r.method.upper(), r.path) for r in TEMPLATE.routes()
                       if r.event in ("PublicOpenCase", "PublicAnswerCase", "PublicReopenCase")}
    public_routes = {(r.method.upper(), r.path) for r in TEMPLATE.routes() if r.function in ("ApiFunction", "Open311Function")}
    assert requests_matched(by_name["follow-per-client"]) == {follow_route}
    assert requests_matched(by_name["case-creation-per-client"]) == creation_routes
    assert len(creation_routes) == 3
    assert requests_matched(by_name["public-routes-per-client"]) == public_routes
    assert requests_matched(by_name["source-address-backstop"]) == {
        (r.method.upper(), r.path) for r in TEMPLATE.routes()}
    limits = {name: int(DEFAULTS[ref(rule["Statement"]["RateBasedStatement"]["Limit"])])
              for name, rule in by_name.items() if "RateBasedStatement" in rule["Statement"]}
    assert limits["follow-per-client"] * 10 <= limits["public-routes-per-client"]
    assert limits["case-creation-per-client"] * 10 <= limits["public-routes-per-client"]
    assert limits["public-routes-per-client"] < limits["source-address-backstop"]
    for name in limits:
        parameter = PARAMETERS[ref(by_name[name]["Statement"]["RateBasedStatement"]["Limit"])]
        assert parameter["MinValue"] >= 10  # WAF's smallest rate limit


def test_the_per_client_limits_count_the_viewer_behind_cloudfront(document):
    """API Gateway sees CloudFront's edge addresses; the viewer is in X-Forwarded-For."""
    for name, rule in rules(document).items():
        statement = rule["Statement"].get("RateBasedStatement")
        if statement is None:
            continue
        assert statement["EvaluationWindowSec"] == 300
        if name.endswith("-per-client"):
            assert statement["AggregateKeyType"] == "FORWARDED_IP"
            # a first entry that is no address (proxies send "unknown") must not block a citizen
            assert statement["ForwardedIPConfig"] == {"HeaderName": "X-Forwarded-For",
                                                      "FallbackBehavior": "NO_MATCH"}
        else:
            assert statement["AggregateKeyType"] == "IP"


def test_blocked_requests_get_the_apis_error_shape_and_429(document):
    acl = web_acl(document)["Properties"]
    throttled = TEMPLATE.resources["CivicDeskApi"]["Properties"]["GatewayResponses"]["THROTTLED"]
    gateway_code = json.loads(throttled["ResponseTemplates"]["application/json"])["error"]["code"]
    for name, rule in rules(document).items():
        if "RateBasedStatement" in rule["Statement"]:
            response = rule["Action"]["Block"]["CustomResponse"]
            assert response["ResponseCode"] == 429, name
            body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
            assert json.loads(body["Content"])["error"]["code"] == gateway_code
    for body in acl["CustomResponseBodies"].values():
        assert set(json.loads(body["Content"])["error"]) == {"code", "message"}


def test_managed_rule_groups_block_or_count_as_decided(document):
    by_name = rules(document)
    assert by_name["aws-ip-reputation"]["OverrideAction"] == {"None": {}}
    assert by_name["aws-known-bad-inputs"]["OverrideAction"] == {"None": {}}
    common = by_name["aws-common-rule-set"]
    condition, when_blocking, otherwise = common["OverrideAction"]["Fn::If"]
    assert (when_blocking, otherwise) == ({"None": {}}, {"Count": {}})
    assert DEFAULTS["WafCommonRuleSetAction"] == "count"
    assert not evaluate({"Condition": condition}, DEFAULTS, document["Conditions"])
    overrides = common["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}} in overrides


def test_every_rule_has_its_own_priority_and_metric(document):
    all_rules = web_acl(document)["Properties"]["Rules"]
    assert len({r["Priority"] for r in all_rules}) == len(all_rules)
    assert len({r["VisibilityConfig"]["MetricName"] for r in all_rules}) == len(all_rules)
    assert all(r["VisibilityConfig"]["CloudWatchMetricsEnabled"] for r in all_rules)


def test_waf_logs_what_it_blocks_or_counts_without_staff_tokens(document):
    logging, = of_type(document, "AWS::WAFv2::LoggingConfiguration").values()
    properties = logging["Properties"]
    assert getatt(properties["ResourceArn"]) == ("ApiWebAcl", "Arn")
    group = document["Resources"]["ApiWebAclLogGroup"]["Properties"]
    assert group["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-")
    destination, = properties["LogDestinationConfigs"]
    assert destination["Fn::Sub"].endswith(":log-group:${ApiWebAclLogGroup}")
    assert {"SingleHeader": {"Name": "authorization"}} in properties["RedactedFields"]
    assert properties["LoggingFilter"]["DefaultBehavior"] == "DROP"


# -- item 15: one active SES receipt rule set per account and region ----------------------------

@pytest.mark.parametrize("shared", ["", "civicdesk-shared"])
def test_the_receipt_rule_goes_into_the_stacks_own_or_the_shared_rule_set(shared):
    document = transformed(SharedReceiptRuleSetName=shared)
    parameters = {**DEFAULTS, "SharedReceiptRuleSetName": shared}
    resources = document["Resources"]
    own = evaluate({"Condition": resources["InboundRuleSet"]["Condition"]}, parameters,
                   document["Conditions"])
    assert own is (shared == "")
    condition, when_own, otherwise = resources["InboundRule"]["Properties"]["RuleSetName"]["Fn::If"]
    assert resources["InboundRuleSet"]["Condition"] == condition
    assert (when_own, otherwise) == ({"Ref": "InboundRuleSet"}, {"Ref": "SharedReceiptRuleSetName"})
    # SES may store mail into the bucket for this stack's rule only, in whichever set it is.
    rule_name = resources["InboundRule"]["Properties"]["Rule"]["Name"]["Fn::Sub"]
    statement = next(s for s in resources["MailBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
                     if s["Sid"] == "SesStoresIncomingMail")
    arn, variables = statement["Condition"]["ArnLike"]["AWS:SourceArn"]["Fn::Sub"]
    assert arn.endswith(f":receipt-rule-set/${{RuleSet}}:receipt-rule/{rule_name}")
    assert variables["RuleSet"]["Fn::If"] == [
        condition, {"Fn::Sub": resources["InboundRuleSet"]["Properties"]["RuleSetName"]["Fn::Sub"]},
        {"Ref": "SharedReceiptRuleSetName"}]
    output = document["Outputs"]["InboundRuleSetName"]["Value"]["Fn::If"]
    assert output == [condition, {"Ref": "InboundRuleSet"}, {"Ref": "SharedReceiptRuleSetName"}]

"""The local runtime creates what a deploy with the default parameters creates: a resource whose
``Condition`` is false is left out (the alarm mail subscription has no endpoint by default)."""

from infra.local.template import Template, load_template


def test_a_resource_whose_condition_is_false_by_default_is_not_provisioned():
    template = Template()
    assert "AlarmEmailSubscription" in template.resources
    assert "AlarmEmailSubscription" not in template.of_type("AWS::SNS::Subscription")
    assert "NotifyQueueSubscription" in template.of_type("AWS::SNS::Subscription")
    # the conditions that hold by default keep their resources
    assert "InboundRuleSet" in template.of_type("AWS::SES::ReceiptRuleSet")
    assert "ApiWebAcl" in template.of_type("AWS::WAFv2::WebACL")


def test_conditions_are_evaluated_with_the_parameters_given():
    template = Template()
    assert not template.condition_holds("HasAlarmEmail")
    assert template.condition_holds("HasAlarmEmail", {"AlarmEmail": "dezurni@vrsac.rs"})
    assert not template.condition_holds("CreatesOwnReceiptRuleSet",
                                        {"SharedReceiptRuleSetName": "civicdesk-shared"})
    assert template.condition_holds("ReservesPublicApiConcurrency")
    assert not template.condition_holds("ReservesPublicApiConcurrency",
                                        {"PublicApiReservedConcurrency": 0})


def test_a_condition_on_a_subscription_leaves_it_out_of_the_local_provisioning():
    document = load_template()
    assert document["Resources"]["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    del document["Resources"]["AlarmEmailSubscription"]["Condition"]
    assert "AlarmEmailSubscription" in Template(document).of_type("AWS::SNS::Subscription")

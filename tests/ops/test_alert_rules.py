"""The shipped alert rules: valid, tested with `promtool test rules`, and shipped identically
as a plain rules file and as the chart's PrometheusRule."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from ops_tools import CHART, RULES, find, promtool, render, run

from m365inventory import metrics

RULE_TESTS = Path(__file__).parent / "promtool" / "m365-inventory.rules.test.yaml"
ALERTS = {
    "M365InventorySyncFailing",
    "M365InventorySyncStale",
    "M365InventoryCredentialsInvalid",
    "M365InventoryClientSecretExpiringSoon",
    "M365InventoryClientSecretExpired",
    "M365InventoryUnmatchedTenants",
    "M365InventoryUnmatchedDevices",
    "M365InventoryConnectorDegraded",
}


def rules() -> list[dict[str, object]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_promtool_checks_the_rules_file() -> None:
    result = run(promtool(), "check", "rules", RULES)
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    result = run(promtool(), "test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_unit_test() -> None:
    tested = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    assert tested == ALERTS == {str(rule["alert"]) for rule in rules()}


def test_rules_use_only_metrics_the_operator_exports() -> None:
    exported = {
        value
        for name, value in vars(metrics).items()
        if name.isupper() and isinstance(value, str) and value.startswith("m365_inventory_")
    }
    for rule in rules():
        used = set(re.findall(r"m365_inventory_[a-z_]+", str(rule["expr"])))
        assert used, rule["alert"]
        assert used <= exported, (rule["alert"], used - exported)


def test_every_alert_has_a_severity_and_a_summary() -> None:
    for rule in rules():
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}  # type: ignore[index]
        assert rule["annotations"]["summary"]  # type: ignore[index]
        assert rule["annotations"]["description"]  # type: ignore[index]


def test_the_chart_ships_the_same_rules() -> None:
    assert (CHART / "files" / RULES.name).read_text() == RULES.read_text()
    docs = render(values={"prometheusRule": {"enabled": True, "labels": {"release": "kps"}}})
    (rule,) = find(docs, "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["labels"]["release"] == "kps"
    assert rule["spec"] == yaml.safe_load(RULES.read_text())


def test_the_rendered_prometheus_rule_passes_promtool(tmp_path: Path) -> None:
    (rule,) = find(render(values={"prometheusRule": {"enabled": True}}), "PrometheusRule")
    path = tmp_path / "rendered.rules.yaml"
    path.write_text(yaml.safe_dump(rule["spec"]))
    result = run(promtool(), "check", "rules", path)
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout

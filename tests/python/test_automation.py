"""Automation rules (自动化规则, R8) through the binding: the shipped templates,
event and time triggers, conditions, actions, refused rules with the path of
the mistake, versions, the loop guard, the run log, permissions and the
simulation.  The clock is fixed and moved by hand (never slept on)."""

import json
from datetime import timedelta

import pytest

import crm
from conftest import sales_org, utc, valid_customer

T0 = utc(2026, 11, 23, 2, 0)  # Monday 10:00 in Shanghai
HOUR = timedelta(hours=1)
MS = timedelta(milliseconds=1)


@pytest.fixture
def org(db, session):
    """The sales organisation of conftest.sales_org at T0, with 李娜
    (``manager``) as the supervisor of 华东销售部."""
    o = sales_org(db, session, T0)
    session.update_department("华东销售部", supervisor=o.manager_id)
    return o


def automation_messages(admin):
    """Every outbox message written by a rule, in id order."""
    return [m for m in admin.outbox(limit=1000) if m["kind"] == "automation"]


def outcomes(admin, rule_id=0):
    return [r["outcome"] for r in admin.automation_runs(rule_id, limit=1000)]


def tag_labels(admin, customer):
    return {t["label"] for t in admin.customer_tags(customer)}


def template(admin, code):
    """The id of the shipped template ``code``."""
    ids = [r["id"] for r in admin.automation_rules() if r["template"] == code]
    assert len(ids) == 1, "template %s: %r" % (code, admin.automation_rules())
    return ids[0]


def save_enabled(admin, rule):
    rid, version = admin.save_automation_rule(rule)
    assert version == 1
    admin.enable_automation_rule(rid)
    return rid


def at(db, when):
    """Move the database clock to ``when``."""
    db.set_clock(when)


def tick(db, admin, when):
    """The host's scheduler at ``when``: the clock moves there and ticks."""
    db.set_clock(when)
    return admin.tick(when)


NOTIFY_OWNER = {"type": "notify", "to": "owner", "channels": "app",
                "template_zh": "客户{customer}：{field}由{before}改为{after}",
                "template_en": "{customer}: {field} {before} -> {after}"}


# -- the shipped templates ------------------------------------------------------


def test_the_templates_ship_disabled_and_high_potential_reminds_the_sales_managers(org):
    a = org.admin
    rules = a.automation_rules()
    assert sorted(r["template"] for r in rules) == [
        "high_potential_tag", "intent_stale_24h", "intent_stale_48h", "status_stale_3d"]
    assert [r["enabled"] for r in rules] == [0, 0, 0, 0]
    for r in rules:
        assert r["problem"] is None, r
        assert json.loads(r["definition"])["trigger"]["event"] == r["event"]

    org.rep.tag_customer(org.a, "高潜力")
    assert automation_messages(a) == [], "a disabled template does nothing"
    assert a.automation_runs() == []
    org.rep.untag_customer(org.a, "高潜力")

    rid = template(a, "high_potential_tag")
    a.enable_automation_rule(rid)
    assert a.automation_rule(rid)["enabled"] == 1
    org.rep.tag_customer(org.a, "高潜力")
    msgs = automation_messages(a)
    assert len(msgs) >= 1
    assert {m["recipient_role"] for m in msgs} == {"sales_manager"}
    assert {m["customer"] for m in msgs} == {org.a}
    assert "被标记为高潜力" in msgs[0]["message"], msgs[0]["message"]
    assert "{" not in msgs[0]["message"] and "{" not in msgs[0]["message_en"]
    runs = a.automation_runs(rid)
    assert [(r["rule"], r["outcome"], r["customer"], r["event"]) for r in runs] == [
        (rid, "fired", org.a, "tag_added")]


def test_status_stale_template_fires_at_three_days_once(db, org):
    a = org.admin
    a.enable_automation_rule(template(a, "status_stale_3d"))
    c = org.rep.create_customer(valid_customer(phone="13712345678"))
    tick(db, a, T0 + timedelta(days=3) - MS)
    assert automation_messages(a) == []
    tick(db, a, T0 + timedelta(days=3))
    msgs = automation_messages(a)
    assert [(m["customer"], m["recipient_user"]) for m in msgs if m["customer"] == c] == [
        (c, org.rep_id)]
    tick(db, a, T0 + timedelta(days=9))
    assert len([m for m in automation_messages(a) if m["customer"] == c]) == 1, \
        "once per unchanged stretch"


# -- triggers and conditions ------------------------------------------------------


def test_field_changed_with_all_any_not_conditions(org):
    a = org.admin
    rid = save_enabled(a, {
        "name": "华东客户降为低优先级",
        "trigger": {"event": "field_changed", "field": "priority", "to": "低"},
        "conditions": {"all": [
            {"any": [{"owner_department": "销售中心"}, {"tag": "高潜力"}]},
            {"not": {"owner_department": "华南销售部"}},
            {"field": "key_needs", "op": "contains", "value": "产线"},
        ]},
        "actions": [dict(NOTIFY_OWNER)]})
    org.rep.update_customer(org.a, priority="低")          # 华东, below 销售中心: fires
    org.south.update_customer(org.s, priority="低")        # 华南: the "not" says no
    org.colleague.update_customer(org.b, priority="中")    # not to 低
    msgs = automation_messages(a)
    assert [(m["customer"], m["recipient_user"]) for m in msgs] == [(org.a, org.rep_id)]
    assert msgs[0]["message"].startswith("客户%s：" % a.get_customer(org.a)["name"])
    assert "{" not in msgs[0]["message"] + msgs[0]["message_en"]
    org.colleague.update_customer(org.b, key_needs="采购办公家具")
    org.colleague.update_customer(org.b, priority="低")    # needs do not contain 产线
    assert len(automation_messages(a)) == 1
    assert outcomes(a, rid) == ["fired"]


def test_custom_field_conditions_at_their_boundaries(org):
    """An integer (>=) and a date (<=) custom field, each compared exactly at
    its boundary; the values are set first, the priority change triggers."""
    a = org.admin
    a.define_custom_field("budget", "integer", "预算（万元）")
    a.define_custom_field("contract_end", "date", "合同到期日")
    save_enabled(a, {
        "name": "大额预算且年底前到期",
        "trigger": {"event": "field_changed", "field": "priority"},
        "conditions": {"all": [
            {"field": "custom.budget", "op": ">=", "value": 100},
            {"field": "custom.contract_end", "op": "not_null"},
            {"field": "custom.contract_end", "op": "<=", "value": "2026-12-31"}]},
        "actions": [{"type": "add_tag", "tag": "高潜力"}]})

    def change(budget, contract_end, priority):
        org.rep.update_customer(org.a, {"custom.budget": budget,
                                        "custom.contract_end": contract_end})
        org.rep.update_customer(org.a, priority=priority)
        return "高潜力" in tag_labels(a, org.a)

    assert not change(100, None, "中"), "not_null"
    assert not change(99, "2026-12-31", "低"), "99 < 100"
    assert not change(100, "2027-01-01", "中"), "a day after the boundary"
    assert change(100, "2026-12-31", "低"), "both boundaries themselves hold"


def test_a_condition_on_the_changed_custom_field_sees_the_new_value(org):
    a = org.admin
    a.define_custom_field("budget", "integer", "预算（万元）")
    save_enabled(a, {
        "name": "大额预算",
        "trigger": {"event": "field_changed", "field": "custom.budget"},
        "conditions": {"field": "custom.budget", "op": ">=", "value": 100},
        "actions": [{"type": "add_tag", "tag": "高潜力"}]})
    org.rep.update_customer(org.a, {"custom.budget": 100})
    assert "高潜力" in tag_labels(a, org.a), ">= holds at the boundary itself"


def test_a_tag_condition(org):
    a = org.admin
    save_enabled(a, {
        "name": "高潜力客户转意向",
        "trigger": {"event": "stage_entered", "stage": "意向"},
        "conditions": {"tag": "高潜力"},
        "actions": [dict(NOTIFY_OWNER)]})
    org.rep.tag_customer(org.a, "高潜力")
    org.rep.set_customer_type(org.a, "意向")
    org.colleague.set_customer_type(org.b, "意向")
    assert [m["customer"] for m in automation_messages(a)] == [org.a]


# -- actions ------------------------------------------------------------------------


def test_every_kind_of_action_changes_the_customer_or_writes_a_message(db, org):
    a = org.admin
    org.rep.tag_customer(org.a, "高潜力")
    rid = save_enabled(a, {
        "name": "意向客户交接",
        "trigger": {"event": "stage_entered", "stage": "意向"},
        "actions": [
            {"type": "remove_tag", "tag": "高潜力"},
            {"type": "add_tag", "tag": "采购设备"},
            {"type": "set_field", "field": "priority", "value": "中"},
            {"type": "assign_owner", "user": org.colleague_id},
            {"type": "create_plan", "after_hours": 2, "goal": "确认预算", "method": "电话"},
            {"type": "notify", "to": "owner", "channels": "app,email",
             "template_zh": "客户{customer}已转为意向，负责人{owner}",
             "template_en": "{customer} is now an intent customer, owner {owner}"},
            {"type": "escalate", "channels": "app",
             "template_zh": "请关注意向客户{customer}", "template_en": "watch {customer}"},
        ]})
    org.rep.set_customer_type(org.a, "意向")
    c = a.get_customer(org.a)
    assert c["type"] == "intent"
    assert c["priority"] == "medium"
    assert c["owner"] == org.colleague_id
    assert tag_labels(a, org.a) == {"采购设备"}
    plans = a.plans(org.a)
    assert len(plans) == 1
    assert plans[0]["goal"] == "确认预算"
    assert plans[0]["planned_at"] == crm.to_ms(T0 + 2 * HOUR)
    msgs = automation_messages(a)
    by_channel = sorted((m["channel"], m["recipient_user"]) for m in msgs)
    owner_msgs = [m for m in msgs if m["recipient_user"] != org.manager_id]
    assert sorted(m["channel"] for m in owner_msgs) == ["app", "email"]
    assert [(m["channel"], m["recipient_user"]) for m in msgs
            if m["recipient_user"] == org.manager_id] == [("app", org.manager_id)], by_channel
    assert outcomes(a, rid) == ["fired"]
    assert a.get_customer(org.a)["type"] == "intent", "the triggering change stands"


def test_a_notify_to_a_user_and_to_the_supervisor(org):
    a = org.admin
    save_enabled(a, {
        "name": "新客户通知",
        "trigger": {"event": "created"},
        "actions": [
            {"type": "notify", "to": "user:%d" % org.marketing_id, "channels": "app",
             "template_zh": "新客户{customer}（{customer_id}）", "template_en": "new {customer}"},
            {"type": "notify", "to": "supervisor", "channels": "app",
             "template_zh": "新客户{customer}", "template_en": "new {customer}"}]})
    c = org.rep.create_customer(valid_customer(phone="13712345678"))
    msgs = automation_messages(a)
    assert sorted(m["recipient_user"] for m in msgs) == sorted([org.marketing_id,
                                                                org.manager_id])
    assert all(m["customer"] == c for m in msgs)
    assert any(c in m["message"] for m in msgs), [m["message"] for m in msgs]


def test_the_tag_placeholder_reads_as_the_label(org):
    a = org.admin
    save_enabled(a, {
        "name": "标签提醒", "trigger": {"event": "tag_added", "tag": "高潜力"},
        "actions": [{"type": "notify", "to": "owner", "channels": "app",
                     "template_zh": "{customer}被标记为{tag}", "template_en": "{customer}: {tag}"}]})
    org.rep.tag_customer(org.a, "高潜力")
    [m] = automation_messages(a)
    assert m["message"] == "%s被标记为高潜力" % a.get_customer(org.a)["name"]


def test_the_change_placeholders_read_as_labels(org):
    a = org.admin
    save_enabled(a, {
        "name": "优先级变化", "trigger": {"event": "field_changed", "field": "priority"},
        "actions": [dict(NOTIFY_OWNER)]})
    org.rep.update_customer(org.a, priority="低")
    [m] = automation_messages(a)
    assert m["message"].endswith("：需求优先级由高改为低"), m["message"]


# -- time triggers -------------------------------------------------------------------


def test_no_change_fires_exactly_at_its_boundary_and_a_change_restarts_it(db, org):
    a = org.admin
    rid = save_enabled(a, {
        "name": "意向客户一天未更新",
        "trigger": {"event": "no_change", "hours": 24},
        "actions": [{"type": "notify", "to": "owner", "channels": "app",
                     "template_zh": "客户{customer}已24小时未更新",
                     "template_en": "{customer} not updated for 24 hours"}]})
    c = org.rep.create_customer(valid_customer(phone="13712345678"))
    mine = lambda: [m for m in automation_messages(a) if m["customer"] == c]  # noqa: E731

    tick(db, a, T0 + 24 * HOUR - MS)
    assert mine() == [], "1 ms before the boundary"
    at(db, T0 + 12 * HOUR)
    org.rep.update_customer(c, key_needs="采购数控机床")    # the clock starts again
    tick(db, a, T0 + 24 * HOUR)
    assert mine() == [], "restarted by the change at 12 h"
    tick(db, a, T0 + 36 * HOUR - MS)
    assert mine() == []
    tick(db, a, T0 + 36 * HOUR)
    msgs = mine()
    assert [(m["recipient_user"], m["channel"]) for m in msgs] == [(org.rep_id, "app")]
    runs = [r for r in a.automation_runs(rid) if r["customer"] == c]
    assert [(r["event"], r["outcome"], r["at"]) for r in runs] == [
        ("no_change", "fired", crm.to_ms(T0 + 36 * HOUR))]
    tick(db, a, T0 + 100 * HOUR)
    assert len(mine()) == 1, "once per unchanged stretch"


def test_no_change_of_one_field_ignores_other_changes(db, org):
    a = org.admin
    save_enabled(a, {
        "name": "优先级两天未变",
        "trigger": {"event": "no_change", "field": "priority", "days": 2},
        "actions": [{"type": "add_tag", "tag": "高潜力"}]})
    c = org.rep.create_customer(valid_customer(phone="13712345678"))
    at(db, T0 + 24 * HOUR)
    org.rep.update_customer(c, key_needs="采购数控机床")    # not the priority
    tick(db, a, T0 + 48 * HOUR - MS)
    assert "高潜力" not in tag_labels(a, c)
    tick(db, a, T0 + 48 * HOUR)
    assert "高潜力" in tag_labels(a, c)


# -- refused rules ---------------------------------------------------------------------


def _rule(**parts):
    rule = {"name": "测试规则", "trigger": {"event": "created"},
            "actions": [{"type": "add_tag", "tag": "高潜力"}]}
    rule.update(parts)
    return rule


BAD_RULES = [
    pytest.param("{", "invalid JSON", id="bad-json"),
    pytest.param(_rule(trigger={"event": "deleted"}), "trigger.event", id="unknown-event"),
    pytest.param(_rule(trigger={"event": "field_changed", "field": "budget"}),
                 "trigger.field", id="unknown-field"),
    pytest.param(_rule(conditions={"all": [{"field": "priority", "op": "=", "value": "高"},
                                            {"field": "budget", "op": "=", "value": 1}]}),
                 "conditions.all[1].field", id="unknown-condition-field"),
    pytest.param(_rule(trigger={"event": "tag_added", "tag": "不存在的标签"}),
                 "trigger.tag", id="unknown-tag"),
    pytest.param(_rule(actions=[{"type": "add_tag", "tag": "不存在的标签"}]),
                 "actions[0].tag", id="unknown-action-tag"),
    pytest.param(_rule(actions=[{"type": "notify", "to": "role:ceo", "channels": "app",
                                 "template_zh": "x", "template_en": "x"}]),
                 "actions[0].to", id="unknown-role"),
    pytest.param(_rule(actions=[{"type": "assign_owner", "user": 9999}]),
                 "actions[0].user", id="unknown-user"),
    pytest.param(_rule(conditions={"owner_department": "不存在的部门"}),
                 "conditions.owner_department", id="unknown-department"),
    pytest.param(_rule(conditions={"field": "priority", "op": "~=", "value": "高"}),
                 "conditions.op", id="unknown-operator"),
    pytest.param(_rule(conditions={"field": "priority", "op": "<", "value": "高"}),
                 "conditions.op", id="operator-the-field-cannot-take"),
    pytest.param(_rule(actions=[{"type": "launch"}]), "actions[0]", id="unknown-action"),
    pytest.param(_rule(when={}), "when", id="unknown-member"),
    pytest.param(_rule(actions=[{"type": "add_tag", "tag": "高潜力", "colour": "red"}]),
                 "actions[0]", id="unknown-action-member"),
    pytest.param(_rule(conditions={"all": [{"field": "priority", "op": "=",
                                            "value": "urgent"}]}),
                 "conditions.all[0].value", id="value-not-in-dictionary"),
    pytest.param(_rule(trigger={"event": "no_change", "hours": "soon"}),
                 "trigger.hours", id="wrong-value-type"),
    pytest.param(_rule(actions=[{"type": "set_field", "field": "created_at", "value": 1}]),
                 "actions[0]", id="read-only-field"),
    pytest.param(_rule(actions=[{"type": "notify", "to": "owner", "channels": "app",
                                 "template_zh": "{客户}", "template_en": "x"}]),
                 "actions[0].template_zh", id="unknown-placeholder"),
    pytest.param(_rule(trigger={"event": "no_change", "hours": 0}), "trigger.hours",
                 id="hours-zero"),
    pytest.param(_rule(actions=[]), "actions", id="no-action"),
]


@pytest.mark.parametrize("rule,path", BAD_RULES)
def test_a_rule_that_cannot_be_valid_is_refused_with_its_path(org, rule, path):
    a = org.admin
    a.define_custom_field("budget", "integer", "预算")
    before = a.automation_rules()
    with pytest.raises(crm.InvalidArgument) as info:
        a.save_automation_rule(rule)
    assert path in info.value.message, info.value.message
    assert info.value.message_zh, "explained in Chinese too"
    assert a.automation_rules() == before, "nothing saved"


def test_an_integer_field_refuses_a_text_value(org):
    a = org.admin
    a.define_custom_field("budget", "integer", "预算")
    with pytest.raises(crm.InvalidArgument) as info:
        a.save_automation_rule(_rule(conditions={"field": "custom.budget", "op": ">=",
                                                 "value": "很多"}))
    assert "conditions.value" in info.value.message, info.value.message
    assert len(a.automation_rules()) == 4


def test_a_new_version_refused_leaves_the_rule_as_it_was(org):
    a = org.admin
    rid = save_enabled(a, _rule())
    with pytest.raises(crm.InvalidArgument):
        a.save_automation_rule(_rule(trigger={"event": "deleted"}), rule_id=rid)
    assert a.automation_rule(rid)["version"] == 1
    assert len(a.automation_rule_versions(rid)) == 1


def test_the_binding_refuses_what_is_not_json(session):
    with pytest.raises(TypeError):
        session.save_automation_rule(42)
    with pytest.raises(TypeError):
        session.save_automation_rule({"name": object()})
    with pytest.raises(TypeError):
        session.simulate_automation({"steps": [{"do": "tick"}]}, rules=7)


# -- versions, enabling, disabling ---------------------------------------------------


def test_versions_are_kept_and_a_new_version_applies_at_once(org):
    a = org.admin
    v1 = {"name": "v1", "trigger": {"event": "tag_added", "tag": "高潜力"},
          "actions": [{"type": "notify", "to": "role:sales_manager", "channels": "app",
                       "template_zh": "{customer}：{tag}", "template_en": "{customer}: {tag}"}]}
    rid = save_enabled(a, v1)
    v2 = json.dumps({"name": "v2", "trigger": {"event": "tag_added", "tag": "高潜力"},
                     "conditions": {"field": "priority", "op": "=", "value": "低"},
                     "actions": [{"type": "add_tag", "tag": "采购设备"}]}, ensure_ascii=False)
    assert a.save_automation_rule(v2, rule_id=rid) == (rid, 2)
    rule = a.automation_rule(rid)
    assert (rule["name"], rule["version"], rule["enabled"], rule["template"]) == (
        "v2", 2, 1, None)
    assert rule["updated_by"] == 1
    versions = a.automation_rule_versions(rid)
    assert [v["version"] for v in versions] == [1, 2]
    assert [json.loads(v["definition"])["name"] for v in versions] == ["v1", "v2"]
    assert json.loads(versions[0]["definition"]) == v1, "kept as written, Chinese and all"

    org.rep.tag_customer(org.a, "高潜力")
    assert automation_messages(a) == [], "version 1's action is gone"
    assert a.automation_runs(rid) == [], "version 2's condition does not hold (priority 高)"


def test_a_new_rule_starts_disabled_and_disabling_stops_it(org):
    a = org.admin
    rid, version = a.save_automation_rule(_rule(
        trigger={"event": "tag_added", "tag": "高潜力"},
        actions=[{"type": "add_tag", "tag": "采购设备"}]))
    assert a.automation_rule(rid)["enabled"] == 0
    org.rep.tag_customer(org.a, "高潜力")
    assert "采购设备" not in tag_labels(a, org.a)

    a.enable_automation_rule(rid, True)
    org.colleague.tag_customer(org.b, "高潜力")
    assert "采购设备" in tag_labels(a, org.b)

    a.enable_automation_rule(rid, False)
    assert a.automation_rule(rid)["enabled"] == 0
    org.south.tag_customer(org.s, "高潜力")
    assert "采购设备" not in tag_labels(a, org.s)
    assert outcomes(a, rid) == ["fired"]


def test_unknown_rules_are_not_found(session):
    with pytest.raises(crm.NotFound):
        session.enable_automation_rule(9999)
    with pytest.raises(crm.NotFound):
        session.automation_rule(9999)
    with pytest.raises(crm.NotFound):
        session.save_automation_rule(_rule(), rule_id=9999)


def test_runs_page_by_rule_and_after_id(org):
    a = org.admin
    rid = save_enabled(a, _rule(trigger={"event": "tag_added", "tag": "高潜力"},
                                actions=[{"type": "add_tag", "tag": "采购设备"}]))
    for s, c in [(org.rep, org.a), (org.colleague, org.b), (org.south, org.s)]:
        s.tag_customer(c, "高潜力")
    runs = a.automation_runs(rid)
    assert [r["customer"] for r in runs] == [org.a, org.b, org.s]
    assert [r["customer"] for r in a.automation_runs(rid, after_id=runs[0]["id"], limit=1)] \
        == [org.b]
    assert a.automation_runs(rid + 1000) == []
    with pytest.raises(crm.InvalidArgument):
        a.automation_runs(limit=1001)


# -- the loop guard and failing actions -----------------------------------------------


def test_two_rules_triggering_each_other_stop_at_the_depth(org):
    a = org.admin
    assert a.setting("automation.max_depth") == "3"
    save_enabled(a, {"name": "加标签", "trigger": {"event": "tag_added", "tag": "高潜力"},
                     "actions": [{"type": "remove_tag", "tag": "高潜力"}]})
    save_enabled(a, {"name": "去标签", "trigger": {"event": "tag_removed", "tag": "高潜力"},
                     "actions": [{"type": "add_tag", "tag": "高潜力"}]})
    org.rep.tag_customer(org.a, "高潜力")        # returns: no runaway
    runs = a.automation_runs()
    assert [r["outcome"] for r in runs].count("fired") == 3, runs
    assert [r["outcome"] for r in runs].count("loop_stopped") == 1, runs
    depths = sorted(r["depth"] for r in runs if r["outcome"] == "fired")
    assert depths == list(range(depths[0], depths[0] + 3)), "each run one deeper: %r" % depths
    stopped = [r for r in runs if r["outcome"] == "loop_stopped"][0]
    assert stopped["customer"] == org.a and stopped["detail"], stopped


def test_the_depth_follows_its_setting(org):
    a = org.admin
    a.set_setting("automation.max_depth", "1")
    save_enabled(a, {"name": "加标签", "trigger": {"event": "tag_added", "tag": "高潜力"},
                     "actions": [{"type": "remove_tag", "tag": "高潜力"}]})
    save_enabled(a, {"name": "去标签", "trigger": {"event": "tag_removed", "tag": "高潜力"},
                     "actions": [{"type": "add_tag", "tag": "高潜力"}]})
    org.rep.tag_customer(org.a, "高潜力")
    assert sorted(outcomes(a)) == ["fired", "loop_stopped"]


def test_a_failing_action_is_logged_and_the_change_stands(db, org):
    a = org.admin
    author = a.create_user(login="wangqiang", name="王强", department="华东销售部", role="admin")
    with db.session(author) as by:
        rid, _ = by.save_automation_rule({
            "name": "调整优先级后打标签",
            "trigger": {"event": "field_changed", "field": "priority"},
            "actions": [{"type": "add_tag", "tag": "高潜力"}, dict(NOTIFY_OWNER)]})
        by.enable_automation_rule(rid)
    a.update_user(author, active=False)     # the author leaves: acting as them fails

    org.rep.update_customer(org.a, priority="低")
    assert a.get_customer(org.a)["priority"] == "low", "the change itself stands"
    runs = a.automation_runs(rid)
    assert [r["outcome"] for r in runs] == ["action_failed"]
    assert "add_tag" in runs[0]["detail"], runs[0]["detail"]
    assert "高潜力" not in tag_labels(a, org.a)
    msgs = automation_messages(a)
    assert len(msgs) == 1, "the other action still ran"
    assert msgs[0]["recipient_user"] == org.rep_id


# -- permissions ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["rep", "manager", "marketing"])
def test_only_config_manage_saves_enables_and_simulates(org, who):
    a = org.admin
    rid, _ = a.save_automation_rule(_rule())
    s = getattr(org, who)
    with pytest.raises(crm.PermissionDenied):
        s.save_automation_rule(_rule())
    with pytest.raises(crm.PermissionDenied):
        s.save_automation_rule(_rule(name="改名"), rule_id=rid)
    with pytest.raises(crm.PermissionDenied):
        s.enable_automation_rule(rid)
    with pytest.raises(crm.PermissionDenied):
        s.simulate_automation({"start": T0, "steps": [{"do": "tick"}]})
    assert a.automation_rule(rid)["enabled"] == 0
    assert a.automation_rule(rid)["version"] == 1
    assert len(a.automation_rules()) == 5
    # config.read: everyone reads the rules and the log.
    assert s.automation_rule(rid)["name"] == "测试规则"
    assert len(s.automation_rules()) == 5
    assert [v["version"] for v in s.automation_rule_versions(rid)] == [1]
    assert s.automation_runs() == []


# -- simulation ---------------------------------------------------------------------------


SIM_RULES = [
    {"name": "高潜力提醒", "trigger": {"event": "tag_added", "tag": "高潜力"},
     "actions": [{"type": "notify", "to": "role:sales_manager", "channels": "app",
                  "template_zh": "{customer}被标记为{tag}", "template_en": "{customer}: {tag}"}]},
    {"name": "三天未变", "trigger": {"event": "no_change", "field": "type", "days": 3},
     "actions": [{"type": "notify", "to": "owner", "channels": "app",
                  "template_zh": "{customer}状态3天未更新", "template_en": "stale"}]},
]
SIM_SCRIPT = {"start": T0, "steps": [
    {"do": "create", "fields": {
        "name": "杭州恒达精密机械有限公司", "contact_name": "王建国", "phone": "13812345678",
        "industry": "制造业", "scale": "100-500人", "source": "展会",
        "key_needs": "采购数控机床", "priority": "高"}},
    {"after_hours": 1, "do": "tag", "tag": "高潜力"},
    {"after_hours": 80, "do": "tick"}]}


def summary(timeline):
    """kind:what@hours after T0."""
    t0 = crm.to_ms(T0)
    return ["%s:%s@%d" % (r["kind"], r["detail"] if r["kind"] == "step" else r["rule_name"],
                          (r["at"] - t0) // 3600000) for r in timeline]


def test_simulation_gives_the_timeline_and_touches_nothing(org):
    a = org.admin
    outbox_before = a.outbox(limit=1000)
    customers_before = a.count_customers()
    rules_before = a.automation_rules()
    timeline = a.simulate_automation(SIM_SCRIPT, rules=SIM_RULES)
    got = summary(timeline)
    assert got[0].startswith("step:create C"), got
    assert got[1:] == ["step:tag 高潜力@1", "run:高潜力提醒@1", "message:高潜力提醒@1",
                       "run:三天未变@72", "message:三天未变@72", "step:tick@81"], got
    assert [r["step"] for r in timeline if r["kind"] == "step"] == [0, 1, 2]
    runs = [r for r in timeline if r["kind"] == "run"]
    assert [(r["event"], r["outcome"]) for r in runs] == [("tag_added", "fired"),
                                                           ("no_change", "fired")]
    messages = [r for r in timeline if r["kind"] == "message"]
    assert messages[0]["recipient"] == "role:sales_manager"
    assert messages[0]["message"].startswith("杭州恒达精密机械有限公司被标记为")
    assert messages[1]["recipient"].startswith("user:")

    assert a.outbox(limit=1000) == outbox_before, "the real outbox is untouched"
    assert a.count_customers() == customers_before, "and so are the customers"
    assert a.automation_rules() == rules_before
    assert a.automation_runs() == []


def test_simulation_takes_json_text_and_the_saved_enabled_rules(org):
    a = org.admin
    as_text = a.simulate_automation(
        json.dumps(dict(SIM_SCRIPT, start=crm.to_ms(T0)), ensure_ascii=False),
        rules=json.dumps(SIM_RULES, ensure_ascii=False))
    assert summary(as_text) == summary(a.simulate_automation(SIM_SCRIPT, rules=SIM_RULES))
    one = a.simulate_automation(SIM_SCRIPT, rules=SIM_RULES[0])
    assert [r["rule_name"] for r in one if r["kind"] == "run"] == ["高潜力提醒"]

    # No rules given: the saved, enabled ones (none yet, then the template).
    assert [r["kind"] for r in a.simulate_automation(SIM_SCRIPT)] == ["step"] * 3
    a.enable_automation_rule(template(a, "high_potential_tag"))
    names = [r["rule_name"] for r in a.simulate_automation(SIM_SCRIPT) if r["kind"] == "run"]
    assert names == [a.automation_rule(template(a, "high_potential_tag"))["name"]]
    assert automation_messages(a) == []


def test_simulation_names_the_bad_step_or_rule(org):
    a = org.admin
    with pytest.raises(crm.InvalidArgument) as info:
        a.simulate_automation({"steps": [{"do": "tag", "tag": "高潜力"}]})
    assert "steps[0]" in info.value.message, info.value.message
    script = dict(SIM_SCRIPT, steps=SIM_SCRIPT["steps"] + [{"after_hours": 1, "do": "dance"}])
    with pytest.raises(crm.InvalidArgument) as info:
        a.simulate_automation(script, rules=SIM_RULES)
    assert "steps[3]" in info.value.message, info.value.message
    with pytest.raises(crm.InvalidArgument) as info:
        a.simulate_automation(SIM_SCRIPT, rules=[SIM_RULES[0], _rule(trigger={"event": "x"})])
    assert "rules[1]" in info.value.message, info.value.message
    assert a.count_customers() == 3

#include "store/schema.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <iterator>
#include <string>
#include <vector>

#include "domain/error.hpp"
#include "domain/permissions.hpp"
#include "domain/search_text.hpp"
#include "domain/work_calendar.hpp"
#include "store/audit_repo.hpp"
#include "store/match_key_repo.hpp"

namespace crm::store {
namespace {

// Version 1: users, dictionaries, customers and their history.
const char* const kSchemaV1 = R"SQL(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE dictionary(
  dict     TEXT NOT NULL,
  code     TEXT NOT NULL,
  label_zh TEXT NOT NULL,
  label_en TEXT NOT NULL,
  aliases  TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL DEFAULT 0,
  builtin  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(dict, code)
) WITHOUT ROWID;

CREATE TABLE users(
  id         INTEGER PRIMARY KEY,
  login      TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  department TEXT,
  role       TEXT NOT NULL,
  active     INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);

-- AUTOINCREMENT: a committed customer's key (and so its human id C0001 …) is
-- never reused, even after the highest one is archived.
CREATE TABLE customers(
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT NOT NULL,
  contact_name TEXT NOT NULL,
  phone        TEXT,
  email        TEXT,
  industry     TEXT NOT NULL,
  scale        TEXT NOT NULL,
  type         TEXT NOT NULL,
  source       TEXT NOT NULL,
  key_needs    TEXT NOT NULL,
  priority     TEXT NOT NULL,
  owner_id     INTEGER NOT NULL REFERENCES users(id),
  entry_date   TEXT NOT NULL,
  archived     INTEGER NOT NULL DEFAULT 0,
  version      INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL,
  created_by   INTEGER NOT NULL REFERENCES users(id),
  updated_at   INTEGER NOT NULL,
  updated_by   INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX customers_owner ON customers(owner_id, id);
CREATE INDEX customers_type ON customers(type, id);

CREATE TABLE customer_history(
  id          INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  at          INTEGER NOT NULL,
  actor_id    INTEGER NOT NULL REFERENCES users(id),
  kind        TEXT NOT NULL,
  field       TEXT,
  before      TEXT,
  after       TEXT,
  reason      TEXT
);
CREATE INDEX customer_history_customer ON customer_history(customer_id, id);
CREATE INDEX customer_history_actor ON customer_history(actor_id, at);
)SQL";

// Version 2: tags (R1.7).  Categories are the tag_category dictionary.
const char* const kSchemaV2 = R"SQL(
CREATE TABLE tags(
  id         INTEGER PRIMARY KEY,
  category   TEXT NOT NULL,
  label      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE(category, label)
);
CREATE TABLE customer_tags(
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  tag_id      INTEGER NOT NULL REFERENCES tags(id),
  PRIMARY KEY(customer_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_by_tag ON customer_tags(tag_id, customer_id);

-- Changes by time range (R1.10), in time order.
CREATE INDEX customer_history_at ON customer_history(at, id);

-- R1.4: each collection channel has a responsible department.
ALTER TABLE dictionary ADD COLUMN department TEXT;
UPDATE dictionary SET department = '市场部'
  WHERE dict = 'source' AND code IN ('website', 'trade_show', 'market_research');
UPDATE dictionary SET department = '销售部'
  WHERE dict = 'source' AND code IN ('phone_inquiry', 'partner_referral', 'customer_referral',
                                     'sales_visit');
)SQL";

// Version 3: contacts (R1.9).  Every customer has one primary contact, which
// its contact_name / phone / email (and now contact_title) mirror for the
// list view; a decision-maker change is a major change in the history
// (R1.10).
const char* const kSchemaV3 = R"SQL(
CREATE TABLE contacts(
  id             INTEGER PRIMARY KEY,
  customer_id    INTEGER NOT NULL REFERENCES customers(id),
  name           TEXT NOT NULL,
  title          TEXT,
  phone          TEXT,
  email          TEXT,
  decision_maker INTEGER NOT NULL DEFAULT 0,
  is_primary     INTEGER NOT NULL DEFAULT 0,
  removed        INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  created_by     INTEGER NOT NULL REFERENCES users(id),
  updated_at     INTEGER NOT NULL,
  updated_by     INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX contacts_customer ON contacts(customer_id, id);
CREATE UNIQUE INDEX contacts_one_primary ON contacts(customer_id)
  WHERE is_primary = 1 AND removed = 0;
ALTER TABLE customers ADD COLUMN contact_title TEXT;
-- R1.10: the owner's monthly review (复核) of each customer.
ALTER TABLE customers ADD COLUMN reviewed_at INTEGER;
ALTER TABLE customers ADD COLUMN reviewed_by INTEGER REFERENCES users(id);
ALTER TABLE customer_history ADD COLUMN major INTEGER NOT NULL DEFAULT 0;
-- Every existing customer's registration contact becomes its primary contact.
INSERT INTO contacts(customer_id, name, phone, email, is_primary, created_at, created_by,
                     updated_at, updated_by)
  SELECT id, contact_name, phone, email, 1, created_at, created_by, created_at, created_by
  FROM customers;
)SQL";

// Version 4: custom fields (R1.8), list-view sorting and filtering (R1.12),
// settings.  A custom value is one row per (customer, field); the value
// column has no declared type, so integers stay integers and text stays text,
// and (field_id, value) orders them for filters and sorting.
const char* const kSchemaV4 = R"SQL(
CREATE TABLE custom_fields(
  id         INTEGER PRIMARY KEY,
  entity     TEXT NOT NULL DEFAULT 'customer',
  name       TEXT NOT NULL,
  type       TEXT NOT NULL,
  label_zh   TEXT NOT NULL,
  label_en   TEXT NOT NULL,
  required   INTEGER NOT NULL DEFAULT 0,
  max_chars  INTEGER NOT NULL DEFAULT 0,
  decimals   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id),
  retired_at INTEGER,
  retired_by INTEGER REFERENCES users(id),
  UNIQUE(entity, name)
);
CREATE TABLE customer_custom(
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  field_id    INTEGER NOT NULL REFERENCES custom_fields(id),
  value       NOT NULL,
  PRIMARY KEY(customer_id, field_id)
) WITHOUT ROWID;
CREATE INDEX customer_custom_by_value ON customer_custom(field_id, value, customer_id);

CREATE INDEX customers_name ON customers(name, id);
CREATE INDEX customers_created ON customers(created_at, id);
CREATE INDEX customers_updated ON customers(updated_at, id);
CREATE INDEX customers_entry_date ON customers(entry_date, id);
CREATE INDEX customers_industry ON customers(industry, id);
CREATE INDEX customers_source ON customers(source, id);

-- The list view's last follow-up time and next step (R1.12), kept by the
-- follow-up records of the scheduling module; NULL until there are any.
ALTER TABLE customers ADD COLUMN last_followup_at INTEGER;
ALTER TABLE customers ADD COLUMN next_step TEXT;

INSERT INTO meta(key, value) VALUES ('setting.tags.create_on_attach', '0');
)SQL";

// Version 5: working calendars (工作日历) for deadlines and reminders.  A
// calendar's holiday data is kept as the text the host loaded, one row per
// year, and parsed when the calendar is used (a year is a few dozen lines).
const char* const kSchemaV5 = R"SQL(
CREATE TABLE calendars(
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  zone       TEXT NOT NULL,
  hours      TEXT NOT NULL,
  weekdays   TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE calendar_years(
  calendar_id INTEGER NOT NULL REFERENCES calendars(id),
  year        INTEGER NOT NULL,
  text        TEXT NOT NULL,
  loaded_at   INTEGER NOT NULL,
  loaded_by   INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY(calendar_id, year)
) WITHOUT ROWID;
INSERT INTO calendars(id, name, zone, hours, weekdays, created_at)
  SELECT 1, 'default', value, '09:00-12:00,13:30-18:00', '1111100', 0
  FROM meta WHERE key = 'time_zone';
)SQL";

// Version 6: tiers and follow-up scheduling (R2, R1.5, R1.10).
//  - tiers: the cadence of each tier as data; its labels are the "tier"
//    dictionary, so that filters and imports resolve 重点客户 → A.
//  - grading_criteria: what a customer is assessed on, with thresholds.
//  - config_history: every change of configuration, who and when.
//  - followup_plans / followup_records: plans (跟进计划) and what happened
//    (客户跟进记录); customers.last_followup_at / next_step follow the latest
//    record.
//  - timers: one row per pending reminder (kind, subject), due_at indexed, so
//    that tick() reads only what is due.  base_at is the moment the rule's
//    delay counts from; an idempotency key is built from it.
//  - reminder_rules: delay, counting (calendar or working time), channels,
//    escalation and templates per kind of reminder.
//  - outbox: messages for the host to deliver (at-least-once, leased).
const char* const kSchemaV6 = R"SQL(
CREATE TABLE tiers(
  code       TEXT PRIMARY KEY,
  cadence    TEXT NOT NULL,
  position   INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER NOT NULL REFERENCES users(id)
) WITHOUT ROWID;

CREATE TABLE grading_criteria(
  name       TEXT PRIMARY KEY,
  label_zh   TEXT NOT NULL,
  label_en   TEXT NOT NULL,
  unit       TEXT NOT NULL DEFAULT '',
  thresholds TEXT NOT NULL,
  position   INTEGER NOT NULL,
  retired    INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER NOT NULL REFERENCES users(id)
) WITHOUT ROWID;

CREATE TABLE config_history(
  id       INTEGER PRIMARY KEY,
  at       INTEGER NOT NULL,
  actor_id INTEGER NOT NULL REFERENCES users(id),
  subject  TEXT NOT NULL,
  before   TEXT,
  after    TEXT
);
CREATE INDEX config_history_subject ON config_history(subject, id);

ALTER TABLE customers ADD COLUMN tier TEXT;
ALTER TABLE customers ADD COLUMN tier_reason TEXT;
ALTER TABLE customers ADD COLUMN graded_at INTEGER;
ALTER TABLE customers ADD COLUMN next_due_date TEXT;
ALTER TABLE customers ADD COLUMN verified_at INTEGER;
ALTER TABLE customers ADD COLUMN verified_by INTEGER REFERENCES users(id);
ALTER TABLE customers ADD COLUMN verify_method TEXT;
CREATE INDEX customers_owner_due ON customers(owner_id, next_due_date, id)
  WHERE next_due_date IS NOT NULL;
CREATE INDEX customers_tier ON customers(tier, next_due_date, id) WHERE tier IS NOT NULL;

CREATE TABLE followup_plans(
  id             INTEGER PRIMARY KEY,
  customer_id    INTEGER NOT NULL REFERENCES customers(id),
  owner_id       INTEGER NOT NULL REFERENCES users(id),
  goal           TEXT NOT NULL,
  method         TEXT NOT NULL,
  talking_points TEXT,
  materials      TEXT,
  planned_at     INTEGER NOT NULL,
  remind_at      INTEGER,
  state          TEXT NOT NULL DEFAULT 'planned',
  state_reason   TEXT,
  rescheduled_to INTEGER REFERENCES followup_plans(id),
  record_id      INTEGER,
  created_at     INTEGER NOT NULL,
  created_by     INTEGER NOT NULL REFERENCES users(id),
  updated_at     INTEGER NOT NULL,
  updated_by     INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX followup_plans_open ON followup_plans(owner_id, planned_at, id)
  WHERE state = 'planned';
CREATE INDEX followup_plans_customer ON followup_plans(customer_id, planned_at, id);

CREATE TABLE followup_records(
  id            INTEGER PRIMARY KEY,
  customer_id   INTEGER NOT NULL REFERENCES customers(id),
  plan_id       INTEGER REFERENCES followup_plans(id),
  owner_id      INTEGER NOT NULL REFERENCES users(id),
  method        TEXT NOT NULL,
  contacted_at  INTEGER NOT NULL,
  summary       TEXT NOT NULL,
  feedback      TEXT,
  intent_change TEXT,
  major_change  TEXT,
  next_step     TEXT,
  next_plan_id  INTEGER REFERENCES followup_plans(id),
  created_at    INTEGER NOT NULL,
  created_by    INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX followup_records_customer ON followup_records(customer_id, contacted_at, id);
CREATE INDEX followup_records_owner ON followup_records(owner_id, contacted_at, id);

CREATE TABLE timers(
  kind    TEXT NOT NULL,
  subject INTEGER NOT NULL,
  base_at INTEGER NOT NULL,
  due_at  INTEGER NOT NULL,
  PRIMARY KEY(kind, subject)
) WITHOUT ROWID;
CREATE INDEX timers_due ON timers(due_at, kind, subject);

CREATE TABLE reminder_rules(
  kind           TEXT PRIMARY KEY,
  enabled        INTEGER NOT NULL,
  delay_minutes  INTEGER NOT NULL,
  counting       TEXT NOT NULL,
  calendar       TEXT NOT NULL,
  channels       TEXT NOT NULL,
  escalate_after INTEGER NOT NULL,
  template_zh    TEXT NOT NULL,
  template_en    TEXT NOT NULL,
  updated_at     INTEGER NOT NULL,
  updated_by     INTEGER NOT NULL REFERENCES users(id)
) WITHOUT ROWID;

CREATE TABLE outbox(
  id             INTEGER PRIMARY KEY,
  key            TEXT NOT NULL UNIQUE,
  kind           TEXT NOT NULL,
  subject        INTEGER NOT NULL,
  base_at        INTEGER NOT NULL,
  customer_id    INTEGER REFERENCES customers(id),
  recipient_user INTEGER REFERENCES users(id),
  recipient_role TEXT,
  channel        TEXT NOT NULL,
  message_zh     TEXT NOT NULL,
  message_en     TEXT NOT NULL,
  due_at         INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  lease_until    INTEGER NOT NULL DEFAULT 0,
  attempts       INTEGER NOT NULL DEFAULT 0,
  acked_at       INTEGER,
  escalation_of  INTEGER REFERENCES outbox(id)
);
CREATE INDEX outbox_pending ON outbox(lease_until, id) WHERE acked_at IS NULL;

INSERT INTO meta(key, value) VALUES ('setting.followup.min_gap_hours', '24');
INSERT INTO meta(key, value) VALUES ('setting.followup.min_gap_action', 'warn');
INSERT INTO meta(key, value) VALUES ('setting.followup.remind_before_minutes', '30');
)SQL";

// Version 7: maintenance plans for key customers (客户维护方案, R2.6): what a
// plan proposes (method, measures, the people responsible, its cost in fen
// and its period), its approval, execution and evaluation (客户维护总结).
// Each change of state is also a row of the customer's history.
const char* const kSchemaV7 = R"SQL(
CREATE TABLE maintenance_plans(
  id             INTEGER PRIMARY KEY,
  customer_id    INTEGER NOT NULL REFERENCES customers(id),
  method         TEXT NOT NULL,
  measures       TEXT NOT NULL,
  responsible    TEXT NOT NULL,
  cost_fen       INTEGER NOT NULL,
  period_start   TEXT NOT NULL,
  period_end     TEXT NOT NULL,
  state          TEXT NOT NULL DEFAULT 'submitted',
  decision_note  TEXT,
  decided_by     INTEGER REFERENCES users(id),
  decided_at     INTEGER,
  carried_out_at INTEGER,
  evaluation     TEXT,
  satisfaction   INTEGER,
  evaluated_at   INTEGER,
  created_at     INTEGER NOT NULL,
  created_by     INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX maintenance_plans_customer ON maintenance_plans(customer_id, id);
)SQL";

// Version 8: permissions, privacy and audit (R3, R1.6).  Departments form a
// tree, each with a supervisor (部门主管); users name their department.  The
// permission matrix is data: a missing row is no permission (最小必要原则).
// Access requests become grants when approved (跨部门协作, R3.2); changes
// under review wait in pending_changes (审核机制, R1.6).  The audit log is
// append-only (triggers refuse UPDATE and DELETE) and each row carries a
// hash chained to the previous one (R3.8).
const char* const kSchemaV8 = R"SQL(
CREATE TABLE departments(
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  parent_id     INTEGER REFERENCES departments(id),
  supervisor_id INTEGER REFERENCES users(id),
  created_at    INTEGER NOT NULL
);
CREATE INDEX users_department ON users(department, id);

CREATE TABLE permissions(
  role   TEXT NOT NULL,
  object TEXT NOT NULL,
  action TEXT NOT NULL,
  scope  TEXT NOT NULL,
  PRIMARY KEY(role, object, action)
) WITHOUT ROWID;

CREATE TABLE access_requests(
  id           INTEGER PRIMARY KEY,
  customer_id  INTEGER NOT NULL REFERENCES customers(id),
  requester_id INTEGER NOT NULL REFERENCES users(id),
  level        TEXT NOT NULL,
  field_groups TEXT NOT NULL,
  reason       TEXT NOT NULL,
  hours        INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'pending',
  requested_at INTEGER NOT NULL,
  decided_by   INTEGER REFERENCES users(id),
  decided_at   INTEGER,
  note         TEXT,
  expires_at   INTEGER,
  revoked_by   INTEGER REFERENCES users(id),
  revoked_at   INTEGER
);
CREATE INDEX access_requests_requester ON access_requests(requester_id, id);
CREATE INDEX access_requests_customer ON access_requests(customer_id, id);
CREATE INDEX access_requests_pending ON access_requests(id) WHERE state = 'pending';

CREATE TABLE pending_changes(
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  customer_id  INTEGER REFERENCES customers(id),
  author_id    INTEGER NOT NULL REFERENCES users(id),
  owner_id     INTEGER NOT NULL REFERENCES users(id),
  fields       TEXT NOT NULL,
  before       TEXT,
  state        TEXT NOT NULL DEFAULT 'pending',
  submitted_at INTEGER NOT NULL,
  decided_by   INTEGER REFERENCES users(id),
  decided_at   INTEGER,
  reason       TEXT
);
CREATE INDEX pending_changes_state ON pending_changes(state, id);
CREATE INDEX pending_changes_customer ON pending_changes(customer_id, id);

ALTER TABLE custom_fields ADD COLUMN personal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN erased_at INTEGER;

CREATE TABLE audit_log(
  seq        INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  actor_id   INTEGER NOT NULL,
  action     TEXT NOT NULL,
  object     TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  detail     TEXT NOT NULL,
  alert_kind TEXT,
  amount     INTEGER NOT NULL DEFAULT 1,
  prev       BLOB NOT NULL,
  hash       BLOB NOT NULL
);
CREATE INDEX audit_log_alerts ON audit_log(actor_id, alert_kind, at) WHERE alert_kind IS NOT NULL;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- A department for every department a user names, supervised by its
-- sales manager (the one the escalation of schema 6 already chose).
INSERT INTO departments(name, created_at)
  SELECT DISTINCT department, 0 FROM users WHERE coalesce(department, '') <> '';
UPDATE departments SET supervisor_id = (
  SELECT min(u.id) FROM users u WHERE u.department = departments.name
    AND u.role = 'sales_manager' AND u.active = 1);

INSERT INTO reminder_rules(kind, enabled, delay_minutes, counting, calendar, channels,
                           escalate_after, template_zh, template_en, updated_at, updated_by) VALUES
  ('access_pending', 1, 0, 'calendar', 'default', 'app', 1440,
   '【访问申请待审批】{requester}申请{method}客户“{customer}”（{customer_id}）：{goal}',
   'Access request: {requester} asks to {method} {customer} ({customer_id}) - {goal}', 0, 1);
INSERT INTO meta(key, value) VALUES ('auth.epoch', '1');
INSERT INTO meta(key, value) VALUES ('setting.review.create', '0');
INSERT INTO meta(key, value) VALUES ('setting.review.fields', '');
INSERT INTO meta(key, value) VALUES ('setting.alert.unmask_per_hour', '30');
INSERT INTO meta(key, value) VALUES ('setting.alert.denied_per_hour', '10');
INSERT INTO meta(key, value) VALUES ('setting.alert.export_rows_per_hour', '500');
INSERT INTO meta(key, value) VALUES ('setting.retention.months', '36');
INSERT INTO meta(key, value) VALUES ('setting.access.max_hours', '720');
)SQL";

// Schema 9: leads (R4) — the leads themselves with their funnel stage
// timestamps and running score, their events (behaviour and funnel steps),
// the scoring and assignment rules as data, users' absence, the lead a
// message is for, and lookups of customers by phone and e-mail for
// duplicate detection.
const char* const kSchemaV9 = R"SQL(
ALTER TABLE users ADD COLUMN absent INTEGER NOT NULL DEFAULT 0;
CREATE TABLE leads(
  id                INTEGER PRIMARY KEY,
  external_id       TEXT UNIQUE,
  channel           TEXT NOT NULL,
  company           TEXT NOT NULL,
  person            TEXT,
  phone             TEXT,
  email             TEXT,
  region            TEXT,
  industry          TEXT,
  scale             TEXT,
  key_needs         TEXT,
  note              TEXT,
  stage             TEXT NOT NULL,
  owner_id          INTEGER REFERENCES users(id),
  score             REAL NOT NULL DEFAULT 0,
  scored_at         INTEGER NOT NULL DEFAULT 0,
  high_value_at     INTEGER,
  customer_id       INTEGER REFERENCES customers(id),
  disqualify_reason TEXT,
  route_note        TEXT,
  captured_at       INTEGER NOT NULL,
  screened_at       INTEGER,
  assigned_at       INTEGER,
  following_at      INTEGER,
  converted_at      INTEGER,
  disqualified_at   INTEGER,
  version           INTEGER NOT NULL DEFAULT 1,
  created_by        INTEGER NOT NULL REFERENCES users(id),
  updated_at        INTEGER NOT NULL
);
CREATE INDEX leads_owner ON leads(owner_id, id);
CREATE INDEX leads_captured ON leads(captured_at, id);
CREATE INDEX leads_phone ON leads(phone) WHERE phone IS NOT NULL;
CREATE INDEX leads_email ON leads(email) WHERE email IS NOT NULL;
CREATE TABLE lead_events(
  id       INTEGER PRIMARY KEY,
  lead_id  INTEGER NOT NULL REFERENCES leads(id),
  kind     TEXT NOT NULL,
  points   INTEGER NOT NULL DEFAULT 0,
  at       INTEGER NOT NULL,
  actor_id INTEGER NOT NULL REFERENCES users(id),
  detail   TEXT
);
CREATE INDEX lead_events_lead ON lead_events(lead_id, id);
-- Every external id a capture came with, and a digest of what it said: a
-- form posted again is recognised even when it was a duplicate the first time.
CREATE TABLE lead_external_ids(
  external_id TEXT PRIMARY KEY,
  lead_id     INTEGER NOT NULL REFERENCES leads(id),
  digest      TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE lead_score_rules(
  kind       TEXT PRIMARY KEY,
  points     INTEGER NOT NULL,
  label_zh   TEXT NOT NULL,
  label_en   TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER NOT NULL REFERENCES users(id)
) WITHOUT ROWID;
CREATE TABLE lead_routes(
  id         INTEGER PRIMARY KEY,
  position   INTEGER NOT NULL,
  region     TEXT NOT NULL DEFAULT '',
  industry   TEXT NOT NULL DEFAULT '',
  user_id    INTEGER REFERENCES users(id),
  department TEXT,
  last_user  INTEGER,
  created_at INTEGER NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id)
);
ALTER TABLE outbox ADD COLUMN lead_id INTEGER REFERENCES leads(id);
CREATE INDEX customers_phone ON customers(phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_email ON customers(email) WHERE email IS NOT NULL;
CREATE INDEX contacts_phone ON contacts(phone) WHERE phone IS NOT NULL;
CREATE INDEX contacts_email ON contacts(email) WHERE email IS NOT NULL;

-- Seed 004: a product-page view +2, an inquiry +3; the others are ours.
INSERT INTO lead_score_rules(kind, points, label_zh, label_en, updated_at, updated_by) VALUES
  ('product_view', 2, '浏览产品页', 'Product page view', 0, 1),
  ('inquiry', 3, '咨询详情', 'Detail inquiry', 0, 1),
  ('download', 2, '下载资料', 'Download', 0, 1),
  ('visit', 5, '来访参观', 'Visit', 0, 1);
INSERT INTO reminder_rules(kind, enabled, delay_minutes, counting, calendar, channels,
                           escalate_after, template_zh, template_en, updated_at, updated_by) VALUES
  ('lead_welcome', 1, 0, 'calendar', 'default', 'sms', 0,
   '{person}您好，感谢关注！我们的顾问将在1小时内与您联系。',
   'Dear {person}, thank you for your interest. Our consultant will contact you within 1 hour.',
   0, 1),
  ('lead_assigned', 1, 0, 'calendar', 'default', 'app', 0,
   '【新线索】{company}（{person}，{channel}）已分配给您，请在1小时内联系。',
   'New lead: {company} ({person}, {channel}) is yours; please call within 1 hour.', 0, 1),
  ('lead_high_value', 1, 0, 'calendar', 'default', 'app', 0,
   '【高价值线索】{company}评分已达{score}分，请优先跟进。',
   'High-value lead: {company} scored {score}; follow it up first.', 0, 1),
  ('lead_unassigned', 1, 1440, 'calendar', 'default', 'app', 0,
   '【线索超时未分配】{company}（{channel}，{time}获取）已超过24小时未分配。',
   'Lead not assigned: {company} ({channel}, captured {time}) has waited over 24 hours.', 0, 1);
INSERT INTO meta(key, value) VALUES ('setting.lead.high_value_score', '8');
INSERT INTO meta(key, value) VALUES ('setting.lead.score_half_life_days', '0');
INSERT INTO meta(key, value) VALUES ('setting.lead.max_open_per_user', '50');
INSERT INTO meta(key, value) VALUES ('setting.lead.auto_assign', 'screened');
)SQL";

struct Seed {
  const char* dict;
  const char* code;
  const char* zh;
  const char* en;
  const char* aliases;  // '|'-separated extra spellings
};

// Defaults drawn from the process manuals (seeds 000, 001, 003, 004).
const Seed kSeeds[] = {
    {"customer_type", "prospect", "潜在客户", "Prospect", "潜在"},
    {"customer_type", "intent", "意向客户", "Intent", "意向"},
    {"customer_type", "won", "成交客户", "Won", "成交"},
    {"customer_type", "churned", "流失客户", "Churned", "流失"},
    {"priority", "high", "高", "High", "高优先级"},
    {"priority", "medium", "中", "Medium", "中优先级"},
    {"priority", "low", "低", "Low", "低优先级"},
    {"industry", "internet", "互联网", "Internet", ""},
    {"industry", "manufacturing", "制造业", "Manufacturing", "制造"},
    {"industry", "machinery", "机械制造", "Machinery", ""},
    {"industry", "software", "软件和信息技术服务", "Software and IT services", "软件|信息技术"},
    {"industry", "finance", "金融", "Finance", "金融业"},
    {"industry", "retail", "零售", "Retail", "零售业"},
    {"industry", "healthcare", "医疗健康", "Healthcare", "医疗"},
    {"industry", "education", "教育", "Education", "教育培训"},
    {"industry", "logistics", "物流", "Logistics", "物流运输"},
    {"industry", "construction", "建筑工程", "Construction", "建筑"},
    {"industry", "energy", "能源", "Energy", ""},
    {"industry", "automotive", "汽车", "Automotive", "汽车制造"},
    {"industry", "chemicals", "化工", "Chemicals", ""},
    {"industry", "electronics", "电子", "Electronics", "电子制造"},
    {"industry", "food", "食品饮料", "Food and beverage", "食品"},
    {"industry", "textiles", "纺织服装", "Textiles and apparel", "纺织"},
    {"industry", "real_estate", "房地产", "Real estate", ""},
    {"industry", "agriculture", "农业", "Agriculture", ""},
    {"industry", "telecom", "通信", "Telecommunications", "电信"},
    {"industry", "government", "政府及公共事业", "Government and utilities", "政府"},
    {"industry", "other", "其他", "Other", ""},
    {"scale", "emp_lt50", "50人以下", "Under 50 employees", ""},
    {"scale", "emp_50_100", "50-100人", "50-100 employees", ""},
    {"scale", "emp_100_500", "100-500人", "100-500 employees", ""},
    {"scale", "emp_500_1000", "500-1000人", "500-1000 employees", ""},
    {"scale", "emp_1000_5000", "1000-5000人", "1000-5000 employees", ""},
    {"scale", "emp_gt5000", "5000人以上", "Over 5000 employees", ""},
    {"scale", "rev_lt10m", "1000万以下", "Revenue under 10M CNY", ""},
    {"scale", "rev_10m_100m", "1000万-1亿", "Revenue 10M-100M CNY", ""},
    {"scale", "rev_100m_500m", "1-5亿", "Revenue 100M-500M CNY", ""},
    {"scale", "rev_500m_1b", "5-10亿", "Revenue 500M-1B CNY", ""},
    {"scale", "rev_gt1b", "10亿以上", "Revenue over 1B CNY", ""},
    {"source", "website", "官网注册", "Website sign-up", "官网"},
    {"source", "trade_show", "展会", "Trade show", "展会留资|行业展会"},
    {"source", "phone_inquiry", "电话咨询", "Phone inquiry", ""},
    {"source", "partner_referral", "合作伙伴推荐", "Partner referral", "合作伙伴"},
    {"source", "customer_referral", "客户转介绍", "Customer referral", "转介绍"},
    {"source", "market_research", "市场调研", "Market research", ""},
    {"source", "sales_visit", "销售拜访", "Sales visit", ""},
    {"role", "sales", "销售", "Sales", "销售代表"},
    {"role", "sales_manager", "销售经理", "Sales manager", "部门主管"},
    {"role", "service", "客服", "Service", "客服代表"},
    {"role", "marketing", "市场", "Marketing", "市场专员"},
    {"role", "admin", "系统管理员", "Administrator", "管理员"},
};

void insert_seeds(SQLite::Database& db, const Seed* first, const Seed* last) {
  SQLite::Statement dict(db,
                         "INSERT INTO dictionary(dict, code, label_zh, label_en, aliases, "
                         "position, builtin) VALUES (?, ?, ?, ?, ?, "
                         "(SELECT coalesce(max(position), 0) + 1 FROM dictionary), 1)");
  for (const Seed* s = first; s != last; ++s) {
    dict.reset();
    dict.bind(1, s->dict);
    dict.bind(2, s->code);
    dict.bind(3, s->zh);
    dict.bind(4, s->en);
    dict.bind(5, s->aliases);
    dict.exec();
  }
}

// Tag categories and tags from R1.7 (seed 000) and the 高潜力 automation
// example of seed 001.
const Seed kTagCategories[] = {
    {"tag_category", "industry", "行业", "Industry", "行业标签"},
    {"tag_category", "need", "需求", "Need", "需求标签"},
    {"tag_category", "priority", "优先级", "Priority", "优先级标签"},
    {"tag_category", "value", "价值", "Value", "价值标签"},
};

struct TagSeed {
  const char* category;
  const char* label;
};
const TagSeed kTags[] = {
    {"industry", "制造业"},   {"industry", "互联网"},   {"need", "采购设备"},
    {"need", "寻求合作"},     {"priority", "高优先级"}, {"priority", "中优先级"},
    {"priority", "低优先级"}, {"value", "高潜力"},
};

void migrate_to_2(SQLite::Database& db) {
  db.exec(kSchemaV2);
  insert_seeds(db, std::begin(kTagCategories), std::end(kTagCategories));
  SQLite::Statement tag(db, "INSERT INTO tags(category, label, created_at) VALUES (?, ?, 0)");
  for (const auto& t : kTags) {
    tag.reset();
    tag.bind(1, t.category);
    tag.bind(2, t.label);
    tag.exec();
  }
}

void migrate_to_1(SQLite::Database& db, const std::string& time_zone) {
  db.exec(kSchemaV1);
  SQLite::Statement meta(db, "INSERT INTO meta(key, value) VALUES (?, ?)");
  meta.bind(1, "time_zone");
  meta.bind(2, time_zone);
  meta.exec();
  insert_seeds(db, std::begin(kSeeds), std::end(kSeeds));
  db.exec(
      "INSERT INTO users(id, login, name, department, role, active, created_at) "
      "VALUES (1, 'admin', '系统管理员', NULL, 'admin', 1, 0)");
}

void migrate_to_5(SQLite::Database& db) {
  db.exec(kSchemaV5);
  // China's public holidays and make-up working days of 2026 (国务院办公厅).
  SQLite::Statement year(db,
                         "INSERT INTO calendar_years(calendar_id, year, text, loaded_at, "
                         "loaded_by) VALUES (1, 2026, ?, 0, 1)");
  year.bind(1, std::string(holidays_cn_2026_text()));
  year.exec();
}

// Tiers A/B/C with the cadences of seed 000, follow-up methods (R2.3), the
// grading criteria of R2.1 and the reminder rules (seed 004: remind, then
// copy the department supervisor 24 hours later).
const Seed kFollowupSeeds[] = {
    {"tier", "A", "A类客户", "Tier A", "A|A类|重点客户|高价值客户"},
    {"tier", "B", "B类客户", "Tier B", "B|B类|普通客户|中等价值客户"},
    {"tier", "C", "C类客户", "Tier C", "C|C类|一般客户|低价值客户"},
    {"followup_method", "phone", "电话", "Phone", "电话沟通|打电话"},
    {"followup_method", "visit", "拜访", "Visit", "上门拜访|面谈"},
    {"followup_method", "email", "邮件", "E-mail", "电子邮件|邮箱"},
    {"followup_method", "online_meeting", "线上会议", "Online meeting", "视频会议|网络会议"},
    {"followup_state", "planned", "计划中", "Planned", ""},
    {"followup_state", "done", "已完成", "Done", ""},
    {"followup_state", "missed", "未执行", "Missed", "错过"},
    {"followup_state", "cancelled", "已取消", "Cancelled", "取消"},
    {"followup_state", "rescheduled", "已改期", "Rescheduled", "改期"},
};

const char* const kFollowupRows = R"SQL(
INSERT INTO tiers(code, cadence, position, updated_at, updated_by) VALUES
  ('A', '1w', 1, 0, 1), ('B', '2w', 2, 0, 1), ('C', '1m', 3, 0, 1);
INSERT INTO grading_criteria(name, label_zh, label_en, unit, thresholds, position, updated_at,
                             updated_by) VALUES
  ('annual_potential', '年采购潜力', 'Annual purchase potential', '万元', 'A>=100,B>=30', 1, 0, 1),
  ('cooperation_likelihood', '合作可能性', 'Likelihood of cooperation', '%', 'A>=70,B>=40', 2,
   0, 1);
INSERT INTO reminder_rules(kind, enabled, delay_minutes, counting, calendar, channels,
                           escalate_after, template_zh, template_en, updated_at, updated_by) VALUES
  ('plan_reminder', 1, 0, 'calendar', 'default', 'app', 0,
   '【跟进提醒】{time} 以{method}方式跟进客户“{customer}”（{customer_id}）：{goal}',
   'Follow-up at {time}: {method} with {customer} ({customer_id}) - {goal}', 0, 1),
  ('plan_overdue', 1, 0, 'calendar', 'default', 'app', 1440,
   '【跟进逾期】客户“{customer}”（{customer_id}）计划于 {time} 的跟进尚未完成：{goal}',
   'Overdue follow-up: {customer} ({customer_id}), planned for {time} - {goal}', 0, 1),
  ('cadence_lapsed', 1, 0, 'calendar', 'default', 'app', 1440,
   '【超期未跟进】{tier}类客户“{customer}”（{customer_id}）应于 {time} 前跟进，至今未跟进',
   'Tier {tier} customer {customer} ({customer_id}) was due for contact by {time}', 0, 1),
  ('unverified', 1, 1440, 'calendar', 'default', 'app', 1440,
   '【信息待核实】客户“{customer}”（{customer_id}）于 {time} 录入，至今未核实',
   'Not verified: {customer} ({customer_id}), entered {time}', 0, 1),
  ('review_due', 1, 0, 'calendar', 'default', 'app', 0,
   '【月度复核】客户“{customer}”（{customer_id}）应于 {time} 前完成复核',
   'Monthly review due: {customer} ({customer_id}) by {time}', 0, 1),
  ('major_change', 1, 1440, 'calendar', 'default', 'app', 1440,
   '【重大变更待更新】客户“{customer}”（{customer_id}）在 {time} 的跟进中出现重大变更，档案尚未更新',
   'Major change not recorded: {customer} ({customer_id}), reported in the follow-up of {time}',
   0, 1),
  ('escalation', 1, 0, 'calendar', 'default', 'app,email', 0,
   '【升级提醒】{owner}的提醒超时未处理：{original}',
   'Escalated, not handled by {owner}: {original}', 0, 1);
-- Every customer's next monthly review (R1.10) counts from its last review,
-- or its creation; the scheduler computes the exact instant when it looks.
INSERT INTO timers(kind, subject, base_at, due_at)
  SELECT 'review_due', id, coalesce(reviewed_at, created_at), coalesce(reviewed_at, created_at)
  FROM customers WHERE archived = 0;
INSERT INTO meta(key, value) SELECT 'scheduler.timers', count(*) FROM timers;
)SQL";

void migrate_to_6(SQLite::Database& db) {
  db.exec(kSchemaV6);
  insert_seeds(db, std::begin(kFollowupSeeds), std::end(kFollowupSeeds));
  db.exec(kFollowupRows);
}

// The states of a maintenance plan (fixed: the rules depend on the codes).
const Seed kMaintenanceSeeds[] = {
    {"maintenance_state", "submitted", "待审批", "Submitted", "已提交"},
    {"maintenance_state", "approved", "已批准", "Approved", "批准"},
    {"maintenance_state", "rejected", "已驳回", "Rejected", "驳回"},
    {"maintenance_state", "carried_out", "已执行", "Carried out", "执行"},
    {"maintenance_state", "evaluated", "已评估", "Evaluated", "评估"},
};

void migrate_to_7(SQLite::Database& db) {
  db.exec(kSchemaV7);
  insert_seeds(db, std::begin(kMaintenanceSeeds), std::end(kMaintenanceSeeds));
}

// The built-in roles' rows of the permission matrix (administrators are not
// stored: they may do everything, always), and the first audit entry.
void migrate_to_8(SQLite::Database& db) {
  db.exec(kSchemaV8);
  SQLite::Statement row(db,
                        "INSERT INTO permissions(role, object, action, scope) VALUES (?, ?, ?, ?)");
  for (const std::string& role : builtin_roles()) {
    if (role == "admin") continue;
    RoleScopes scopes = default_role_scopes(role);
    for (const PermissionPair& p : permission_pairs()) {
      Scope scope = scopes[static_cast<int>(p.perm)];
      if (scope == Scope::none) continue;
      row.reset();
      row.bind(1, role);
      row.bind(2, p.object);
      row.bind(3, p.action);
      row.bind(4, scope_name(scope));
      row.exec();
    }
  }
  append_audit_row(db, AuditEntry{0, 1, "schema.migrate", "schema:8", "ok", "", "", 1});
}

// The funnel's stages (fixed: the rules depend on the codes).
const Seed kLeadSeeds[] = {
    {"lead_stage", "captured", "线索获取", "Captured", "获取"},
    {"lead_stage", "screened", "初步筛选", "Screened", "筛选"},
    {"lead_stage", "assigned", "分配销售", "Assigned", "分配"},
    {"lead_stage", "following", "跟进", "In follow-up", "跟进中"},
    {"lead_stage", "converted", "转化", "Converted", "已转化"},
    {"lead_stage", "disqualified", "无效线索", "Disqualified", "无效"},
};

void migrate_to_9(SQLite::Database& db) {
  db.exec(kSchemaV9);
  insert_seeds(db, std::begin(kLeadSeeds), std::end(kLeadSeeds));
}

// Schema 10: automation rules (R8) with their versions and runs, and the
// seeds' examples as disabled templates.
const char* const kSchemaV10 = R"SQL(
CREATE TABLE automation_rules(
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  enabled    INTEGER NOT NULL DEFAULT 0,
  version    INTEGER NOT NULL,
  event      TEXT NOT NULL,
  definition TEXT NOT NULL,
  template   TEXT UNIQUE,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE TABLE automation_rule_versions(
  rule_id    INTEGER NOT NULL REFERENCES automation_rules(id),
  version    INTEGER NOT NULL,
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY(rule_id, version)
) WITHOUT ROWID;
CREATE TABLE automation_runs(
  id          INTEGER PRIMARY KEY,
  rule_id     INTEGER NOT NULL REFERENCES automation_rules(id),
  version     INTEGER NOT NULL,
  event       TEXT NOT NULL,
  customer_id INTEGER REFERENCES customers(id),
  at          INTEGER NOT NULL,
  depth       INTEGER NOT NULL,
  outcome     TEXT NOT NULL,
  detail      TEXT
);
CREATE INDEX automation_runs_rule ON automation_runs(rule_id, id);
CREATE INDEX automation_runs_customer ON automation_runs(customer_id, rule_id, at);
INSERT INTO meta(key, value) VALUES ('setting.automation.max_depth', '3');
)SQL";

// The seeds' examples (001: 高潜力 → sales manager; 004: status unchanged
// for 3 days; opportunity not updated for 24 h → the salesperson, 48 h →
// the supervisor; until opportunities exist, intent customers).
struct RuleTemplate {
  const char* code;
  const char* event;
  const char* json;
};
const RuleTemplate kRuleTemplates[] = {
    {"high_potential_tag", "tag_added",
     R"J({"name": "高潜力客户提醒销售经理",
 "trigger": {"event": "tag_added", "tag": "高潜力"},
 "actions": [{"type": "notify", "to": "role:sales_manager", "channels": "app",
              "template_zh": "客户“{customer}”（{customer_id}）被标记为高潜力，负责人：{owner}",
              "template_en": "{customer} ({customer_id}) was tagged high potential; owner {owner}"}]})J"},
    {"status_stale_3d", "no_change",
     R"J({"name": "客户状态3天未更新逾期提醒",
 "trigger": {"event": "no_change", "field": "type", "days": 3},
 "actions": [{"type": "notify", "to": "owner", "channels": "app",
              "template_zh": "【逾期】客户“{customer}”的状态已3天未更新，请跟进",
              "template_en": "Overdue: the status of {customer} has not changed for 3 days"}]})J"},
    {"intent_stale_24h", "no_change",
     R"J({"name": "意向客户24小时未更新提醒销售",
 "trigger": {"event": "no_change", "hours": 24},
 "conditions": {"field": "type", "op": "=", "value": "intent"},
 "actions": [{"type": "notify", "to": "owner", "channels": "app,email",
              "template_zh": "意向客户“{customer}”已24小时未更新，请及时跟进",
              "template_en": "Intent customer {customer} has not been updated for 24 hours"}]})J"},
    {"intent_stale_48h", "no_change",
     R"J({"name": "意向客户48小时未更新抄送主管",
 "trigger": {"event": "no_change", "hours": 48},
 "conditions": {"field": "type", "op": "=", "value": "intent"},
 "actions": [{"type": "escalate", "channels": "app",
              "template_zh": "意向客户“{customer}”已48小时未更新（负责人：{owner}）",
              "template_en": "Intent customer {customer} has not been updated for 48 hours (owner {owner})"}]})J"},
};

void migrate_to_10(SQLite::Database& db) {
  db.exec(kSchemaV10);
  SQLite::Statement rule(db,
                         "INSERT INTO automation_rules(name, enabled, version, event, definition, "
                         "template, updated_at, updated_by) VALUES (?, 0, 1, ?, ?, ?, 0, 1)");
  SQLite::Statement version(db,
                            "INSERT INTO automation_rule_versions(rule_id, version, definition, "
                            "created_at, created_by) VALUES (last_insert_rowid(), 1, ?, 0, 1)");
  for (const auto& t : kRuleTemplates) {
    std::string json = t.json;
    std::string name = json.substr(json.find(": \"") + 3);
    name = name.substr(0, name.find('"'));
    rule.reset();
    rule.bind(1, name);
    rule.bind(2, t.event);
    rule.bind(3, t.json);
    rule.bind(4, t.code);
    rule.exec();
    version.reset();
    version.bind(1, t.json);
    version.exec();
  }
}

// Version 11: data in and out (R9.1, R9.2).  A customer's id in another
// system (an ERP, the CRM being replaced), unique, for imports that update
// by it; a migrated follow-up record's source key, so that migrating the
// same history twice adds nothing the second time.
const char* const kSchemaV11 = R"SQL(
ALTER TABLE customers ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX customers_external_id ON customers(external_id)
  WHERE external_id IS NOT NULL;
ALTER TABLE followup_records ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX followup_records_source ON followup_records(customer_id, source_key)
  WHERE source_key IS NOT NULL;
)SQL";

void migrate_to_11(SQLite::Database& db) { db.exec(kSchemaV11); }

// Schema 12: customer-name search (an FTS5 trigram index of the folded name,
// its pinyin and initials, kept by the service layer) and the definition of
// customer information completeness (R10.1: which fields count, with what
// weight; the goal is the setting completeness.goal_percent, 95 % by seed
// 001).  The defaults are the fields of 《客户信息登记表》 (R1.1) and of seed
// 003's 信息内容 that a customer may lack.
const char* const kSchemaV12 = R"SQL(
CREATE VIRTUAL TABLE customer_search USING fts5(name, pinyin, initials, tokenize = 'trigram');
CREATE TABLE completeness_fields(
  field      TEXT PRIMARY KEY,
  weight     INTEGER NOT NULL CHECK (weight > 0),
  position   INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER NOT NULL REFERENCES users(id)
) WITHOUT ROWID;
INSERT INTO completeness_fields(field, weight, position, updated_at, updated_by) VALUES
  ('name', 1, 1, 0, 1), ('contact_name', 1, 2, 0, 1), ('contact_title', 1, 3, 0, 1),
  ('phone', 1, 4, 0, 1), ('email', 1, 5, 0, 1), ('industry', 1, 6, 0, 1),
  ('scale', 1, 7, 0, 1), ('source', 1, 8, 0, 1), ('key_needs', 1, 9, 0, 1),
  ('priority', 1, 10, 0, 1);
INSERT INTO meta(key, value) VALUES ('setting.completeness.goal_percent', '95');
)SQL";

void migrate_to_12(SQLite::Database& db) {
  db.exec(kSchemaV12);
  SQLite::Statement insert(
      db, "INSERT INTO customer_search(rowid, name, pinyin, initials) VALUES (?, ?, ?, ?)");
  SQLite::Statement rows(db, "SELECT id, name FROM customers ORDER BY id");
  while (rows.executeStep()) {
    SearchKeys k = search_keys(rows.getColumn(1).getString());
    insert.reset();
    insert.bind(1, rows.getColumn(0).getInt64());
    insert.bind(2, k.name);
    insert.bind(3, k.pinyin);
    insert.bind(4, k.initials);
    insert.exec();
  }
}

// Schema 13: merging duplicate customers (R9.3).  A merged customer stays,
// archived, with merged_into naming the survivor.  Each merge keeps what an
// unmerge needs: both customers' rows, custom values, tags, primary contact
// and reminder timers before the merge and the survivor's and merged one's
// state right after it (customer_merge_values, one row per stored value, in
// an untyped column so that integers stay integers), and every child row
// the merge moved (customer_merge_moves, with the value it replaced).
const char* const kSchemaV13 = R"SQL(
ALTER TABLE customers ADD COLUMN merged_into INTEGER REFERENCES customers(id);
CREATE TABLE customer_merges(
  id          INTEGER PRIMARY KEY,
  survivor_id INTEGER NOT NULL REFERENCES customers(id),
  merged_id   INTEGER NOT NULL REFERENCES customers(id),
  merged_at   INTEGER NOT NULL,
  merged_by   INTEGER NOT NULL REFERENCES users(id),
  choices     TEXT NOT NULL,
  reason      TEXT,
  undone_at   INTEGER,
  undone_by   INTEGER REFERENCES users(id),
  undo_note   TEXT
);
CREATE INDEX customer_merges_survivor ON customer_merges(survivor_id, id);
CREATE INDEX customer_merges_merged ON customer_merges(merged_id, id);
CREATE TABLE customer_merge_values(
  merge_id    INTEGER NOT NULL REFERENCES customer_merges(id),
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  phase       TEXT NOT NULL,
  name        TEXT NOT NULL,
  value,
  PRIMARY KEY(merge_id, customer_id, phase, name)
) WITHOUT ROWID;
CREATE TABLE customer_merge_moves(
  merge_id INTEGER NOT NULL REFERENCES customer_merges(id),
  tbl      TEXT NOT NULL,
  row_id   INTEGER NOT NULL,
  before,
  PRIMARY KEY(merge_id, tbl, row_id)
) WITHOUT ROWID;
)SQL";

void migrate_to_13(SQLite::Database& db) { db.exec(kSchemaV13); }

// Schema 14: match keys for duplicate detection and the cleansing report
// (R9.3).  One row per (kind, key, customer); the primary key serves
// blocking (customers sharing a key), the second index refreshing and
// scoring one customer.  The keys of existing customers are computed here.
const char* const kSchemaV14 = R"SQL(
CREATE TABLE match_keys(
  kind        TEXT NOT NULL,
  key         TEXT NOT NULL,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  PRIMARY KEY(kind, key, customer_id)
) WITHOUT ROWID;
CREATE INDEX match_keys_customer ON match_keys(customer_id, kind);
-- 000: a quarterly cleanse; a customer neither updated nor followed up for
-- a quarter is stale.
INSERT INTO meta(key, value) VALUES ('setting.cleansing.stale_days', '90');
)SQL";

void migrate_to_14(SQLite::Database& db) {
  db.exec(kSchemaV14);
  fill_match_keys(db);
}

}  // namespace

int latest_schema_version() { return 14; }

void migrate(SQLite::Database& db, int from, int to, const std::string& time_zone) {
  for (int v = from + 1; v <= to; ++v) {
    switch (v) {
      case 1:
        migrate_to_1(db, time_zone);
        break;
      case 2:
        migrate_to_2(db);
        break;
      case 3:
        db.exec(kSchemaV3);
        break;
      case 4:
        db.exec(kSchemaV4);
        break;
      case 5:
        migrate_to_5(db);
        break;
      case 6:
        migrate_to_6(db);
        break;
      case 7:
        migrate_to_7(db);
        break;
      case 8:
        migrate_to_8(db);
        break;
      case 9:
        migrate_to_9(db);
        break;
      case 10:
        migrate_to_10(db);
        break;
      case 11:
        migrate_to_11(db);
        break;
      case 12:
        migrate_to_12(db);
        break;
      case 13:
        migrate_to_13(db);
        break;
      case 14:
        migrate_to_14(db);
        break;
      default:
        throw Error(Status::internal, "no migration to schema version " + std::to_string(v),
                    "缺少升级到版本 " + std::to_string(v) + " 的迁移");
    }
    db.exec("PRAGMA user_version = " + std::to_string(v));
  }
  db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
}

}  // namespace crm::store

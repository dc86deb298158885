// Simulation of automation rules (R8.3) on a scratch copy of the database.

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/json_value.hpp"
#include "domain/messages.hpp"
#include "service/automation.hpp"
#include "service/customers.hpp"
#include "service/scheduler.hpp"
#include "service/tags.hpp"
#include "store/automation_repo.hpp"
#include "store/schedule_repo.hpp"
#include "store/tag_repo.hpp"

namespace crm {
namespace {

constexpr std::size_t kMaxSteps = 1000;

[[noreturn]] void bad(const std::string& path, const std::string& en, const std::string& zh) {
  throw Error(Status::invalid_arg, path + ": " + en, path + "：" + zh);
}

// A temporary file removed (with its WAL and shared-memory files) when done.
class ScratchFile {
 public:
  ScratchFile() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "crm-simulation-XXXXXX").string();
    int fd = mkstemp(tmpl.data());
    if (fd < 0)
      throw Error(Status::cantopen, "cannot create a scratch file for the simulation",
                  "无法创建模拟用的临时文件");
    close(fd);
    path_ = tmpl;
  }
  ~ScratchFile() {
    std::error_code ec;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"})
      std::filesystem::remove(path_ + suffix, ec);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Copies the database, as this handle sees it, into `path`.
void copy_database(Session& s, const std::string& path) {
  sqlite3* dest = nullptr;
  if (sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(dest);
    throw Error(Status::cantopen, "cannot open the simulation's scratch copy",
                "无法打开模拟用的临时副本");
  }
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", s.db().conn().db().getHandle(), "main");
  int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
  if (b) sqlite3_backup_finish(b);
  sqlite3_close(dest);
  if (rc != SQLITE_DONE)
    throw Error(Status::internal, "copying the database for the simulation failed",
                "复制数据库以进行模拟失败");
}

Record record_of(const JsonValue& obj, const std::string& path) {
  if (!obj.is(JsonValue::Type::object))
    bad(path, "an object of fields is expected", "应为字段对象");
  Record r;
  for (const auto& [k, v] : obj.members) {
    switch (v.type) {
      case JsonValue::Type::string:
        r.set(k, Value{v.string});
        break;
      case JsonValue::Type::number:
        if (auto n = v.integer())
          r.set(k, Value{*n});
        else
          r.set(k, Value{v.number});
        break;
      case JsonValue::Type::boolean:
        r.set(k, Value{std::int64_t{v.boolean ? 1 : 0}});
        break;
      case JsonValue::Type::null:
        r.set(k, Value{});
        break;
      default:
        bad(path + "." + k, "a text, number, boolean or null is expected",
            "应为文本、数值、布尔值或 null");
    }
  }
  return r;
}

std::string text_member(const JsonValue& step, const std::string& path, const char* key) {
  const JsonValue* v = step.get(key);
  if (!v || !v->is(JsonValue::Type::string)) bad(path + "." + key, "text is expected", "应为文本");
  return v->string;
}

}  // namespace

std::vector<Record> simulate_automation(Session& s, const std::string& rules_json,
                                        const std::string& script_json) {
  s.authorize(Perm::config_manage);
  JsonValue script = parse_json(script_json);
  const JsonValue* steps = script.is(JsonValue::Type::object) ? script.get("steps") : nullptr;
  if (!steps || !steps->is(JsonValue::Type::array) || steps->items.empty() ||
      steps->items.size() > kMaxSteps)
    bad("script", "{\"steps\": [...]} with 1 to 1000 steps is expected",
        "应为含 1 到 1000 个步骤的 {\"steps\": [...]}");
  std::int64_t t = s.db().now();
  if (const JsonValue* start = script.get("start")) {
    auto n = start->integer();
    if (!n || *n < 0) bad("script.start", "UTC milliseconds are expected", "应为 UTC 毫秒数");
    t = *n;
  }
  std::optional<JsonValue> rules;
  if (!rules_json.empty()) {
    rules = parse_json(rules_json);
    if (!rules->is(JsonValue::Type::array))
      bad("rules", "an array of rules is expected", "应为规则数组");
  }

  ScratchFile file;
  copy_database(s, file.path());
  store::OpenOptions o;
  o.path = file.path();
  Database scratch(o);
  scratch.clock().fix(t);
  Session as(scratch, s.user_id());
  if (rules) {
    // Only the rules given: the saved ones are switched off in the copy.
    for (const auto& r : store::list_automation_rules(scratch.conn()))
      if (r.enabled) enable_automation_rule(as, r.id, false);
    for (std::size_t i = 0; i < rules->items.size(); ++i) {
      try {
        enable_automation_rule(as, save_automation_rule(as, 0, to_json(rules->items[i])).first,
                               true);
      } catch (const Error& e) {
        bad("rules[" + std::to_string(i) + "]", e.message_en(), e.message_zh());
      }
    }
  }

  std::map<std::int64_t, std::string> names;
  for (const auto& r : store::list_automation_rules(scratch.conn())) names[r.id] = r.name;
  std::vector<Record> timeline;
  std::int64_t last_run = 0, last_message = 0;
  std::optional<std::int64_t> customer;  // the scripted one
  // Appends what rules did since the last look, in the order it happened.
  auto collect = [&] {
    for (bool more = true; more;) {
      auto runs = store::list_automation_runs(scratch.conn(), 0, last_run, 1000);
      more = runs.size() == 1000;
      for (const auto& run : runs) {
        last_run = run.id;
        if (!customer || run.customer != customer) continue;  // the copy's other customers
        Record row;
        row.append("at", run.at);
        row.append("kind", std::string("run"));
        row.append("rule", run.rule);
        row.append("rule_name", names[run.rule]);
        row.append("event", run.event);
        row.append("outcome", run.outcome);
        row.append("detail", optional_value(run.detail));
        timeline.push_back(std::move(row));
      }
    }
    for (bool more = true; more;) {
      auto messages = store::list_outbox(scratch.conn(), last_message, 1000, false);
      more = messages.size() == 1000;
      for (const auto& m : messages) {
        last_message = m.id;
        if (m.kind != "automation" || !customer || m.customer != customer) continue;
        Record row;
        row.append("at", m.created_at);
        row.append("kind", std::string("message"));
        row.append("rule", m.subject);
        row.append("rule_name", names[m.subject]);
        row.append("channel", m.channel);
        row.append("recipient", m.recipient_user ? "user:" + std::to_string(*m.recipient_user)
                                                 : "role:" + m.recipient_role.value_or(""));
        row.append("message", m.message_zh);
        timeline.push_back(std::move(row));
      }
    }
  };
  collect();  // nothing yet: skips the copy's own outbox
  timeline.clear();
  const JsonValue none;
  for (std::size_t i = 0; i < steps->items.size(); ++i) {
    const JsonValue& step = steps->items[i];
    const std::string path = "steps[" + std::to_string(i) + "]";
    if (!step.is(JsonValue::Type::object)) bad(path, "an object is expected", "应为对象");
    if (const JsonValue* at = step.get("at")) {
      auto n = at->integer();
      if (!n || *n < t)
        bad(path + ".at", "a time not before the previous step's", "时间不能早于上一步");
      t = *n;
    } else if (const JsonValue* h = step.get("after_hours")) {
      if (!h->is(JsonValue::Type::number) || h->number < 0 || h->number > 24 * 366)
        bad(path + ".after_hours", "0 to 8784 hours", "应为 0 到 8784 小时");
      t += static_cast<std::int64_t>(std::llround(h->number * 3600000.0));
    }
    // Whatever falls due before the step fires at its own time.
    for (int guard = 0; guard < 10000; ++guard) {
      auto due = store::due_timers(scratch.conn(), t, 1);
      if (due.empty()) break;
      scratch.clock().fix(due[0].due_at);
      tick(as, due[0].due_at);
      collect();
    }
    scratch.clock().fix(t);
    const std::string what = text_member(step, path, "do");
    const JsonValue* fields = step.get("fields");
    std::string detail = what;
    try {
      if (what == "create") {
        if (customer) bad(path, "the customer exists already", "客户已创建");
        customer = create_customer(as, record_of(fields ? *fields : none, path + ".fields"));
        detail = "create " + store::human_id(*customer);
      } else if (!customer && what != "tick") {
        bad(path, "the first step creates the customer", "第一步须创建客户");
      } else if (what == "update") {
        Record changes = record_of(fields ? *fields : none, path + ".fields");
        update_customer(as, *customer, changes);
        for (const auto& [k, v] : changes.entries()) detail += " " + k;
      } else if (what == "tag" || what == "untag") {
        std::string label = text_member(step, path, "tag");
        auto all = store::find_tags_by_label(scratch.conn(), label);
        if (all.size() != 1)
          bad(path + ".tag", "no single tag \"" + quote_value(label) + "\"",
              "没有唯一的标签“" + quote_value(label) + "”");
        tag_customer(as, *customer, all[0].id, what == "tag");
        detail += " " + label;
      } else if (what == "stage") {
        std::string stage = text_member(step, path, "stage");
        set_customer_type(as, *customer, stage, std::nullopt);
        detail += " " + stage;
      } else if (what != "tick") {
        bad(path + ".do", "create, update, tag, untag, stage or tick",
            "应为 create、update、tag、untag、stage 或 tick");
      }
    } catch (const Error& e) {
      if (e.message_en().rfind("steps[", 0) == 0) throw;
      throw Error(Status::invalid_arg, path + ": " + e.message_en(), path + "：" + e.message_zh());
    }
    Record row;
    row.append("at", t);
    row.append("kind", std::string("step"));
    row.append("step", static_cast<std::int64_t>(i));
    row.append("detail", detail);
    timeline.push_back(std::move(row));
    collect();
  }
  return timeline;
}

}  // namespace crm

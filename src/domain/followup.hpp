// Tiers, cadences, grading and reminder messages (客户分层与跟进, R2): pure
// rules, no storage.  Dates are local calendar dates of the database's zone;
// the service turns them into instants.
#pragma once

#include <date/date.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.hpp"

namespace crm {

// ---------------------------------------------------------------------------
// Cadence (跟进频次): how often a tier's customers are contacted.

// A number of days, weeks or months: "7d", "1w", "2w", "1m".
struct Cadence {
  enum class Unit { day, week, month };
  int count = 0;  // 1 .. 366 days, 1 .. 52 weeks, 1 .. 12 months
  Unit unit = Unit::week;
  friend bool operator==(const Cadence& a, const Cadence& b) {
    return a.count == b.count && a.unit == b.unit;
  }
};

// Parses "<count><d|w|m>" (also "<count> day(s)|week(s)|month(s)" and the
// Chinese 天 / 周 / 月); nullopt for anything else or a count out of range.
std::optional<Cadence> parse_cadence(std::string_view text);
// "7d", "2w", "1m".
std::string format_cadence(const Cadence& c);
// "每周一次" style Chinese, "every 2 weeks" style English.
std::string describe_cadence_zh(const Cadence& c);
std::string describe_cadence_en(const Cadence& c);

// The date by which the next contact is due: `last` plus the cadence, months
// clamped to the month's end (Jan 31 + 1m = Feb 28/29).
date::year_month_day next_due_date(date::year_month_day last, const Cadence& c);

// ---------------------------------------------------------------------------
// Grading (客户分级, R2.1–R2.2).

// One threshold of a criterion: a value >= min reaches `tier`.
struct Threshold {
  std::string tier;
  double min = 0;
  friend bool operator==(const Threshold& a, const Threshold& b) {
    return a.tier == b.tier && a.min == b.min;
  }
};

// A grading criterion, e.g. 年采购潜力 (annual purchase potential, 万元):
// A >= 100, B >= 30.
struct Criterion {
  std::string name;  // [a-z][a-z0-9_]{0,31}
  std::string label_zh, label_en, unit;
  std::vector<Threshold> thresholds;  // in tier order, best first
};

// Parses "A>=100, B>=30" (also "A:100;B:30"); tiers must exist in
// `tier_order` (best first), appear in that order and have strictly
// decreasing minimums.  Throws Status::invalid_arg naming the bad part.
std::vector<Threshold> parse_thresholds(std::string_view text,
                                        const std::vector<std::string>& tier_order);
// "A>=100,B>=30".
std::string format_thresholds(const std::vector<Threshold>& t);

// The tier of one customer: each criterion gives the best tier whose minimum
// the value reaches (the last tier of `tier_order` when none is reached); the
// customer gets the worst of these, since a high tier needs high value AND
// high intent.  `values` must hold every criterion (Status::validation
// naming each missing or non-finite one otherwise).
struct Grade {
  std::string tier;
  std::string reason_zh, reason_en;  // each criterion's value and tier
};
// The errors of a grading's input: a "required" error for each criterion not
// among `given` (the names that have a number), an "unknown_field" for each
// given name that is no criterion.
std::vector<FieldError> grading_input_errors(const std::vector<Criterion>& criteria,
                                             const std::vector<std::string>& given);

Grade grade(const std::vector<Criterion>& criteria, const std::vector<std::string>& tier_order,
            const std::map<std::string, double>& values);

// A decimal without trailing zeros: 100, 37.5.
std::string format_number(double v);

// ---------------------------------------------------------------------------
// Messages.

// Expands {name} placeholders from `values`; "{{" is a literal '{'.
// Unknown names throw Status::invalid_arg, as do unbalanced braces.
std::string render_template(std::string_view tpl, const std::map<std::string, std::string>& values);

// The names a template uses; throws as render_template would for a bad one
// (`allowed` lists the names the kind of message offers).
void check_template(std::string_view tpl, const std::vector<std::string>& allowed);

}  // namespace crm

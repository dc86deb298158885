// Privacy (R3.6, 《个人信息保护法》 PIPL): what a read shows of personal
// information.  Contact details — phones, e-mails and custom fields marked
// personal — are masked in every read path (get, list, history, export,
// JSON) unless the reader unmasks them, which is a call of its own, allowed
// by the permission matrix (customer.unmask), with a reason, and audited.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/custom_fields.hpp"
#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// 'p' phone, 'e' e-mail, 't' other personal text; 0 for a field shown as is.
char masked_kind(std::string_view field, const CustomFieldSet& custom);

// Masks the personal values of a record in place (customer or contact).
void mask_record(Record& r, const CustomFieldSet& custom);

// A customer record as the session's user may see it: fields of groups the
// user has no right to are removed (a grant opens only its groups), and
// personal values are masked unless `unmasked`.
void present_customer(Session& s, Record& r, const CustomFieldSet& custom, bool unmasked = false);

// A history row's before and after, masked when the field is personal.
void mask_history_row(Record& r, const CustomFieldSet& custom);

// Removes from `input` the personal fields whose value is the mask of the
// stored one: a record read masked and written back unchanged keeps the
// real value.
void drop_unchanged_masks(Record& input, const Record& stored, const CustomFieldSet& custom);

// The customer with its contact details in clear (R3.6): customer.unmask,
// a reason of 1..500 characters, one audit row (alert kind "unmask").
Record unmask_customer(Session& s, std::int64_t key, const std::optional<std::string>& reason);

// A contact in clear, under the same rule as its customer.
Record unmask_contact(Session& s, std::int64_t contact, const std::optional<std::string>& reason);

// Erases a data subject's personal information (删除个人信息, PIPL): the
// contact persons' names (replaced by "已删除"), titles, phones and e-mails
// of the customer and all its contacts, its personal custom fields, and
// those values in its history, which keeps one row of kind "erase" saying
// that it happened, who did it and why (the reason is required).  The
// customer is archived.  customer.erase (administrators by default).
// Free text a user typed elsewhere (follow-up summaries) is not searched.
void erase_customer(Session& s, std::int64_t key, const std::optional<std::string>& reason);

struct RetentionPage {
  std::vector<Record> rows;  // {id, name, owner, archived_at}
  std::string next;
};

// Archived customers whose last change is older than the setting
// "retention.months" (default 36; 0 lists nothing) and not yet erased:
// candidates for erasure under the retention policy.  customer.erase.
RetentionPage retention_due(Session& s, int page_size, const std::string& after);

}  // namespace crm

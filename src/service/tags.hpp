// Tags (标签, R1.7): a dictionary of labels in categories, attached to
// customers, filterable through an index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// Defines a tag (administrators only); returns its id.  `category` is a code
// or label of the tag_category dictionary.
std::int64_t define_tag(Session& s, const std::string& category, const std::string& label);

// Finds a tag by label; `category` may be empty when the label is unique.
std::int64_t find_tag(Session& s, const std::string& category, const std::string& label);

// Tags as records {id, category, category_label, label}.
std::vector<Record> list_tags(Session& s, const std::string& category);
std::vector<Record> customer_tags(Session& s, std::int64_t customer);

// Attaches (add = true) or detaches a tag; a no-op when nothing changes.
void tag_customer(Session& s, std::int64_t customer, std::int64_t tag, bool add);

// The same by label (category optional when the label is unique).  An
// unknown label is not_found, unless adding with a category while the
// setting tags.create_on_attach is "1": then the tag is created.  Returns
// the tag's id.
std::int64_t tag_customer_by_label(Session& s, std::int64_t customer, const std::string& category,
                                   const std::string& label, bool add);

// Throws not_found unless every id names a tag.
void check_tags_exist(Session& s, const std::vector<std::int64_t>& ids);

}  // namespace crm

// Permission decisions (权限, R3.1–R3.4): the permission matrix (role ×
// object × action → scope), where a record's owner stands relative to the
// acting user, and the fixed rules of ownership, supervision and grants.
// Pure: the service brings the user's department tree, the record's owner
// and the grants.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crm {

// Every (object, action) pair of the matrix.  The order is the order of
// permission_pairs(); scoped pairs concern a customer (or a lead or ticket)
// and their scope says whose; the others are granted or not.
enum class Perm : int {
  customer_read,
  customer_create,
  customer_update,
  customer_archive,
  customer_transfer,
  customer_unmask,
  customer_export,
  customer_erase,
  customer_approve,
  followup_read,
  followup_write,
  maintenance_read,
  maintenance_write,
  maintenance_approve,
  lead_read,
  lead_write,
  campaign_read,
  campaign_write,
  ticket_read,
  ticket_write,
  user_read,
  user_manage,
  config_read,
  config_manage,
  audit_read,
  schedule_run,
  backup_run,
};
constexpr int kPermCount = static_cast<int>(Perm::backup_run) + 1;

struct PermissionPair {
  Perm perm;
  const char* object;
  const char* action;
  bool scoped;  // own / department / all apply; otherwise any scope but none grants
  const char* zh;
  const char* en;
};

// Every pair, in Perm order.
const std::array<PermissionPair, kPermCount>& permission_pairs();
const PermissionPair& pair_of(Perm p);
// ("customer", "read") → Perm::customer_read; nullopt for an unknown pair.
std::optional<Perm> find_perm(std::string_view object, std::string_view action);

// How far a role's permission reaches (最小必要原则: none unless granted).
//   own         records the user owns
//   department  records owned by anyone in the user's department or below
//   all         every record
enum class Scope : std::uint8_t { none, own, department, all };
const char* scope_name(Scope s);
std::optional<Scope> parse_scope(std::string_view name);

// One role's row of the matrix.
using RoleScopes = std::array<Scope, kPermCount>;

// The built-in roles' rows (seeds 001, 004; R3.4):
//   sales          own customers: view and edit; own follow-ups and plans
//   sales_manager  the department's customers: view, approve, transfer;
//                  edit only their own
//   service        every customer read-only (tickets come from any of them),
//                  follow-up records read-only, tickets
//   marketing      leads and campaigns
//   admin          everything (fixed: an administrator cannot be locked out)
// Every role may read users and configuration (dictionaries, tiers, fields).
// An unknown role gets nothing.
RoleScopes default_role_scopes(std::string_view role);
// The roles with a built-in row, in seed order.
const std::vector<std::string>& builtin_roles();

// The built-in matrix as a Markdown table (docs/permissions.md embeds it,
// and a test checks that it is current).
std::string render_permission_matrix();

// Where a record's owner stands relative to the acting user.
enum class Reach : std::uint8_t { own, department, other };

// A grant from an approved access request (跨部门协作申请, R3.2).
enum class GrantLevel : std::uint8_t { none, view, edit };

// Field groups a grant may open (and what a read without a role's right
// shows): bits of a mask.
enum FieldGroup : unsigned {
  kGroupBasic = 1,     // name, industry, scale, type, source, owner, dates, tier …
  kGroupContact = 2,   // contact person, phone, e-mail, the contacts
  kGroupNeeds = 4,     // key needs, priority, custom fields, tags
  kGroupFollowup = 8,  // follow-up plans and records, last follow-up, next step
  kGroupAll = 15,
};
// "basic,contact" → mask ("all" = the four); nullopt names an unknown
// group.  "" = basic.
std::optional<unsigned> parse_field_groups(std::string_view list);
std::string field_groups_text(unsigned mask);
// The group of a customer field ("phone" → contact, "custom.x" → needs),
// or of a history row's field ("contact.3.phone" → contact, "tags" → needs,
// "maintenance.2" and "lead.7" → followup).
FieldGroup group_of_field(std::string_view field);

// The acting user's standing towards one record.
struct Standing {
  Reach reach = Reach::other;
  // The owner is in a department the user supervises (部门主管), or below it:
  // the user may view, approve and transfer (R3.1), whatever the role.
  bool supervisor = false;
  GrantLevel grant = GrantLevel::none;  // an unexpired grant of the user's
  unsigned grant_groups = 0;
};

// Whether a scope reaches a record at `reach`.
bool scope_covers(Scope scope, Reach reach);

// The decision for a scoped pair on one record, or for an unscoped pair
// (the standing is then ignored).
bool allowed(const RoleScopes& role, bool admin, Perm perm, const Standing& standing);

// What a user who may read a record sees of it: everything if the role or
// supervision allows the read, the grant's groups (and basic) if only a
// grant does, nothing otherwise.
unsigned visible_groups(const RoleScopes& role, bool admin, const Standing& standing);

}  // namespace crm

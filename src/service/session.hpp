// A session: every operation runs as a user (the actor), who is written into
// history and audit, and whose role, department and grants decide what may
// be done and seen.  authorize() is the single point where permission
// decisions are made (R3): the matrix, ownership, supervision and grants of
// src/domain/permissions.hpp applied to the user's standing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/permissions.hpp"
#include "service/db.hpp"
#include "store/audit_repo.hpp"
#include "store/auth_repo.hpp"

namespace crm {

// A customer as permission decisions see it: its key and its owner.
struct CustomerRef {
  std::int64_t key = 0;
  std::int64_t owner = 0;
};

// Which customers a list may show: every one, or those of the owners (and
// the granted customers) listed.
struct Visibility {
  bool all = false;
  std::vector<std::int64_t> owners;   // sorted
  std::vector<std::int64_t> granted;  // customer keys, sorted (some may be owned by `owners`)
};

// "[3,7]": ids for the store's json_each lists.
std::string ids_json(const std::vector<std::int64_t>& ids);

class Session {
 public:
  // Throws not_found if the user does not exist or is inactive.
  Session(Database& db, std::int64_t user_id);
  Session(Database& db, const std::string& login);

  Database& db() { return db_; }
  std::int64_t user_id() const { return user_id_; }
  const std::string& role();
  // The user's department name ("" for none).
  const std::string& department();
  bool is_admin();

  // An unscoped permission (users, configuration, audit, the scheduler …).
  // Throws Status::permission, and audits the denial, when the role lacks it.
  void authorize(Perm perm);
  bool may(Perm perm);

  // A permission on one customer.  Throws Status::not_found when the user
  // may not even see the customer (its existence is not revealed), and
  // Status::permission when they see it but may not do this; both denials
  // are audited.
  void authorize(Perm perm, const CustomerRef& customer);
  bool may(Perm perm, const CustomerRef& customer);
  // A scoped permission towards a user rather than an existing record: may
  // the user create a customer owned by `owner`, or hand one to them?
  // Throws Status::permission (audited) if not.
  void authorize_for(Perm perm, std::int64_t owner);
  Standing standing(const CustomerRef& customer);

  // A permission on a lead (R4), scoped by its owner as a customer is; a
  // lead in the pool (no owner) is within a department scope's reach (the
  // sales managers and marketing who hand the pool out), not an own
  // scope's.  Grants open customers, not leads.  Throws Status::not_found
  // when the user may not read the lead, Status::permission when they may
  // but not do this; both audited.
  void authorize_lead(Perm perm, std::int64_t lead, std::optional<std::int64_t> owner);
  bool may_lead(Perm perm, std::optional<std::int64_t> owner);
  // How far the user's role reaches for `perm` (all for administrators,
  // none for a deactivated account).
  Scope scope_of(Perm perm);
  // The field groups (FieldGroup bits) the user sees of the customer.
  unsigned visible_groups(const CustomerRef& customer);
  // Where `owner` stands relative to the user (for new owners).
  Reach reach_of(std::int64_t owner);

  // The customers a list for `read` (customer_read or followup_read) shows;
  // a grant counts only if it opens every group in `needed` (FieldGroup
  // bits): a list filtered on a field must not reveal its value to a
  // grantee who may not see it.
  Visibility visibility(Perm read, unsigned needed = kGroupBasic);

  // Refuses `perm` on `object` with a message of the caller's (audited like
  // any denial).
  [[noreturn]] void refuse(Perm perm, const std::string& object, const std::string& en,
                           const std::string& zh);

  // Appends an audit row acted by this user, inside the caller's write
  // transaction.  `detail` names fields or gives a reason; never a value of
  // a personal field.
  void audit(const std::string& action, const std::string& object, const std::string& detail = "",
             const std::string& alert_kind = "", std::int64_t amount = 1);

  // Writes denials noted inside a transaction that then failed.  Called by
  // the C ABI after every call; a no-op when nothing is pending.
  void flush_audit() noexcept;

 private:
  struct Principal {
    std::uint64_t generation = 0;  // of the AuthData it was built from
    bool active = false, admin = false;
    std::string role, department;
    RoleScopes scopes{};
    std::vector<std::int64_t> department_members;  // users of the user's department and below
    std::vector<std::int64_t> supervised_members;  // users below departments the user supervises
    std::vector<store::GrantRow> grants;           // by customer
  };
  const Principal& principal();
  Standing lead_standing(std::optional<std::int64_t> owner);
  [[noreturn]] void deny(Perm perm, const std::string& object, bool hide);
  void write_audit(const store::AuditEntry& e);

  Database& db_;
  std::int64_t user_id_;
  Principal p_;
  std::vector<store::AuditEntry> pending_;
};

}  // namespace crm

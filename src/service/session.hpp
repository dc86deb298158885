// A session: every operation runs as a user (the actor), who is written into
// history and decides what may be done.
#pragma once

#include <cstdint>
#include <string>

#include "service/db.hpp"

namespace crm {

// Every operation names what it does; authorize() is the single point where
// permission decisions are made (the permission matrix plugs in there).
enum class Action {
  customer_create,
  customer_read,
  customer_update,
  customer_archive,
  customer_list,
  user_create,
  user_read,
  dictionary_read,
  dictionary_change,
  configure,       // custom field definitions, settings, tiers, reminder rules
  followup_write,  // plans, records, grading, verification of a customer
  followup_read,   // plans, records, agenda, roster
  schedule_run,    // tick and the outbox: the host's delivery worker
};

class Session {
 public:
  // Throws not_found if the user does not exist or is inactive.
  Session(Database& db, std::int64_t user_id);
  Session(Database& db, const std::string& login);

  Database& db() { return db_; }
  std::int64_t user_id() const { return user_id_; }
  const std::string& role() const { return role_; }

  // Throws Status::permission when the session's user may not perform
  // `action`.  Today: administrators may do everything; managing users and
  // dictionaries is for administrators only; all other actions are open to
  // every active user.
  void authorize(Action action) const;

 private:
  Database& db_;
  std::int64_t user_id_;
  std::string role_;
};

}  // namespace crm

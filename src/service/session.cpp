#include "service/session.hpp"

#include "domain/error.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

std::string checked_role(const std::optional<store::UserRow>& u, const std::string& who) {
  if (!u || !u->active)
    throw Error(Status::not_found, "no active user " + who, "不存在有效用户 " + who);
  return u->role;
}

}  // namespace

Session::Session(Database& db, std::int64_t user_id) : db_(db), user_id_(user_id) {
  role_ = checked_role(store::find_user(db.conn(), user_id), std::to_string(user_id));
}

Session::Session(Database& db, const std::string& login) : db_(db), user_id_(0) {
  auto u = store::find_user_by_login(db.conn(), login);
  role_ = checked_role(u, "\"" + login + "\"");
  user_id_ = u->id;
}

void Session::authorize(Action action) const {
  if (role_ == "admin") return;
  switch (action) {
    case Action::user_create:
    case Action::dictionary_change:
    case Action::configure:
    case Action::schedule_run:
      throw Error(Status::permission, "only an administrator may do this",
                  "只有系统管理员可以执行此操作");
    default:
      return;
  }
}

}  // namespace crm

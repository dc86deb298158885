#include "service/error.hpp"

#include <SQLiteCpp/Exception.h>

#include <new>

#include "store/connection.hpp"

namespace crm {

Error current_error() {
  try {
    throw;
  } catch (const Error& e) {
    return e;
  } catch (const SQLite::Exception& e) {
    try {
      store::rethrow(e, "database error");
    } catch (const Error& mapped) {
      return mapped;
    }
  } catch (const std::bad_alloc&) {
    return Error(Status::nomem, "out of memory", "内存不足");
  } catch (const std::exception& e) {
    return Error(Status::internal, std::string("internal error: ") + e.what(),
                 std::string("内部错误：") + e.what());
  } catch (...) {
    return Error(Status::internal, "internal error: unknown exception", "内部错误：未知异常");
  }
  return Error(Status::internal, "internal error", "内部错误");
}

}  // namespace crm

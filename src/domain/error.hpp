// Status codes, field errors and the exception that carries them inside the
// library.  The C ABI turns an Error into a status and the per-thread last
// error; nothing here knows about the C ABI.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace crm {

// Values match the CRM_* codes of crm.h.
enum class Status : int {
  ok = 0,
  done = 1,
  pending = 2,  // accepted, waiting for review (R1.6); not an error
  invalid_arg = -1,
  not_found = -2,
  validation = -3,
  permission = -4,
  conflict = -5,
  busy = -6,
  corrupt = -7,
  cantopen = -8,
  readonly = -9,
  version = -10,
  notadb = -11,
  state = -12,
  type = -13,
  nomem = -14,
  internal = -15,
};

const char* status_name(Status s);

// One failing field: the field's registry name, a stable machine code and a
// human message in both languages.
struct FieldError {
  std::string field;
  std::string code;
  std::string message_en;
  std::string message_zh;
  std::string label_zh;  // the field's Chinese label, for summaries; may be empty
};

class Error : public std::runtime_error {
 public:
  Error(Status status, std::string message_en, std::string message_zh,
        std::vector<FieldError> fields = {});

  Status status() const noexcept { return status_; }
  const std::string& message_en() const noexcept { return message_en_; }
  const std::string& message_zh() const noexcept { return message_zh_; }
  const std::vector<FieldError>& fields() const noexcept { return fields_; }

 private:
  Status status_;
  std::string message_en_;
  std::string message_zh_;
  std::vector<FieldError> fields_;
};

// Build and throw a validation error listing every failing field.
[[noreturn]] void throw_validation(std::vector<FieldError> fields);

}  // namespace crm

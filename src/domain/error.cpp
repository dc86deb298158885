#include "domain/error.hpp"

namespace crm {

const char* status_name(Status s) {
  switch (s) {
    case Status::ok:
      return "CRM_OK";
    case Status::done:
      return "CRM_DONE";
    case Status::pending:
      return "CRM_PENDING";
    case Status::invalid_arg:
      return "CRM_ERR_INVALID_ARG";
    case Status::not_found:
      return "CRM_ERR_NOT_FOUND";
    case Status::validation:
      return "CRM_ERR_VALIDATION";
    case Status::permission:
      return "CRM_ERR_PERMISSION";
    case Status::conflict:
      return "CRM_ERR_CONFLICT";
    case Status::busy:
      return "CRM_ERR_BUSY";
    case Status::corrupt:
      return "CRM_ERR_CORRUPT";
    case Status::cantopen:
      return "CRM_ERR_CANTOPEN";
    case Status::readonly:
      return "CRM_ERR_READONLY";
    case Status::version:
      return "CRM_ERR_VERSION";
    case Status::notadb:
      return "CRM_ERR_NOTADB";
    case Status::state:
      return "CRM_ERR_STATE";
    case Status::type:
      return "CRM_ERR_TYPE";
    case Status::nomem:
      return "CRM_ERR_NOMEM";
    case Status::internal:
      return "CRM_ERR_INTERNAL";
  }
  return "CRM_ERR_UNKNOWN";
}

Error::Error(Status status, std::string message_en, std::string message_zh,
             std::vector<FieldError> fields)
    : std::runtime_error(message_en),
      status_(status),
      message_en_(std::move(message_en)),
      message_zh_(std::move(message_zh)),
      fields_(std::move(fields)) {}

void throw_validation(std::vector<FieldError> fields) {
  std::string en = "validation failed: ";
  std::string zh = "校验失败：";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) {
      en += ", ";
      zh += "、";
    }
    en += fields[i].field;
    zh += fields[i].label_zh.empty() ? fields[i].field : fields[i].label_zh;
  }
  throw Error(Status::validation, std::move(en), std::move(zh), std::move(fields));
}

}  // namespace crm

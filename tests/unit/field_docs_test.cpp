#include "domain/field_docs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace crm {
namespace {

TEST(FieldDocs, DocsMatchTheRegistry) {
  const std::string path = std::string(CRM_SOURCE_DIR) + "/docs/fields.md";
  const std::string expected = render_field_reference();
  if (std::getenv("CRM_WRITE_DOCS")) std::ofstream(path, std::ios::binary) << expected;
  std::ifstream in(path, std::ios::binary);
  std::string actual((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(actual, expected)
      << path << " is out of date; regenerate it with "
      << "CRM_WRITE_DOCS=1 ./build/tests/crm_tests --gtest_filter=FieldDocs.*";
}

}  // namespace
}  // namespace crm

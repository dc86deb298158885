// The pure permission rules (R3.1–R3.4), masking (R3.6) and the audit
// chain's digest (R3.8), without a database.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "domain/masking.hpp"
#include "domain/permissions.hpp"
#include "domain/sha256.hpp"

namespace crm {
namespace {

Standing at(Reach r) {
  Standing s;
  s.reach = r;
  return s;
}

TEST(PermissionRules, SalesWorkOnTheirOwnCustomersOnly) {
  RoleScopes sales = default_role_scopes("sales");
  for (Perm p : {Perm::customer_read, Perm::customer_update, Perm::followup_write}) {
    EXPECT_TRUE(allowed(sales, false, p, at(Reach::own))) << pair_of(p).en << ", own";
    EXPECT_FALSE(allowed(sales, false, p, at(Reach::department))) << pair_of(p).en << ", colleague";
    EXPECT_FALSE(allowed(sales, false, p, at(Reach::other))) << pair_of(p).en << ", other";
  }
  EXPECT_FALSE(allowed(sales, false, Perm::customer_transfer, at(Reach::own)))
      << "a rep does not give customers away";
  EXPECT_FALSE(allowed(sales, false, Perm::audit_read, Standing{}));
  EXPECT_TRUE(allowed(sales, false, Perm::config_read, Standing{}));
}

TEST(PermissionRules, ManagersViewTheDepartmentAndEditOnlyTheirOwn) {
  RoleScopes m = default_role_scopes("sales_manager");
  EXPECT_TRUE(allowed(m, false, Perm::customer_read, at(Reach::department)));
  EXPECT_FALSE(allowed(m, false, Perm::customer_read, at(Reach::other)));
  EXPECT_FALSE(allowed(m, false, Perm::customer_update, at(Reach::department)));
  EXPECT_TRUE(allowed(m, false, Perm::customer_update, at(Reach::own)));
  EXPECT_TRUE(allowed(m, false, Perm::customer_approve, at(Reach::department)));
  EXPECT_TRUE(allowed(m, false, Perm::customer_transfer, at(Reach::department)));
}

TEST(PermissionRules, ServiceReadsEverythingAndWritesNoCustomer) {
  RoleScopes s = default_role_scopes("service");
  EXPECT_TRUE(allowed(s, false, Perm::customer_read, at(Reach::other)));
  EXPECT_TRUE(allowed(s, false, Perm::followup_read, at(Reach::other)));
  EXPECT_FALSE(allowed(s, false, Perm::followup_write, at(Reach::other)));
  EXPECT_FALSE(allowed(s, false, Perm::customer_update, at(Reach::own)));
  EXPECT_FALSE(allowed(s, false, Perm::customer_unmask, at(Reach::other)));
  EXPECT_TRUE(allowed(s, false, Perm::ticket_write, at(Reach::other)));
}

TEST(PermissionRules, MarketingHasLeadsAndCampaignsOnly) {
  RoleScopes m = default_role_scopes("marketing");
  EXPECT_FALSE(allowed(m, false, Perm::customer_read, at(Reach::own)));
  EXPECT_TRUE(allowed(m, false, Perm::lead_write, at(Reach::other)));
  EXPECT_TRUE(allowed(m, false, Perm::campaign_write, Standing{}));
}

TEST(PermissionRules, UnknownRolesGetNothingAndAdministratorsEverything) {
  RoleScopes none = default_role_scopes("finance");
  RoleScopes admin = default_role_scopes("admin");
  for (const auto& p : permission_pairs()) {
    EXPECT_FALSE(allowed(none, false, p.perm, at(Reach::own))) << p.object << "." << p.action;
    EXPECT_TRUE(allowed(admin, true, p.perm, at(Reach::other))) << p.object << "." << p.action;
  }
}

TEST(PermissionRules, SupervisorsViewApproveAndTransferButDoNotEdit) {
  RoleScopes sales = default_role_scopes("sales");
  Standing st = at(Reach::other);
  st.supervisor = true;
  for (Perm p : {Perm::customer_read, Perm::customer_approve, Perm::customer_transfer,
                 Perm::followup_read, Perm::maintenance_read, Perm::maintenance_approve})
    EXPECT_TRUE(allowed(sales, false, p, st)) << pair_of(p).en;
  for (Perm p : {Perm::customer_update, Perm::customer_archive, Perm::customer_unmask,
                 Perm::followup_write, Perm::customer_erase})
    EXPECT_FALSE(allowed(sales, false, p, st)) << pair_of(p).en;
}

TEST(PermissionRules, GrantsOpenWhatTheyNameAndNoMore) {
  RoleScopes sales = default_role_scopes("sales");
  Standing view = at(Reach::other);
  view.grant = GrantLevel::view;
  view.grant_groups = kGroupBasic;
  EXPECT_TRUE(allowed(sales, false, Perm::customer_read, view));
  EXPECT_FALSE(allowed(sales, false, Perm::customer_update, view));
  EXPECT_FALSE(allowed(sales, false, Perm::followup_read, view)) << "no followup group";
  EXPECT_FALSE(allowed(sales, false, Perm::customer_unmask, view)) << "no contact group";
  EXPECT_EQ(visible_groups(sales, false, view), unsigned{kGroupBasic});

  Standing edit = view;
  edit.grant = GrantLevel::edit;
  edit.grant_groups = kGroupBasic | kGroupContact | kGroupFollowup;
  EXPECT_TRUE(allowed(sales, false, Perm::customer_update, edit));
  EXPECT_TRUE(allowed(sales, false, Perm::followup_write, edit));
  EXPECT_TRUE(allowed(sales, false, Perm::customer_unmask, edit));
  EXPECT_FALSE(allowed(sales, false, Perm::customer_archive, edit));
  EXPECT_FALSE(allowed(sales, false, Perm::customer_transfer, edit));

  // A role that may not unmask at all gets no clear values through a grant.
  EXPECT_FALSE(allowed(default_role_scopes("service"), false, Perm::customer_unmask, edit));
  EXPECT_EQ(visible_groups(sales, false, at(Reach::other)), 0u);
  EXPECT_EQ(visible_groups(sales, false, at(Reach::own)), unsigned{kGroupAll});
}

TEST(PermissionRules, ScopesCoverTheirReachExactly) {
  EXPECT_TRUE(scope_covers(Scope::own, Reach::own));
  EXPECT_FALSE(scope_covers(Scope::own, Reach::department));
  EXPECT_TRUE(scope_covers(Scope::department, Reach::department));
  EXPECT_FALSE(scope_covers(Scope::department, Reach::other));
  EXPECT_TRUE(scope_covers(Scope::all, Reach::other));
  EXPECT_FALSE(scope_covers(Scope::none, Reach::own));
  EXPECT_EQ(parse_scope("department"), Scope::department);
  EXPECT_FALSE(parse_scope("everyone").has_value());
  EXPECT_EQ(find_perm("customer", "unmask"), Perm::customer_unmask);
  EXPECT_FALSE(find_perm("customer", "delete").has_value());
}

TEST(PermissionRules, FieldGroupsParseAndNameFields) {
  EXPECT_EQ(parse_field_groups(""), unsigned{kGroupBasic});
  EXPECT_EQ(parse_field_groups("contact, followup"),
            unsigned{kGroupBasic | kGroupContact | kGroupFollowup});
  EXPECT_EQ(parse_field_groups("all"), unsigned{kGroupAll});
  EXPECT_FALSE(parse_field_groups("contact,secrets").has_value());
  EXPECT_EQ(field_groups_text(kGroupBasic | kGroupNeeds), "basic,needs");
  EXPECT_EQ(group_of_field("phone"), kGroupContact);
  EXPECT_EQ(group_of_field("custom.budget"), kGroupNeeds);
  EXPECT_EQ(group_of_field("next_step"), kGroupFollowup);
  EXPECT_EQ(group_of_field("lead.7"), kGroupFollowup) << "a converted lead's events";
  EXPECT_EQ(group_of_field("industry"), kGroupBasic);
}

TEST(Masking, PhonesKeepTheirFirstThreeAndLastFourDigits) {
  EXPECT_EQ(mask_phone("+8613812345678"), "138****5678");
  EXPECT_EQ(mask_phone("+861012345678"), "010****5678");
  EXPECT_EQ(mask_phone("+8675588888888"), "075****8888");
  EXPECT_EQ(mask_phone("+864008108888"), "400****8888");
  EXPECT_EQ(mask_phone("+16502530000"), "+16****0000");
  EXPECT_EQ(mask_phone(""), "");
}

TEST(Masking, EmailsAndTextKeepTheirFirstCharacter) {
  EXPECT_EQ(mask_email("wang.jianguo@hengda.com"), "w***@hengda.com");
  EXPECT_EQ(mask_email("王@例子.中国"), "王***@例子.中国");
  EXPECT_EQ(mask_email("no-at-sign"), "n**");
  EXPECT_EQ(mask_text("王建国"), "王**");
  EXPECT_EQ(mask_text(""), "");
  EXPECT_TRUE(is_mask_of("138****5678", "+8613812345678", 'p'));
  EXPECT_FALSE(is_mask_of("138****5679", "+8613812345678", 'p'));
  EXPECT_FALSE(is_mask_of("13812345678", "+8613812345678", 'p')) << "a clear number is no mask";
}

// Known answers from FIPS 180-2, appendix B.
TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FeedingInPiecesGivesTheSameDigestAtEveryBlockBoundary) {
  for (std::size_t n : {55u, 56u, 63u, 64u, 65u, 119u, 120u, 128u}) {
    std::string data(n, 'x');
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>('a' + i % 26);
    Sha256 h;
    for (std::size_t i = 0; i < n; i += 7) h.update(std::string_view(data).substr(i, 7));
    auto pieces = h.finish();
    Sha256 whole;
    whole.update(data);
    EXPECT_EQ(pieces, whole.finish()) << n << " bytes";
  }
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

// docs/permissions.md shows the built-in matrix between two markers.
TEST(PermissionDocs, TheMatrixInTheDocsIsTheBuiltInOne) {
  const std::string path = std::string(CRM_SOURCE_DIR) + "/docs/permissions.md";
  std::ifstream in(path, std::ios::binary);
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string begin = "<!-- matrix:begin -->\n", end = "<!-- matrix:end -->";
  auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << path << " has no " << begin;
  ASSERT_NE(e, std::string::npos) << path << " has no " << end;
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), render_permission_matrix())
      << "the matrix in " << path
      << " differs from default_role_scopes (src/domain/permissions.cpp)";
}

}  // namespace
}  // namespace crm

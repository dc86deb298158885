#include "service/contacts.hpp"

#include "fixture.hpp"

namespace crm::testing {
namespace {

using ContactsTest = ServiceTest;

Record contact(const char* name, const char* phone, const char* title = nullptr,
               std::int64_t decision_maker = 0) {
  Record r;
  r.set("name", std::string(name));
  if (phone) r.set("phone", std::string(phone));
  if (title) r.set("title", std::string(title));
  r.set("decision_maker", decision_maker);
  return r;
}

std::int64_t int_of(const Record& r, const char* f) { return std::get<std::int64_t>(*r.find(f)); }

TEST_F(ContactsTest, TheRegistrationContactIsThePrimaryContact) {
  std::int64_t key = create_customer(*rep, customer());
  auto list = list_contacts(*rep, key);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].text("name"), "王建国");
  EXPECT_EQ(list[0].text("phone"), "138****5678") << "masked in lists (R3.6)";
  EXPECT_EQ(get_contact(*rep, int_of(list[0], "id"), true).text("phone"), "+8613812345678");
  EXPECT_EQ(int_of(list[0], "primary"), 1);
  EXPECT_EQ(list[0].text("customer"), "C0001");
}

TEST_F(ContactsTest, CustomerAndPrimaryContactStayInStep) {
  std::int64_t key = create_customer(*rep, customer());
  std::int64_t primary = int_of(list_contacts(*rep, key)[0], "id");
  // From the customer's side …
  Record patch;
  patch.set("contact_name", std::string("王建军"));
  update_customer(*rep, key, patch);
  EXPECT_EQ(get_contact(*rep, primary).text("name"), "王建军");
  // … and from the contact's side, title included.
  Record cp;
  cp.set("title", std::string("采购总监"));
  cp.set("phone", std::string("010-12345678"));
  update_contact(*rep, primary, cp);
  Record c = get_customer(*rep, key, /*unmasked=*/true);
  EXPECT_EQ(c.text("contact_title"), "采购总监");
  EXPECT_EQ(c.text("phone"), "+861012345678");
  EXPECT_EQ(c.text("phone_display"), "010 1234 5678");
}

TEST_F(ContactsTest, SwitchingThePrimaryContactMirrorsTheNewOne) {
  std::int64_t key = create_customer(*rep, customer());
  std::int64_t li = add_contact(*rep, key, contact("李娜", "13912345678", "技术总监"));
  EXPECT_EQ(int_of(get_contact(*rep, li), "primary"), 0) << "a second contact is not primary";
  make_primary_contact(*rep, li);
  Record c = get_customer(*rep, key, /*unmasked=*/true);
  EXPECT_EQ(c.text("contact_name"), "李娜");
  EXPECT_EQ(c.text("contact_title"), "技术总监");
  EXPECT_EQ(c.text("phone"), "+8613912345678");
  auto list = list_contacts(*rep, key);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(int_of(list[0], "id"), li) << "primary first";
  EXPECT_EQ(customer_history(*rep, key).back().text("field"), "primary_contact");
}

TEST_F(ContactsTest, DecisionMakerChangesAreMajor) {
  std::int64_t key = create_customer(*rep, customer());
  std::int64_t boss = add_contact(*rep, key, contact("赵总", "13712345678", "总经理", 1));
  auto h = customer_history(*rep, key);
  EXPECT_EQ(int_of(h.back(), "major"), 1) << "adding a decision maker is major";
  Record demote;
  demote.set("decision_maker", std::int64_t{0});
  update_contact(*rep, boss, demote);
  h = customer_history(*rep, key);
  EXPECT_EQ(h.back().text("field"), "contact." + std::to_string(boss) + ".decision_maker");
  EXPECT_EQ(int_of(h.back(), "major"), 1);
  Record title;
  title.set("title", std::string("董事长"));
  update_contact(*rep, boss, title);
  EXPECT_EQ(int_of(customer_history(*rep, key).back(), "major"), 0) << "a title is not major";
}

TEST_F(ContactsTest, BadContactInputChangesNothing) {
  std::int64_t key = create_customer(*rep, customer());
  std::int64_t primary = int_of(list_contacts(*rep, key)[0], "id");
  const std::size_t history = customer_history(*rep, key).size();

  Record second = contact("李娜", "13912345678");
  second.set("primary", std::int64_t{1});
  Error e = expect_error(Status::validation, [&] { add_contact(*rep, key, second); });
  EXPECT_EQ(e.fields().at(0).code, "read_only") << "a second primary contact is refused";

  Error no_method =
      expect_error(Status::validation, [&] { add_contact(*rep, key, contact("李娜", nullptr)); });
  EXPECT_EQ(no_method.fields().at(0).code, "contact_required");

  Record clear;
  clear.set("phone", Value{});
  Error last = expect_error(Status::validation, [&] { update_contact(*rep, primary, clear); });
  EXPECT_EQ(last.fields().at(0).code, "contact_required")
      << "removing the last contact method of the only contact";

  Record bad_flag = contact("李娜", "13912345678");
  bad_flag.set("decision_maker", std::int64_t{2});
  expect_error(Status::validation, [&] { add_contact(*rep, key, bad_flag); });
  expect_error(Status::conflict, [&] { remove_contact(*rep, primary, std::nullopt); });
  expect_error(Status::not_found, [&] { update_contact(*rep, 9999, clear); });

  EXPECT_EQ(customer_history(*rep, key).size(), history);
  EXPECT_EQ(list_contacts(*rep, key).size(), 1u);
  EXPECT_EQ(get_contact(*rep, primary, true).text("phone"), "+8613812345678");
}

TEST_F(ContactsTest, RemovedContactsLeaveTheListButStayInHistory) {
  std::int64_t key = create_customer(*rep, customer());
  std::int64_t li = add_contact(*rep, key, contact("李娜", "13912345678"));
  remove_contact(*rep, li, std::string("已离职"));
  EXPECT_EQ(list_contacts(*rep, key).size(), 1u);
  expect_error(Status::not_found, [&] { get_contact(*rep, li); });
  auto h = customer_history(*rep, key).back();
  EXPECT_EQ(h.text("before"), std::to_string(li) + ":李娜");
  EXPECT_EQ(h.text("reason"), "已离职");
  archive_customer(*rep, key, std::nullopt);
  expect_error(Status::state, [&] { add_contact(*rep, key, contact("周洋", "13612345678")); });
}

}  // namespace
}  // namespace crm::testing

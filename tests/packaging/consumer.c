/* A host program built against an installed libcrm. */
#include <crm.h>
#include <stdio.h>

int main(void) {
  crm_db *db = NULL;
  int32_t v = 0;
  if (crm_db_open(":memory:", NULL, &db) != CRM_OK) {
    fprintf(stderr, "open failed: %s\n", crm_errmsg());
    return 1;
  }
  crm_db_schema_version(db, &v);
  printf("libcrm %s, schema %d\n", crm_version(), (int)v);
  crm_db_close(db);
  return v == crm_schema_version() ? 0 : 1;
}

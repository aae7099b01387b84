// HR import through the real service: upsert by HR id, idempotence, per-row errors that
// never stop the good rows, manager resolution in any order, cycles, full-sync departures,
// and a report that tells the truth when the import's connections are killed under it.
#include <absl/strings/str_cat.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "harness.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/grpc_status.h"

namespace mentoring::testing {
namespace {

using profiles::v1::ImportReport;

class HrImportTest : public ProfilesServiceSuite {
 protected:
  // Streams `text` in chunks of `chunk` bytes.
  static grpc::Status Import(const std::string& text, ImportReport* report, bool full_sync = false,
                             profiles::v1::ImportFormat format = profiles::v1::IMPORT_FORMAT_CSV, size_t chunk = 7) {
    auto ctx = ContextAs(HrCaller(), absl::Seconds(120));
    auto writer = stub_->ImportPeople(ctx.get(), report);
    profiles::v1::ImportPeopleChunk options;
    options.mutable_options()->set_format(format);
    options.mutable_options()->set_full_sync(full_sync);
    options.mutable_options()->set_source("test");
    writer->Write(options);
    for (size_t i = 0; i < text.size(); i += chunk) {
      profiles::v1::ImportPeopleChunk data;
      data.set_data(text.substr(i, chunk));
      if (!writer->Write(data)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  static std::string Scalar(const std::string& sql) { return Query(db_->url(), sql).at(0); }
  static std::string Tag() { return std::to_string(++counter_) + "x" + std::to_string(getpid()); }

  static inline int counter_ = 0;
};

constexpr char kHeader[] = "employee_id,manager_id,display_name,email,level,time_zone,status,department\n";

TEST_F(HrImportTest, CreatesPeopleWithManagersInAnyOrderAndIsIdempotent) {
  const std::string t = Tag();
  // The report comes before its manager: resolution does not depend on order.
  const std::string file = std::string(kHeader) + "R" + t + ",M" + t + ",Rae Report,rae" + t +
                           "@example.com,5,Europe/Paris,active,Eng\n"
                           "M" +
                           t + ",,Max Manager,max" + t + "@example.com,9,Europe/Paris,active,Eng\n";
  ImportReport first;
  ASSERT_TRUE(Import(file, &first).ok());
  EXPECT_EQ(first.rows(), 2);
  EXPECT_EQ(first.created(), 2);
  EXPECT_EQ(first.failed(), 0);
  EXPECT_EQ(Scalar("SELECT count(*) FROM people r JOIN people m ON m.person_id = r.manager_id "
                   "WHERE r.hr_employee_id = 'R" +
                   t + "' AND m.hr_employee_id = 'M" + t + "'"),
            "1");
  const std::string events = Scalar("SELECT count(*) FROM outbox");
  ImportReport again;
  ASSERT_TRUE(Import(file, &again).ok());
  EXPECT_EQ(again.created(), 0);
  EXPECT_EQ(again.updated(), 0);
  EXPECT_EQ(again.unchanged(), 2);
  EXPECT_EQ(Scalar("SELECT count(*) FROM outbox"), events) << "the same file twice publishes nothing";

  const std::string changed =
      std::string(kHeader) + "R" + t + ",M" + t + ",Rae Report,rae" + t + "@example.com,6,Europe/Paris,active,Eng\n";
  ImportReport promoted;
  ASSERT_TRUE(Import(changed, &promoted).ok());
  EXPECT_EQ(promoted.updated(), 1);
  EXPECT_EQ(Scalar("SELECT career_level FROM people WHERE hr_employee_id = 'R" + t + "'"), "6");
  EXPECT_EQ(Scalar("SELECT count(*) FROM outbox WHERE event_type = 'profile.updated'"), "1");
}

TEST_F(HrImportTest, EachBadRowIsReportedAndTheRestImported) {
  const std::string t = Tag();
  const std::string file = std::string(kHeader) + "G1" + t + ",,Good One,g1" + t +
                           "@example.com,5,Asia/Tokyo,active,Ops\n"  // line 2
                           "B1" +
                           t + ",,Bad Zone,b1" + t +
                           "@example.com,5,Mars/Base,active,Ops\n"  // 3: time zone
                           "B2" +
                           t +
                           ",,Bad Mail,not-an-email,5,Asia/Tokyo,active,Ops\n"  // 4: email
                           "B3" +
                           t + ",,Bad Level,b3" + t +
                           "@example.com,42,Asia/Tokyo,active,Ops\n"  // 5: level
                           "G1" +
                           t + ",,Dup One,dup" + t +
                           "@example.com,5,Asia/Tokyo,active,Ops\n"  // 6: duplicate id
                           "B4" +
                           t + ",NOBODY" + t + ",Orphan,b4" + t +
                           "@example.com,5,Asia/Tokyo,active,Ops\n"  // 7: unknown manager
                           "B5" +
                           t + ",B5" + t + ",Self,b5" + t +
                           "@example.com,5,Asia/Tokyo,active,Ops\n"  // 8: own manager
                           "C1" +
                           t + ",C2" + t + ",Loop A,c1" + t +
                           "@example.com,5,Asia/Tokyo,active,Ops\n"  // 9: cycle
                           "C2" +
                           t + ",C1" + t + ",Loop B,c2" + t +
                           "@example.com,5,Asia/Tokyo,active,Ops\n"  // 10: cycle
                           "B6" +
                           t +
                           ",too,many,columns,here,x,y,z,w\n"  // 11: malformed
                           "G2" +
                           t + ",G1" + t + ",Good Two,g2" + t + "@example.com,7,Asia/Tokyo,on_leave,Ops\n";  // 12
  ImportReport report;
  ASSERT_TRUE(Import(file, &report).ok());
  EXPECT_EQ(report.rows(), 11);
  EXPECT_EQ(report.created(), 2);
  EXPECT_EQ(report.failed(), 9);
  std::map<int64_t, std::pair<std::string, std::string>> by_line;
  for (const auto& e : report.errors()) by_line[e.line()] = {e.field(), e.rule()};
  const std::map<int64_t, std::pair<std::string, std::string>> expected = {
      {3, {"time_zone", "iana_time_zone"}},   {4, {"email", "email"}},          {5, {"level", "range_1_15"}},
      {6, {"employee_id", "unique_in_file"}}, {7, {"manager_id", "exists"}},    {8, {"manager_id", "not_self"}},
      {9, {"manager_id", "no_cycle"}},        {10, {"manager_id", "no_cycle"}}, {11, {"", "malformed"}}};
  EXPECT_EQ(by_line, expected);
  EXPECT_EQ(Scalar("SELECT count(*) FROM people WHERE hr_employee_id LIKE '%" + t + "'"), "2");
}

TEST_F(HrImportTest, AReportOfAnErasedManagerStaysUnderTheManagerAboveUntilHrNamesAnother) {
  const std::string t = Tag();
  const auto row = [&](const std::string& id, const std::string& manager) {
    return id + t + "," + (manager.empty() ? "" : manager + t) + ",Person " + id + "," + id + t +
           "@example.com,5,Europe/Paris,active,Eng\n";
  };
  const auto manager_of = [&](const std::string& id) {
    return Scalar(
        "SELECT coalesce(m.hr_employee_id, '') FROM people r LEFT JOIN people m "
        "ON m.person_id = r.manager_id WHERE r.hr_employee_id = '" +
        id + t + "'");
  };
  ImportReport first;
  ASSERT_TRUE(Import(std::string(kHeader) + row("TOP", "") + row("MID", "TOP") + row("LOW", "MID"), &first).ok());
  ASSERT_EQ(first.created(), 3);
  profiles::v1::ErasePersonRequest erase;
  erase.set_person_id(Scalar("SELECT person_id FROM people WHERE hr_employee_id = 'MID" + t + "'"));
  profiles::v1::ErasePersonResponse erased;
  ASSERT_TRUE(stub_->ErasePerson(ContextAs(HrCaller()).get(), erase, &erased).ok());
  EXPECT_EQ(manager_of("LOW"), "TOP" + t);

  // A file that still names the erased manager: nobody has that employee id any more.
  ImportReport stale;
  ASSERT_TRUE(Import(std::string(kHeader) + row("LOW", "MID"), &stale).ok());
  EXPECT_EQ(stale.failed(), 1);
  ASSERT_EQ(stale.errors_size(), 1);
  EXPECT_EQ(stale.errors(0).rule(), "exists");
  EXPECT_EQ(manager_of("LOW"), "TOP" + t);
  // HR names another manager: that is where they report from then on.
  ImportReport moved;
  ASSERT_TRUE(Import(std::string(kHeader) + row("NEW", "TOP") + row("LOW", "NEW"), &moved).ok());
  EXPECT_EQ(moved.failed(), 0);
  EXPECT_EQ(manager_of("LOW"), "NEW" + t);
}

TEST_F(HrImportTest, FullSyncDeactivatesWhoeverTheFileNoLongerLists) {
  const std::string t = Tag();
  ImportReport setup;
  // Start from a clean slate of active people: everyone else was made by other tests.
  ASSERT_TRUE(Import(std::string(kHeader) + "S1" + t + ",,Stays,s1" + t + "@example.com,5,UTC,active,Ops\n" + "L1" + t +
                         ",,Leaves,l1" + t + "@example.com,5,UTC,active,Ops\n",
                     &setup)
                  .ok());
  const int active_before = std::stoi(Scalar("SELECT count(*) FROM people WHERE employment_status <> 3"));
  ImportReport sync;
  ASSERT_TRUE(Import(std::string(kHeader) + "S1" + t + ",,Stays,s1" + t + "@example.com,5,UTC,active,Ops\n", &sync,
                     /*full_sync=*/true)
                  .ok());
  EXPECT_EQ(sync.unchanged(), 1);
  EXPECT_EQ(sync.deactivated(), active_before - 1);
  EXPECT_EQ(Scalar("SELECT employment_status FROM people WHERE hr_employee_id = 'L1" + t + "'"), "3");
  EXPECT_EQ(Scalar("SELECT employment_status FROM people WHERE hr_employee_id = 'S1" + t + "'"), "1");
  EXPECT_GE(std::stoi(Scalar("SELECT count(*) FROM outbox WHERE event_type = 'profile.deactivated'")), 1);
}

TEST_F(HrImportTest, AFullSyncWithAFailedRowDeactivatesNobody) {
  const std::string t = Tag();
  ImportReport setup;
  ASSERT_TRUE(Import(std::string(kHeader) + "K1" + t + ",,Keeps,k1" + t + "@example.com,5,UTC,active,Ops\n" + "T1" + t +
                         ",,Typo,t1" + t + "@example.com,5,UTC,active,Ops\n",
                     &setup)
                  .ok());
  ImportReport sync;
  ASSERT_TRUE(Import(std::string(kHeader) + "K1" + t + ",,Keeps,k1" + t + "@example.com,5,UTC,active,Ops\n" + "T1" + t +
                         ",,Typo,t1" + t + "@example.com,5,Mars/Base,active,Ops\n",
                     &sync, /*full_sync=*/true)
                  .ok());
  EXPECT_EQ(sync.failed(), 1);
  EXPECT_TRUE(sync.full_sync_skipped());
  EXPECT_EQ(sync.deactivated(), 0);
  EXPECT_EQ(Scalar("SELECT employment_status FROM people WHERE hr_employee_id = 'T1" + t + "'"), "1");
}

TEST_F(HrImportTest, ReadsJsonLines) {
  const std::string t = Tag();
  const std::string file =
      "{\"employee_id\":\"J1" + t + "\",\"display_name\":\"Jay Son\",\"email\":\"j1" + t +
      "@example.com\",\"level\":4,\"time_zone\":\"America/Chicago\",\"languages\":[\"en\",\"es\"]}\n";
  ImportReport report;
  ASSERT_TRUE(Import(file, &report, false, profiles::v1::IMPORT_FORMAT_JSON_LINES, 3).ok());
  EXPECT_EQ(report.created(), 1) << report.DebugString();
}

// What spreadsheets save: "CSV UTF-8" (a byte-order mark first) from Excel or Google Sheets,
// ';'-separated from a European locale, and plain "CSV", which is Windows-1252.
TEST_F(HrImportTest, ReadsWhatSpreadsheetsSave) {
  const std::string t = Tag();
  const std::string bom = "\xEF\xBB\xBF" + std::string(kHeader) + "S1" + t + ",,Zo\xC3\xAB Bom,s1" + t +
                          "@example.com,5,Europe/Paris,active,R\xC3\xA9seau\r\n";
  ImportReport with_bom;
  ASSERT_TRUE(Import(bom, &with_bom, false, profiles::v1::IMPORT_FORMAT_CSV, 2).ok());
  EXPECT_EQ(with_bom.created(), 1) << with_bom.DebugString();
  EXPECT_EQ(Scalar("SELECT department FROM people WHERE hr_employee_id = 'S1" + t + "'"), "R\xC3\xA9seau");

  const std::string semicolons = "employee_id;display_name;email;level;time_zone;department\r\nS2" + t +
                                 ";Semi Colon;s2" + t + "@example.com;6;Europe/Berlin;Sales, EMEA\r\n";
  ImportReport with_semicolons;
  ASSERT_TRUE(Import(semicolons, &with_semicolons).ok());
  EXPECT_EQ(with_semicolons.created(), 1) << with_semicolons.DebugString();
  EXPECT_EQ(Scalar("SELECT department FROM people WHERE hr_employee_id = 'S2" + t + "'"), "Sales, EMEA");
}

TEST_F(HrImportTest, AFileThatIsNotUtf8IsRefusedNamingTheLine) {
  const std::string t = Tag();
  const std::string windows_1252 = std::string(kHeader) + "W1" + t + ",,Zoe Fine,w1" + t +
                                   "@example.com,5,Europe/Paris,active,Eng\n"
                                   "W2" +
                                   t + ",,Jos\xE9 Cp,w2" + t + "@example.com,5,Europe/Paris,active,Eng\n";
  ImportReport report;
  const grpc::Status status = Import(windows_1252, &report);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  const auto details = errors::DetailsOf(status);
  ASSERT_EQ(details.field_violations_size(), 1);
  EXPECT_EQ(details.field_violations(0).rule(), "utf8");
  EXPECT_NE(details.field_violations(0).description().find("line 3"), std::string::npos);
  EXPECT_NE(details.field_violations(0).description().find("\"CSV UTF-8\""), std::string::npos);
  EXPECT_EQ(Scalar("SELECT count(*) FROM people WHERE hr_employee_id LIKE 'W_" + t + "'"), "0")
      << "nothing of a refused file is imported";
}

// Kills the service's database connections that are working on an import (staging,
// resolving, applying; in a statement or idle inside a transaction) while `import` runs,
// at most one every 300 ms so each retry can finish. Returns how many it killed.
int ImportWithKilledConnections(const std::string& url, const std::function<void()>& import) {
  std::atomic<bool> done = false;
  std::atomic<int> killed = 0;
  std::thread killer([&] {
    while (!done) {
      const auto rows = Query(url,
                              "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                              "AND backend_type = 'client backend' AND (query LIKE '%import_rows%' "
                              "OR query LIKE '%people%' OR query LIKE '%INSERT INTO outbox%') LIMIT 1) k");
      const int now = rows.empty() ? 0 : std::stoi(rows.front());
      killed += now;
      std::this_thread::sleep_for(std::chrono::milliseconds(now > 0 ? 300 : 5));
    }
  });
  import();
  done = true;
  killer.join();
  return killed;
}

TEST_F(HrImportTest, ConnectionsKilledMidImportCountEachRowOnceAndApplyItOnce) {
  const std::string t = Tag();
  constexpr int kPeople = 2000;
  const auto file = [&](int level_of_changed) {
    std::string text = kHeader;
    for (int i = 0; i < kPeople; ++i) {
      const std::string manager = i == 0 ? "" : absl::StrCat("K", (i - 1) / 10, "x", t);
      const int level = i % 10 == 0 ? level_of_changed : 5;
      absl::StrAppend(&text, "K", i, "x", t, ",", manager, ",Kay ", i, ",k", i, "x", t, "@example.com,", level,
                      ",UTC,active,Ops\n");
    }
    // Rejected once the file is staged: an unknown manager, and a loop of two.
    absl::StrAppend(&text, "KU", t, ",NOBODY", t, ",Orphan,ku", t, "@example.com,5,UTC,active,Ops\n");
    absl::StrAppend(&text, "KA", t, ",KB", t, ",Loop A,ka", t, "@example.com,5,UTC,active,Ops\n");
    absl::StrAppend(&text, "KB", t, ",KA", t, ",Loop B,kb", t, "@example.com,5,UTC,active,Ops\n");
    return text;
  };
  const auto events_of = [&](const std::string& type) {
    return std::stoi(
        Scalar("SELECT count(*) FROM outbox o JOIN people p ON o.partition_key = p.person_id::text "
               "WHERE p.hr_employee_id LIKE 'K%x" +
               t + "' AND o.event_type = '" + type + "'"));
  };
  const auto people_with_two = [&](const std::string& type) {
    return Scalar(
        "SELECT count(*) FROM (SELECT o.partition_key FROM outbox o JOIN people p "
        "ON o.partition_key = p.person_id::text WHERE p.hr_employee_id LIKE 'K%x" +
        t + "' AND o.event_type = '" + type + "' GROUP BY o.partition_key HAVING count(*) > 1) twice");
  };
  const auto expect_each_row_once = [](const ImportReport& report) {
    EXPECT_EQ(report.rows(), kPeople + 3);
    EXPECT_EQ(report.created() + report.updated() + report.unchanged() + report.failed(), report.rows())
        << report.DebugString();
    EXPECT_EQ(report.failed(), 3) << report.DebugString();
    std::set<int64_t> lines;
    for (const auto& error : report.errors()) EXPECT_TRUE(lines.insert(error.line()).second) << error.DebugString();
    EXPECT_EQ(lines, (std::set<int64_t>{kPeople + 2, kPeople + 3, kPeople + 4}));
  };

  // First import: everyone new.
  ImportReport first;
  grpc::Status status;
  const int killed_first = ImportWithKilledConnections(
      db_->url(), [&] { status = Import(file(5), &first, false, profiles::v1::IMPORT_FORMAT_CSV, 4096); });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(killed_first, 0) << "no connection was killed: the import finished before the killer saw it";
  expect_each_row_once(first);
  EXPECT_EQ(first.created(), kPeople);
  EXPECT_EQ(Scalar("SELECT count(*) FROM people WHERE hr_employee_id LIKE 'K%x" + t + "'"), std::to_string(kPeople));
  EXPECT_EQ(events_of("profile.created"), kPeople) << "each person created once, with one event";
  EXPECT_EQ(people_with_two("profile.created"), "0");

  // Again with every tenth person promoted: each of them updated once, the rest unchanged.
  ImportReport second;
  const int killed_second = ImportWithKilledConnections(
      db_->url(), [&] { status = Import(file(6), &second, false, profiles::v1::IMPORT_FORMAT_CSV, 4096); });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(killed_second, 0);
  expect_each_row_once(second);
  EXPECT_EQ(second.created(), 0);
  EXPECT_EQ(second.updated(), kPeople / 10);
  EXPECT_EQ(second.unchanged(), kPeople - kPeople / 10);
  EXPECT_EQ(events_of("profile.updated"), kPeople / 10) << "each change applied once";
  EXPECT_EQ(people_with_two("profile.updated"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM people WHERE hr_employee_id LIKE 'K%x" + t + "' AND version > 2"), "0");
  // Nothing of either import is left staged.
  EXPECT_EQ(Scalar("SELECT count(*) FROM import_rows"), "0");
}

// The two moments a kill at random rarely hits, made certain: the staging insert killed in
// flight (the pool runs it again), and an apply transaction killed inside its COMMIT (the
// outcome unknown to the service). Test-only triggers hold the import's backend at those
// points, on a sleep, until the test has killed it once.
TEST_F(HrImportTest, AStagingInsertAndACommitCutOffByAKillAreCountedOnce) {
  const std::string t = Tag();
  const std::string url = db_->url();
  Query(url, "CREATE TABLE test_gate (name text PRIMARY KEY, hold boolean NOT NULL)");
  Query(url, "INSERT INTO test_gate VALUES ('import_rows', true), ('outbox', true)");
  Query(url,
        "CREATE FUNCTION test_gate_wait() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "WHILE (SELECT hold FROM test_gate WHERE name = TG_TABLE_NAME) LOOP PERFORM pg_sleep(0.01); END LOOP; "
        "RETURN NEW; END $$");
  Query(url,
        "CREATE TRIGGER test_hold_staging BEFORE INSERT ON import_rows FOR EACH ROW "
        "EXECUTE FUNCTION test_gate_wait()");
  // Deferred: it runs inside COMMIT.
  Query(url,
        "CREATE CONSTRAINT TRIGGER test_hold_commit AFTER INSERT ON outbox DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION test_gate_wait()");
  // Kills the backend held on `gate` (waiting in `statement`) once, then opens the gate.
  const auto kill_then_open = [&](const std::string& gate, const std::string& statement) {
    int killed = 0;
    for (int i = 0; i < 3000 && killed == 0; ++i) {
      killed = std::stoi(Query(url,
                               "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                               "AND wait_event = 'PgSleep' AND query LIKE '" +
                                   statement + "%' LIMIT 1) k")
                             .at(0));
      if (killed == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Query(url, "UPDATE test_gate SET hold = false WHERE name = '" + gate + "'");
    return killed;
  };

  constexpr int kPeople = 30;
  std::string file = kHeader;
  for (int i = 0; i < kPeople; ++i) {
    absl::StrAppend(&file, "G", i, "x", t, ",", i == 0 ? "" : absl::StrCat("G0x", t), ",Gee ", i, ",g", i, "x", t,
                    "@example.com,5,UTC,active,Ops\n");
  }
  ImportReport report;
  grpc::Status status;
  std::thread import([&] { status = Import(file, &report, false, profiles::v1::IMPORT_FORMAT_CSV, 4096); });
  const int killed_staging = kill_then_open("import_rows", "INSERT INTO import_rows");
  const int killed_commit = kill_then_open("outbox", "COMMIT");
  import.join();
  Query(url, "DROP TRIGGER test_hold_commit ON outbox");
  Query(url, "DROP TRIGGER test_hold_staging ON import_rows");
  Query(url, "DROP FUNCTION test_gate_wait");
  Query(url, "DROP TABLE test_gate");

  EXPECT_EQ(killed_staging, 1);
  EXPECT_EQ(killed_commit, 1);
  ASSERT_TRUE(status.ok()) << "a COMMIT cut off is asked about and tried again, not fatal: " << status.error_message();
  EXPECT_EQ(report.rows(), kPeople);
  EXPECT_EQ(report.created(), kPeople) << report.DebugString();
  EXPECT_EQ(report.updated() + report.unchanged() + report.failed(), 0) << report.DebugString();
  EXPECT_EQ(Scalar("SELECT count(*) FROM people WHERE hr_employee_id LIKE 'G%x" + t + "'"), std::to_string(kPeople));
  EXPECT_EQ(Scalar("SELECT count(*) FROM outbox o JOIN people p ON o.partition_key = p.person_id::text "
                   "WHERE p.hr_employee_id LIKE 'G%x" +
                   t + "' AND o.event_type = 'profile.created'"),
            std::to_string(kPeople));
}

TEST_F(HrImportTest, AnEmployeeCannotImport) {
  auto ctx = ContextAs({"someone", {roles::kEmployee}});
  ImportReport report;
  auto writer = stub_->ImportPeople(ctx.get(), &report);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace mentoring::testing

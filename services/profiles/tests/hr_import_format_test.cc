#include "hr_import_format.h"

#include <gtest/gtest.h>

namespace mentoring::profiles {
namespace {

std::vector<ImportRecord> ReadAll(v1::ImportFormat format, const std::string& text, size_t chunk) {
  ImportRecordReader reader(format);
  std::vector<ImportRecord> out;
  for (size_t i = 0; i < text.size(); i += chunk) reader.Feed(std::string_view(text).substr(i, chunk), out);
  reader.Finish(out);
  return out;
}

const std::string kCsv =
    "employee_id,manager_id,display_name,email,level,time_zone,status,title\r\n"
    "E1,,Ada Lovelace,ADA@example.com,12,Europe/London,active,\"Chief, Engines\"\r\n"
    "E2,E1,\"Grace \"\"Amazing\"\" Hopper\",grace@example.com,9,America/New_York,on_leave,\"Line one\nline two\"\r\n"
    "\r\n"
    "E3,E1,Alan Turing,alan@example.com,7,Europe/London,,Researcher";

TEST(ImportRecordReader, ReadsCsvWithQuotesCommasNewlinesAndCrlf) {
  const auto records = ReadAll(v1::IMPORT_FORMAT_CSV, kCsv, 4096);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(records[0].fields.at("title"), "Chief, Engines");
  EXPECT_EQ(records[1].fields.at("display_name"), "Grace \"Amazing\" Hopper");
  EXPECT_EQ(records[1].fields.at("title"), "Line one\nline two");
  EXPECT_EQ(records[2].line, 6) << "lines count the newline inside quotes and the blank line";
  EXPECT_EQ(records[2].fields.at("title"), "Researcher");
}

TEST(ImportRecordReader, ChunkBoundariesDoNotMatter) {
  const auto whole = ReadAll(v1::IMPORT_FORMAT_CSV, kCsv, 4096);
  for (size_t chunk : {1u, 2u, 3u, 7u, 64u}) {
    const auto pieces = ReadAll(v1::IMPORT_FORMAT_CSV, kCsv, chunk);
    ASSERT_EQ(pieces.size(), whole.size()) << chunk;
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(pieces[i].fields, whole[i].fields) << "chunk " << chunk << " record " << i;
      EXPECT_EQ(pieces[i].line, whole[i].line);
    }
  }
}

TEST(ImportRecordReader, AWrongColumnCountIsMalformedNotFatal) {
  const auto records = ReadAll(v1::IMPORT_FORMAT_CSV, "employee_id,email\nE1\nE2,e2@example.com\n", 4096);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].malformed.empty());
  EXPECT_TRUE(records[1].malformed.empty());
}

TEST(ImportRecordReader, ReadsJsonLines) {
  const auto records = ReadAll(v1::IMPORT_FORMAT_JSON_LINES,
                               "{\"employee_id\":\"E1\",\"level\":12,\"languages\":[\"en\",\"fr\"]}\n"
                               "not json\n\n{\"employee_id\":\"E2\"}",
                               5);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields.at("level"), "12");
  EXPECT_EQ(records[0].fields.at("languages"), "en;fr");
  EXPECT_FALSE(records[1].malformed.empty());
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[2].line, 4);
  EXPECT_EQ(records[2].fields.at("employee_id"), "E2");
}

TEST(ImportRecordReader, SkipsTheByteOrderMarkSpreadsheetsWriteFirst) {
  // Excel's and Google Sheets' "CSV UTF-8": EF BB BF, then the header.
  const std::string file =
      "\xEF\xBB\xBF"
      "employee_id,email\nE1,e1@example.com\n";
  for (size_t chunk : {1u, 2u, 4u, 4096u}) {
    const auto records = ReadAll(v1::IMPORT_FORMAT_CSV, file, chunk);
    ASSERT_EQ(records.size(), 1u) << chunk;
    EXPECT_EQ(records[0].fields.count("employee_id"), 1u) << "chunk " << chunk << ": the header's first column";
    EXPECT_EQ(records[0].line, 2);
  }
  const auto json = ReadAll(v1::IMPORT_FORMAT_JSON_LINES, "\xEF\xBB\xBF{\"employee_id\":\"E1\"}\n", 1);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_TRUE(json[0].malformed.empty());
  // Bytes that only start like a mark are data.
  const auto not_a_bom = ReadAll(v1::IMPORT_FORMAT_CSV, "\xEF\xBB,b\nx,y\n", 1);
  ASSERT_EQ(not_a_bom.size(), 1u);
  EXPECT_EQ(not_a_bom[0].fields.at("\xEF\xBB"), "x");
}

TEST(ImportRecordReader, ASemicolonHeaderWithoutCommasMakesSemicolonTheDelimiter) {
  // What a spreadsheet saves in a European locale; values may hold commas.
  const std::string file =
      "\n\"employee_id\";email;title\r\nE1;e1@example.com;Head, Sales\r\nE2;e2@example.com;\"A;B\"\r\n";
  for (size_t chunk : {1u, 5u, 4096u}) {
    const auto records = ReadAll(v1::IMPORT_FORMAT_CSV, file, chunk);
    ASSERT_EQ(records.size(), 2u) << chunk;
    EXPECT_EQ(records[0].line, 3);
    EXPECT_EQ(records[0].fields.at("employee_id"), "E1");
    EXPECT_EQ(records[0].fields.at("title"), "Head, Sales");
    EXPECT_EQ(records[1].fields.at("title"), "A;B");
  }
  // A comma outside quotes keeps the comma: the semicolons are then inside values.
  const auto commas = ReadAll(v1::IMPORT_FORMAT_CSV, "employee_id,languages\nE1,en;fr\n", 4096);
  ASSERT_EQ(commas.size(), 1u);
  EXPECT_EQ(commas[0].fields.at("languages"), "en;fr");
  // A ';' inside a quoted header name does not count.
  const auto quoted = ReadAll(v1::IMPORT_FORMAT_CSV, "employee_id,\"a;b\"\nE1,x\n", 4096);
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_EQ(quoted[0].fields.at("a;b"), "x");
}

TEST(ImportRecordReader, NamesTheFirstLineThatIsNotUtf8) {
  // Excel's plain "CSV" is Windows-1252: "Jos\xE9" is José there, and not UTF-8.
  const std::string file = "employee_id,display_name\nE1,Zo\xC3\xAB\nE2,Jos\xE9\nE3,Ren\xE9\n";
  for (size_t chunk : {1u, 3u, 4096u}) {
    ImportRecordReader reader(v1::IMPORT_FORMAT_CSV);
    std::vector<ImportRecord> out;
    for (size_t i = 0; i < file.size(); i += chunk) reader.Feed(std::string_view(file).substr(i, chunk), out);
    reader.Finish(out);
    EXPECT_EQ(reader.first_non_utf8_line(), 3) << chunk;
  }
  ImportRecordReader utf8(v1::IMPORT_FORMAT_CSV);
  std::vector<ImportRecord> out;
  utf8.Feed("employee_id,display_name\nE1,Zo\xC3\xAB\n", out);
  utf8.Finish(out);
  EXPECT_EQ(utf8.first_non_utf8_line(), 0);
  ImportRecordReader header(v1::IMPORT_FORMAT_CSV);
  header.Feed("employee_id,Pr\xE9nom\nE1,x\n", out);
  EXPECT_EQ(header.first_non_utf8_line(), 1);
  ImportRecordReader json(v1::IMPORT_FORMAT_JSON_LINES);
  json.Feed("{\"a\":\"b\"}\n{\"a\":\"\xE9\"}\n", out);
  EXPECT_EQ(json.first_non_utf8_line(), 2);
}

ImportRecord Good() {
  return {2,
          {{"employee_id", "E1"},
           {"manager_id", "E0"},
           {"first_name", "Ada"},
           {"last_name", "Lovelace"},
           {"email", "Ada@Example.com"},
           {"level", "12"},
           {"time_zone", "Europe/London"},
           {"languages", "en; fr"},
           {"status", "on_leave"}},
          ""};
}

TEST(MapHrRecord, MapsAGoodRow) {
  const HrRow row = MapHrRecord(Good());
  EXPECT_TRUE(row.errors.empty()) << row.errors[0].DebugString();
  EXPECT_EQ(row.manager_hr_id, "E0");
  EXPECT_EQ(row.person.display_name(), "Ada Lovelace");
  EXPECT_EQ(row.person.email(), "ada@example.com");
  EXPECT_EQ(row.person.languages_size(), 2);
  EXPECT_EQ(row.person.employment_status(), common::v1::EMPLOYMENT_STATUS_ON_LEAVE);
}

struct BadRow {
  std::string name;
  std::string column;
  std::string value;
  std::string field;
  std::string rule;
};

class MapHrRecordRejects : public ::testing::TestWithParam<BadRow> {};

TEST_P(MapHrRecordRejects, NamesTheColumnAndRule) {
  ImportRecord record = Good();
  record.fields[GetParam().column] = GetParam().value;
  const HrRow row = MapHrRecord(record);
  ASSERT_EQ(row.errors.size(), 1u);
  EXPECT_EQ(row.errors[0].field(), GetParam().field);
  EXPECT_EQ(row.errors[0].rule(), GetParam().rule);
  EXPECT_EQ(row.errors[0].line(), 2);
}

INSTANTIATE_TEST_SUITE_P(EachRule, MapHrRecordRejects,
                         ::testing::Values(BadRow{"bad_email", "email", "nobody", "email", "email"},
                                           BadRow{"bad_zone", "time_zone", "Europe/Atlantis", "time_zone",
                                                  "iana_time_zone"},
                                           BadRow{"level_high", "level", "99", "level", "range_1_15"},
                                           BadRow{"level_text", "level", "senior", "level", "integer"},
                                           BadRow{"self_manager", "manager_id", "E1", "manager_id", "not_self"},
                                           BadRow{"bad_status", "status", "retired?", "status", "employment_status"},
                                           BadRow{"no_id", "employee_id", "", "employee_id", "required"}),
                         [](const auto& test_case) { return test_case.param.name; });

}  // namespace
}  // namespace mentoring::profiles

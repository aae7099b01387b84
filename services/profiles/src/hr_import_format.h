#pragma once
// Reading an HR export: records out of a CSV (RFC 4180, header row) or JSON Lines byte
// stream fed in chunks of any size, and the mapping of one record onto a Person. Plain
// code without I/O; memory holds one partial record, never the file. What spreadsheets
// save is read as they save it: a leading byte-order mark ("CSV UTF-8" in Excel and Google
// Sheets) is skipped, and a header with ';' and no ',' outside quotes (European locales)
// makes ';' the delimiter.
// The columns are documented in docs/hr-import.md.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"

namespace mentoring::profiles {

struct ImportRecord {
  int64_t line = 0;                           // where the record starts, 1-based
  std::map<std::string, std::string> fields;  // column -> value, both trimmed
  std::string malformed;                      // non-empty: why the record could not be read
};

class ImportRecordReader {
 public:
  explicit ImportRecordReader(v1::ImportFormat format) : format_(format) {}
  // Appends every record completed by `chunk` to `out`.
  void Feed(std::string_view chunk, std::vector<ImportRecord>& out);
  // End of input: the last record may lack a final newline.
  void Finish(std::vector<ImportRecord>& out);
  // The line where the first record that is not UTF-8 starts (Excel's plain "CSV" is
  // Windows-1252), or 0 while every record read so far is UTF-8.
  int64_t first_non_utf8_line() const { return first_non_utf8_line_; }

 private:
  void FeedBytes(std::string_view bytes, std::vector<ImportRecord>& out);
  void FeedCsv(char c, std::vector<ImportRecord>& out);
  void FeedCsvHeaderLine(char c, std::vector<ImportRecord>& out);
  void CheckUtf8(std::string_view text);
  void EndCsvRecord(std::vector<ImportRecord>& out);
  void EndJsonLine(std::vector<ImportRecord>& out);

  v1::ImportFormat format_;
  int64_t line_ = 1;         // current line of the input
  int64_t record_line_ = 1;  // where the record being read started
  int64_t first_non_utf8_line_ = 0;
  bool past_bom_ = false;  // the first bytes were checked for a byte-order mark
  std::string lead_;       // the first bytes, while they may still be a byte-order mark
  // CSV state
  char delimiter_ = 0;       // 0 until the header line is complete: ',' or ';'
  std::string header_line_;  // the header line, held until its delimiter is known
  bool header_quoted_ = false;
  std::vector<std::string> header_;
  std::vector<std::string> fields_;
  std::string field_;
  bool in_quotes_ = false;
  bool quote_in_quoted_ = false;  // saw '"' inside quotes: an escaped quote or the closing one
  bool record_has_content_ = false;
  // JSON Lines state
  std::string json_line_;
};

// One record mapped onto the HR-owned fields of a Person, or why it cannot be.
struct HrRow {
  int64_t line = 0;
  std::string hr_employee_id;
  std::string manager_hr_id;  // empty at the top of the tree
  v1::Person person;          // HR-owned fields only; person_id and manager_id left empty
  std::vector<v1::ImportRowError> errors;
};

HrRow MapHrRecord(const ImportRecord& record);

v1::ImportRowError RowError(int64_t line, const std::string& hr_employee_id, const std::string& field,
                            const std::string& rule, const std::string& description);

// Copies the HR-owned fields of `from` into `into`, leaving the mentoring profile, goals,
// exclusions and consent (owned by the person) as they are.
void ApplyHrFields(const v1::Person& from, v1::Person& into);

}  // namespace mentoring::profiles

#include "hr_import_format.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "mentoring/runtime/errors.h"
#include "person_rules.h"

namespace mentoring::profiles {
namespace {

std::string Trimmed(std::string_view text) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
}

std::string Lower(std::string text) { return absl::AsciiStrToLower(text); }

std::string FromValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kNumberValue: {
      const double n = value.number_value();
      return n == std::floor(n) ? std::to_string(static_cast<int64_t>(n)) : std::to_string(n);
    }
    case google::protobuf::Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case google::protobuf::Value::kListValue: {
      std::vector<std::string> items;
      for (const auto& item : value.list_value().values()) items.push_back(FromValue(item));
      return absl::StrJoin(items, ";");
    }
    default:
      return "";
  }
}

// Person field paths (from Validate) -> the column a person fixing the file would look at.
std::string ColumnOf(const std::string& field) {
  static const std::map<std::string, std::string> kColumns = {
      {"person.hr_employee_id", "employee_id"},
      {"person.display_name", "display_name"},
      {"person.email", "email"},
      {"person.career_level", "level"},
      {"person.time_zone", "time_zone"},
      {"person.title", "title"},
      {"person.department", "department"},
      {"person.location", "location"},
      {"person.employment_status", "status"},
  };
  if (auto it = kColumns.find(field); it != kColumns.end()) return it->second;
  if (field.starts_with("person.languages")) return "languages";
  return field;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, absl::ByAnyChar(";,|"), absl::SkipWhitespace())) {
    items.push_back(std::string(absl::StripAsciiWhitespace(item)));
  }
  return items;
}

}  // namespace

void ImportRecordReader::Feed(std::string_view chunk, std::vector<ImportRecord>& out) {
  if (!past_bom_) {
    // Excel's and Google Sheets' "CSV UTF-8" start with a byte-order mark: no data. It may
    // arrive split across chunks, so the first bytes wait until they can be told apart.
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    const size_t take = std::min(chunk.size(), kBom.size() - lead_.size());
    lead_.append(chunk.substr(0, take));
    chunk.remove_prefix(take);
    if (lead_.size() < kBom.size() && kBom.starts_with(lead_)) return;  // the chunk is used up
    past_bom_ = true;
    if (lead_ != kBom) FeedBytes(lead_, out);
    lead_.clear();
  }
  FeedBytes(chunk, out);
}

void ImportRecordReader::FeedBytes(std::string_view bytes, std::vector<ImportRecord>& out) {
  for (char c : bytes) {
    if (format_ == v1::IMPORT_FORMAT_CSV) {
      FeedCsv(c, out);
    } else if (c == '\n') {
      EndJsonLine(out);
      ++line_;
      record_line_ = line_;
    } else {
      json_line_ += c;
    }
  }
}

void ImportRecordReader::Finish(std::vector<ImportRecord>& out) {
  if (!past_bom_) {  // fewer bytes than a byte-order mark, all of them the start of one
    past_bom_ = true;
    FeedBytes(std::exchange(lead_, {}), out);
  }
  if (format_ == v1::IMPORT_FORMAT_CSV) {
    if (delimiter_ == 0) FeedCsvHeaderLine('\n', out);  // a file that is only a header
    if (in_quotes_ && !quote_in_quoted_) {
      out.push_back({record_line_, {}, "unterminated quoted field"});
      return;
    }
    if (record_has_content_ || !field_.empty() || !fields_.empty()) EndCsvRecord(out);
  } else if (!json_line_.empty()) {
    EndJsonLine(out);
  }
}

void ImportRecordReader::CheckUtf8(std::string_view text) {
  if (first_non_utf8_line_ == 0 && !errors::IsUtf8(absl::string_view(text.data(), text.size()))) {
    first_non_utf8_line_ = record_line_;
  }
}

void ImportRecordReader::FeedCsvHeaderLine(char c, std::vector<ImportRecord>& out) {
  // The header line is held until it ends, then read with the delimiter it shows: ';' when
  // it has a ';' and no ',' outside quotes (what spreadsheets save in European locales).
  header_line_ += c;
  if (c == '"') header_quoted_ = !header_quoted_;
  if (c != '\n' || header_quoted_) return;
  if (absl::StripAsciiWhitespace(header_line_).empty()) return;  // blank lines before the header
  bool comma = false, semicolon = false, quoted = false;
  for (char h : header_line_) {
    if (h == '"') quoted = !quoted;
    comma |= !quoted && h == ',';
    semicolon |= !quoted && h == ';';
  }
  delimiter_ = semicolon && !comma ? ';' : ',';
  for (char h : std::exchange(header_line_, {})) FeedCsv(h, out);
}

void ImportRecordReader::FeedCsv(char c, std::vector<ImportRecord>& out) {
  if (delimiter_ == 0) return FeedCsvHeaderLine(c, out);
  if (in_quotes_) {
    if (quote_in_quoted_) {
      quote_in_quoted_ = false;
      if (c == '"') {  // "" inside quotes: one literal quote
        field_ += '"';
        return;
      }
      in_quotes_ = false;  // the quote closed the field; handle c as outside quotes
    } else if (c == '"') {
      quote_in_quoted_ = true;
      return;
    } else {
      if (c == '\n') ++line_;
      field_ += c;
      return;
    }
  }
  if (c == delimiter_) {
    fields_.push_back(std::move(field_));
    field_.clear();
    record_has_content_ = true;
    return;
  }
  switch (c) {
    case '"':
      in_quotes_ = true;
      record_has_content_ = true;
      break;
    case '\r':
      break;
    case '\n':
      if (record_has_content_ || !field_.empty()) EndCsvRecord(out);
      ++line_;
      record_line_ = line_;
      break;
    default:
      field_ += c;
      record_has_content_ = true;
  }
}

void ImportRecordReader::EndCsvRecord(std::vector<ImportRecord>& out) {
  fields_.push_back(std::move(field_));
  field_.clear();
  record_has_content_ = false;
  for (const auto& field : fields_) CheckUtf8(field);
  if (header_.empty()) {
    for (auto& name : fields_) header_.push_back(Lower(Trimmed(name)));
  } else {
    ImportRecord record{record_line_, {}, ""};
    if (fields_.size() != header_.size()) {
      record.malformed =
          "has " + std::to_string(fields_.size()) + " columns, the header has " + std::to_string(header_.size());
    } else {
      for (size_t i = 0; i < fields_.size(); ++i) record.fields[header_[i]] = Trimmed(fields_[i]);
    }
    out.push_back(std::move(record));
  }
  fields_.clear();
}

void ImportRecordReader::EndJsonLine(std::vector<ImportRecord>& out) {
  std::string text = Trimmed(json_line_);
  json_line_.clear();
  if (text.empty()) return;
  CheckUtf8(text);
  ImportRecord record{record_line_, {}, ""};
  google::protobuf::Struct object;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(text, &object); !parsed.ok()) {
    record.malformed = "not a JSON object";
  } else {
    for (const auto& [key, value] : object.fields()) record.fields[Lower(key)] = Trimmed(FromValue(value));
  }
  out.push_back(std::move(record));
}

HrRow MapHrRecord(const ImportRecord& record) {
  HrRow row;
  row.line = record.line;
  const auto fail = [&](const std::string& field, const std::string& rule, const std::string& description) {
    row.errors.push_back(RowError(record.line, row.hr_employee_id, field, rule, description));
  };
  if (!record.malformed.empty()) {
    fail("", "malformed", record.malformed);
    return row;
  }
  const auto get = [&](const std::string& column) {
    auto it = record.fields.find(column);
    return it == record.fields.end() ? std::string() : it->second;
  };
  row.hr_employee_id = get("employee_id");
  row.manager_hr_id = get("manager_id");
  auto& p = row.person;
  p.set_hr_employee_id(row.hr_employee_id);
  std::string name = get("display_name");
  if (name.empty()) name = Trimmed(get("first_name") + " " + get("last_name"));
  p.set_display_name(name);
  p.set_email(Lower(get("email")));
  p.set_title(get("title"));
  p.set_department(get("department"));
  p.set_location(get("location"));
  p.set_time_zone(get("time_zone"));
  for (auto& language : SplitList(get("languages"))) p.add_languages(language);
  for (auto& industry : SplitList(get("industries"))) p.add_industries(industry);

  const std::string level = get("level");
  int level_value = 0;
  if (level.empty()) {
    fail("level", "required", "the career level (1-15) is required");
  } else if (!absl::SimpleAtoi(level, &level_value)) {
    fail("level", "integer", "must be a whole number between 1 and 15");
  }
  p.set_career_level(level_value);

  const std::string status = Lower(get("status"));
  if (status.empty() || status == "active") {
    p.set_employment_status(common::v1::EMPLOYMENT_STATUS_ACTIVE);
  } else if (status == "on_leave" || status == "on leave" || status == "leave") {
    p.set_employment_status(common::v1::EMPLOYMENT_STATUS_ON_LEAVE);
  } else if (status == "departed" || status == "terminated" || status == "inactive") {
    p.set_employment_status(common::v1::EMPLOYMENT_STATUS_DEPARTED);
  } else {
    fail("status", "employment_status", "must be active, on_leave or departed (got '" + status + "')");
  }
  if (!row.manager_hr_id.empty() && row.manager_hr_id == row.hr_employee_id) {
    fail("manager_id", "not_self", "a person cannot be their own manager");
  }
  // The same rules as the API, reported against the file's columns.
  const auto details = errors::DetailsOf(Validate(p));
  for (const auto& v : details.field_violations()) {
    if (v.field() == "person.career_level" && level_value == 0) continue;  // already reported
    fail(ColumnOf(v.field()), v.rule(), v.description());
  }
  return row;
}

v1::ImportRowError RowError(int64_t line, const std::string& hr_employee_id, const std::string& field,
                            const std::string& rule, const std::string& description) {
  v1::ImportRowError error;
  error.set_line(line);
  error.set_hr_employee_id(hr_employee_id);
  error.set_field(field);
  error.set_rule(rule);
  error.set_description(description);
  return error;
}

void ApplyHrFields(const v1::Person& from, v1::Person& into) {
  into.set_hr_employee_id(from.hr_employee_id());
  into.set_display_name(from.display_name());
  into.set_email(from.email());
  into.set_title(from.title());
  into.set_department(from.department());
  into.set_manager_id(from.manager_id());
  into.set_career_level(from.career_level());
  into.set_location(from.location());
  into.set_time_zone(from.time_zone());
  *into.mutable_languages() = from.languages();
  *into.mutable_industries() = from.industries();
  into.set_employment_status(from.employment_status());
}

}  // namespace mentoring::profiles

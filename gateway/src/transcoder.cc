#include "transcoder.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>

#include "mentoring/runtime/errors.h"

namespace mentoring::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Nesting depth of a JSON text, counted without parsing it (strings skipped).
int JsonDepth(std::string_view json) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// "{}" with any whitespace around and inside.
bool IsEmptyJsonObject(std::string_view body) {
  const absl::string_view text = absl::StripAsciiWhitespace(absl::string_view(body.data(), body.size()));
  return text.size() >= 2 && text.front() == '{' && text.back() == '}' &&
         absl::StripAsciiWhitespace(text.substr(1, text.size() - 2)).empty();
}

// The message holding the last field of `path`, creating the messages on the way.
Message* Holder(Message& root, const std::vector<std::string>& path, const FieldDescriptor** field) {
  Message* current = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    // The proto name (page_size) or, as in JSON bodies, the JSON name (pageSize).
    const FieldDescriptor* f = current->GetDescriptor()->FindFieldByName(path[i]);
    if (f == nullptr) f = current->GetDescriptor()->FindFieldByCamelcaseName(path[i]);
    if (f == nullptr) return nullptr;
    if (i + 1 == path.size()) {
      *field = f;
      return current;
    }
    if (f->type() != FieldDescriptor::TYPE_MESSAGE || f->is_repeated()) return nullptr;
    current = current->GetReflection()->MutableMessage(current, f);
  }
  return nullptr;
}

// "IMPORT_FORMAT_" for enum ImportFormat: the prefix the style guide puts on every value, so
// a query may say format=CSV as well as format=IMPORT_FORMAT_CSV.
std::string EnumPrefix(const google::protobuf::EnumDescriptor& type) {
  std::string prefix;
  for (char c : type.name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix += '_';
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return prefix + "_";
}

// Sets one scalar field (or appends to a repeated one) from its text form.
absl::Status SetFromText(Message& message, const FieldDescriptor& field, const std::string& text,
                         const std::string& name) {
  const auto* reflection = message.GetReflection();
  const bool repeated = field.is_repeated();
  const auto bad = [&](const char* rule, const char* what) {
    return errors::InvalidArgument(name, rule, absl::StrCat("must be ", what));
  };
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? reflection->AddString(&message, &field, text) : reflection->SetString(&message, &field, text);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("integer", "an integer");
      repeated ? reflection->AddInt32(&message, &field, v) : reflection->SetInt32(&message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("integer", "an integer");
      repeated ? reflection->AddInt64(&message, &field, v) : reflection->SetInt64(&message, &field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (text != "true" && text != "false") return bad("boolean", "true or false");
      repeated ? reflection->AddBool(&message, &field, text == "true")
               : reflection->SetBool(&message, &field, text == "true");
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = field.enum_type()->FindValueByName(text);
      if (value == nullptr) value = field.enum_type()->FindValueByName(EnumPrefix(*field.enum_type()) + text);
      int number = 0;
      if (value == nullptr && absl::SimpleAtoi(text, &number)) value = field.enum_type()->FindValueByNumber(number);
      if (value == nullptr) return bad("enum", "one of the enumeration's names");
      repeated ? reflection->AddEnum(&message, &field, value) : reflection->SetEnum(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      // A timestamp or duration is written as in JSON (RFC 3339, "90s"), like every HTTP
      // mapping of the protobuf well-known types does: ?from=2027-01-01T00:00:00Z.
      if (!IsQueryParameter(field)) break;
      const std::string& type = field.message_type()->full_name();
      std::string json = "\"";
      for (char c : text) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return bad("format", "a plain text value");
        json += c;
      }
      json += '"';
      Message* value = reflection->MutableMessage(&message, &field);
      if (!google::protobuf::util::JsonStringToMessage(json, value).ok()) {
        return type == "google.protobuf.Timestamp" ? bad("timestamp", "an RFC 3339 time, e.g. 2027-01-01T09:00:00Z")
                                                   : bad("duration", "seconds with an s, e.g. 90s");
      }
      return absl::OkStatus();
    }
    default:
      break;
  }
  return errors::InvalidArgument(name, "not_a_parameter", "cannot be given in the URL; send it in the body");
}

}  // namespace

bool IsQueryParameter(const FieldDescriptor& field) {
  if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  const std::string& type = field.message_type()->full_name();
  return !field.is_repeated() && (type == "google.protobuf.Timestamp" || type == "google.protobuf.Duration");
}

absl::StatusOr<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
      continue;
    }
    int value = 0;
    if (i + 2 >= text.size() || !absl::SimpleHexAtoi(absl::string_view(text.data() + i + 1, 2), &value)) {
      return absl::InvalidArgumentError("invalid percent escape");
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

absl::StatusOr<std::string> QueryDecode(std::string_view text) { return PercentDecode(text, true); }

absl::Status BuildRequest(const RouteMatch& match, std::string_view query, std::string_view body, Message& request,
                          const TranscodeLimits& limits) {
  const Route& route = *match.route;
  if (!body.empty() && route.body.empty()) {
    // Many clients send a JSON object with every POST: an empty one carries nothing. A GET
    // takes no body at all.
    if (route.verb == "GET" || !IsEmptyJsonObject(body)) {
      return errors::InvalidArgument(
          "body", "no_body",
          route.verb == "GET" ? "this route takes no request body" : "this route takes no request body (none, or {})");
    }
    body = {};
  }
  if (!body.empty()) {
    if (JsonDepth(body) > limits.max_json_depth) {
      return errors::InvalidArgument("body", "max_depth", absl::StrCat("nests deeper than ", limits.max_json_depth));
    }
    Message* target = &request;
    if (route.body != "*") {
      const FieldDescriptor* field = request.GetDescriptor()->FindFieldByName(route.body);
      target = request.GetReflection()->MutableMessage(&request, field);
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;  // a misspelt field is an error, not silently dropped
    const auto parsed = google::protobuf::util::JsonStringToMessage(std::string(body), target, options);
    if (!parsed.ok()) {
      return errors::InvalidArgument("body", "json", std::string(parsed.message()));
    }
  }
  // Query parameters: "field=value" or "parent.field=value"; a repeated field may repeat.
  if (!query.empty()) {
    for (absl::string_view pair :
         absl::StrSplit(absl::string_view(query.data(), query.size()), '&', absl::SkipEmpty())) {
      std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
      auto name = QueryDecode(kv[0]);
      auto value = QueryDecode(kv.size() > 1 ? kv[1] : "");
      if (!name.ok() || !value.ok()) return errors::InvalidArgument("query", "percent_encoding", "invalid % escape");
      if (!errors::IsUtf8(*name) || !errors::IsUtf8(*value)) {
        return errors::InvalidArgument(errors::ValidUtf8(*name), "utf8", "must be UTF-8 once %-decoded");
      }
      const std::vector<std::string> path = absl::StrSplit(*name, '.');
      const FieldDescriptor* field = nullptr;
      Message* holder = Holder(request, path, &field);
      if (holder == nullptr) {
        return errors::InvalidArgument(*name, "unknown_parameter", "is not a field of the request");
      }
      if (auto set = SetFromText(*holder, *field, *value, *name); !set.ok()) return set;
    }
  }
  for (const auto& [path, raw] : match.bindings) {
    auto value = PercentDecode(raw);
    const std::string name = absl::StrJoin(path, ".");
    if (!value.ok()) return errors::InvalidArgument(name, "percent_encoding", "invalid % escape in the path");
    if (!errors::IsUtf8(*value)) return errors::InvalidArgument(name, "utf8", "must be UTF-8 once %-decoded");
    const FieldDescriptor* field = nullptr;
    Message* holder = Holder(request, path, &field);
    if (holder == nullptr) return absl::InternalError("route binds a field the request lacks: " + name);
    if (auto set = SetFromText(*holder, *field, *value, name); !set.ok()) return set;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ToJson(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  const auto printed = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!printed.ok()) return absl::InternalError(std::string(printed.message()));
  return json;
}

}  // namespace mentoring::gateway

#include "openapi.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <initializer_list>
#include <set>
#include <utility>

#include "conditional.h"
#include "proto_comments.h"
#include "transcoder.h"

namespace mentoring::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Struct;
using google::protobuf::Value;

Value Text(const std::string& text) {
  Value v;
  v.set_string_value(text);
  return v;
}

Value Bool(bool flag) {
  Value v;
  v.set_bool_value(flag);
  return v;
}

Value Object(Struct fields) {
  Value v;
  *v.mutable_struct_value() = std::move(fields);
  return v;
}

// {"name": value, ...}
Value Obj(std::initializer_list<std::pair<const std::string, Value>> members) {
  Value v;
  auto& fields = *v.mutable_struct_value()->mutable_fields();
  for (const auto& [name, value] : members) fields[name] = value;
  return v;
}

Struct& FieldsOf(Value& object) { return *object.mutable_struct_value(); }

void Describe(Value& object, const std::string& description) {
  if (!description.empty()) (*FieldsOf(object).mutable_fields())["description"] = Text(description);
}

// {"type": "string"}, with a format when one is given ("binary").
Value StringSchema(const std::string& format = "") {
  Value s = Obj({{"type", Text("string")}});
  if (!format.empty()) (*FieldsOf(s).mutable_fields())["format"] = Text(format);
  return s;
}

Value IntegerSchema() { return Obj({{"type", Text("integer")}}); }

// A message's schema exists twice when it is both sent and answered: what a client sends is
// closed (the gateway refuses unknown fields), what it is answered is open, so that a client
// generated today still accepts a field added tomorrow.
enum class Side { kRequest, kResponse };

class Schemas {
 public:
  explicit Schemas(const ProtoComments& comments) : comments_(comments) {}

  // Every message an answer of these routes may hold, so that their request twins get
  // another name.
  void NoteResponses(const RouteTable& routes) {
    for (const Route& route : routes.routes()) {
      if (route.response_body.empty()) NoteAnswered(*route.method->output_type());
    }
  }

  Value Ref(const Descriptor& message, Side side) {
    pending_.emplace(&message, side);
    return Obj({{"$ref", Text("#/components/schemas/" + NameOf(message, side))}});
  }

  // The JSON schema of one field in the protobuf JSON mapping; message types are collected.
  Value FieldSchema(const FieldDescriptor& field, Side side) {
    Value s = Obj({});
    auto& f = *FieldsOf(s).mutable_fields();
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        f["type"] = Text("string");
        if (field.type() == FieldDescriptor::TYPE_BYTES) f["format"] = Text("byte");
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        f["type"] = Text("boolean");
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_UINT32:
        f["type"] = Text("integer");
        f["format"] = Text("int32");
        break;
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64:
        f["type"] = Text("string");  // the JSON mapping writes 64-bit integers as strings
        f["format"] = Text("int64");
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        f["type"] = Text("number");
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        f["type"] = Text("string");
        auto* values = f["enum"].mutable_list_value();
        for (int i = 0; i < field.enum_type()->value_count(); ++i)
          *values->add_values() = Text(field.enum_type()->value(i)->name());
        Describe(s, comments_.Of(*field.enum_type()));
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (field.is_map()) {
          f["type"] = Text("object");
          f["additionalProperties"] = FieldSchema(*field.message_type()->map_value(), side);
          return s;
        }
        if (field.message_type()->full_name() == "google.protobuf.Timestamp") {
          f["type"] = Text("string");
          f["format"] = Text("date-time");
          break;
        }
        if (field.message_type()->full_name() == "google.protobuf.Duration") {
          f["type"] = Text("string");  // seconds with an "s": "90s", "1.5s"
          f["pattern"] = Text("^-?[0-9]+(\\.[0-9]+)?s$");
          break;
        }
        if (!field.is_repeated()) return Ref(*field.message_type(), side);
        return Obj({{"type", Text("array")}, {"items", Ref(*field.message_type(), side)}});
    }
    if (field.is_repeated()) return Obj({{"type", Text("array")}, {"items", s}});
    return s;
  }

  // Every schema referred to so far, and those they refer to, once.
  Struct Components() {
    Struct schemas;
    std::set<std::pair<const Descriptor*, Side>> done;
    while (!pending_.empty()) {
      const auto next = *pending_.begin();
      pending_.erase(pending_.begin());
      if (!done.insert(next).second) continue;
      (*schemas.mutable_fields())[NameOf(*next.first, next.second)] = MessageSchema(*next.first, next.second);
    }
    return schemas;
  }

 private:
  void NoteAnswered(const Descriptor& message) {
    if (!answered_.insert(&message).second) return;
    for (int i = 0; i < message.field_count(); ++i) {
      const FieldDescriptor* field = message.field(i);
      if (field->is_map()) field = field->message_type()->map_value();
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) NoteAnswered(*field->message_type());
    }
  }

  // An answer's schema is named after its message; a message only ever sent is too, and one
  // both sent and answered is "<name>Input" when sent.
  std::string NameOf(const Descriptor& message, Side side) const {
    return side == Side::kRequest && answered_.contains(&message) ? message.full_name() + "Input" : message.full_name();
  }

  Value MessageSchema(const Descriptor& message, Side side) {
    Value s = Obj({{"type", Text("object")}});
    auto& f = *FieldsOf(s).mutable_fields();
    if (side == Side::kRequest) f["additionalProperties"] = Bool(false);  // unknown fields are refused
    Describe(s, comments_.Of(message));
    Struct properties;
    for (int i = 0; i < message.field_count(); ++i) {
      const FieldDescriptor& field = *message.field(i);
      Value property = FieldSchema(field, side);
      // OpenAPI 3.0 ignores whatever stands beside a $ref.
      if (!property.struct_value().fields().contains("$ref")) Describe(property, comments_.Of(field));
      (*properties.mutable_fields())[field.json_name()] = std::move(property);
    }
    f["properties"] = Object(std::move(properties));
    return s;
  }

  const ProtoComments& comments_;
  std::set<const Descriptor*> answered_;
  std::set<std::pair<const Descriptor*, Side>> pending_;
};

Value Content(std::initializer_list<std::string> media_types, const Value& schema) {
  Value content = Obj({});
  for (const auto& type : media_types) (*FieldsOf(content).mutable_fields())[type] = Obj({{"schema", schema}});
  return content;
}

Value Parameter(const std::string& name, const char* in, bool required, Value schema,
                const std::string& description = "") {
  Value p = Obj({{"name", Text(name)}, {"in", Text(in)}, {"required", Bool(required)}, {"schema", std::move(schema)}});
  Describe(p, description);
  return p;
}

Value Header(Value schema, const std::string& description) {
  return Obj({{"schema", std::move(schema)}, {"description", Text(description)}});
}

// The headers every answer carries: its request id, and the caller's rate when limits are on.
void AddCommonHeaders(Value& response) {
  auto& headers = *FieldsOf((*FieldsOf(response).mutable_fields())["headers"]).mutable_fields();
  headers["X-Request-Id"] = Header(StringSchema(),
                                   "The request's id: the client's X-Request-Id when it is 1-64 of "
                                   "letters, digits, '.', '_', '-', else one the gateway made");
  headers["RateLimit-Limit"] = Header(IntegerSchema(), "Requests a caller may make a minute (when limits are on)");
  headers["RateLimit-Remaining"] =
      Header(IntegerSchema(), "Requests the caller has left in the current minute (when limits are on)");
}

Value ErrorResponse(const std::string& description) {
  Value response =
      Obj({{"description", Text(description)},
           {"content", Content({"application/json"}, Obj({{"$ref", Text("#/components/schemas/Error")}}))}});
  AddCommonHeaders(response);
  return response;
}

// The 200: the response message as JSON, or for a route with a response_body that field's
// text (or bytes) under the route's media type. With its ETag when the response has a version.
Value OkResponse(const Route& route, Schemas& schemas) {
  const Descriptor& output = *route.method->output_type();
  Value ok = Obj({{"description", Text("OK")}});
  auto& f = *FieldsOf(ok).mutable_fields();
  if (route.response_body.empty()) {
    f["content"] = Content({"application/json"}, schemas.Ref(output, Side::kResponse));
  } else {
    const bool bytes = output.FindFieldByName(route.response_body)->type() == FieldDescriptor::TYPE_BYTES;
    f["content"] = Content({route.response_content_type}, StringSchema(bytes ? "binary" : ""));
  }
  AddCommonHeaders(ok);
  auto& headers = *FieldsOf(f["headers"]).mutable_fields();
  if (VersionField(output, "version") != nullptr) {  // answers of this type carry an ETag
    headers["ETag"] =
        Header(StringSchema(),
               "The resource's version, \"N\": send it back in If-Match to write, or in If-None-Match to read "
               "again");
  }
  if (route.verb == "POST" && !route.upload()) {
    headers["Idempotent-Replayed"] = Header(StringSchema(),
                                            "\"true\" when this is the kept answer to an earlier request with the same "
                                            "Idempotency-Key");
  }
  return ok;
}

Value ErrorSchema() {
  // The gateway's error body: {"error": {"code", "status", "message", "reason", "requestId", "fieldViolations"}}.
  const auto described = [](Value schema, const char* description) {
    Describe(schema, description);
    return schema;
  };
  Value violation = Obj(
      {{"type", Text("object")},
       {"properties",
        Obj({{"field", described(StringSchema(), "The field or parameter (a JSON name, a dotted path, or a header)")},
             {"rule", described(StringSchema(), "The rule it breaks, a stable word: required, email, utf8, ...")},
             {"description", described(StringSchema(), "What the rule asks for, for a person")}})}});
  Value error = Obj(
      {{"type", Text("object")},
       {"properties",
        Obj({{"code", described(IntegerSchema(), "The HTTP status")},
             {"status", described(StringSchema(), "The gRPC status name: INVALID_ARGUMENT, NOT_FOUND, ...")},
             {"message", described(StringSchema(), "What went wrong, for a person")},
             {"reason", described(StringSchema(),
                                  "Why, as a stable word for programs (TOKEN_EXPIRED, RATE_LIMITED, NOT_FOUND, ...); "
                                  "absent when there is none")},
             {"requestId", described(StringSchema(), "The request's id, as in the X-Request-Id header")},
             {"fieldViolations", described(Obj({{"type", Text("array")}, {"items", violation}}),
                                           "Each field that breaks a rule (a 400); empty otherwise")}})}});
  return Obj({{"type", Text("object")}, {"properties", Obj({{"error", error}})}});
}

// A path variable's name in the document: the field's own name ("person_id" for
// {person.person_id}), which is what generated clients can take as an argument (a dotted one
// they refuse); the whole path joined by "_" if two variables of the route share it.
std::string VariableName(const Route& route, const PathSegment& variable) {
  const int sharing = static_cast<int>(std::count_if(route.segments.begin(), route.segments.end(), [&](const auto& s) {
    return s.variable && s.field_path.back() == variable.field_path.back();
  }));
  return sharing > 1 ? absl::StrJoin(variable.field_path, "_") : variable.field_path.back();
}

// "/v1/people/{person.person_id}:deactivate" as OpenAPI writes it: "/v1/people/{person_id}:deactivate".
std::string OpenApiPath(const Route& route) {
  std::vector<std::string> parts;
  for (const auto& segment : route.segments) {
    parts.push_back(segment.variable ? "{" + VariableName(route, segment) + "}" : segment.literal);
  }
  std::string path = "/" + absl::StrJoin(parts, "/");
  if (!route.custom_verb.empty()) absl::StrAppend(&path, ":", route.custom_verb);
  return path;
}

// The headers a request may carry: its id, and for a write its condition and idempotency key.
void AddRequestHeaders(const Route& route, google::protobuf::ListValue& parameters) {
  *parameters.add_values() =
      Parameter("X-Request-Id", "header", false, StringSchema(),
                "An id for this request (1-64 of letters, digits, '.', '_', '-'), echoed and logged; one is made "
                "when it is missing or unfit");
  if (route.upload()) return;  // an upload is idempotent by what it uploads
  if (VersionField(*route.method->input_type(), "expected_version") != nullptr) {
    *parameters.add_values() =
        Parameter("If-Match", "header", false, StringSchema(),
                  "The ETag of the version this write builds on (\"3\"): sent to the service as expected_version, "
                  "and the answer is 412 when the resource has changed since");
  }
  if (route.verb == "POST") {
    *parameters.add_values() =
        Parameter("Idempotency-Key", "header", false, StringSchema(),
                  "Makes retrying safe: the first answer is kept for 24 h and given again to a request with the "
                  "same key (Idempotent-Replayed: true); the key reused for another request is 422, one still "
                  "running 409");
  }
}

}  // namespace

std::string OpenApiDocument(const RouteTable& routes, const std::string& title, const std::string& version) {
  const ProtoComments& comments = ProtoComments::Embedded();
  Schemas schemas(comments);
  schemas.NoteResponses(routes);
  Struct paths;
  for (const Route& route : routes.routes()) {
    const Descriptor& input = *route.method->input_type();
    Struct operation;
    auto& op = *operation.mutable_fields();
    op["operationId"] = Text(std::string(route.method->name()));
    op["summary"] = Text(route.summary);
    if (const std::string description = comments.Of(*route.method); !description.empty()) {
      op["description"] = Text(description);
    }
    op["tags"].mutable_list_value()->add_values()->set_string_value(std::string(route.method->service()->name()));
    for (const auto& role : route.roles) op["x-roles"].mutable_list_value()->add_values()->set_string_value(role);
    if (route.capability_url) {
      // No bearer token: the URL is the authority (security: [] overrides the document's).
      op["security"].mutable_list_value();
      op["x-capability-url"].set_bool_value(true);
    }
    auto* parameters = op["parameters"].mutable_list_value();
    std::set<std::string> bound;
    for (const auto& segment : route.segments) {
      if (!segment.variable) continue;
      bound.insert(segment.field_path.front());
      *parameters->add_values() =
          Parameter(VariableName(route, segment), "path", true, StringSchema(),
                    route.capability_url ? "A capability: whoever has this URL may make this request, without a "
                                           "bearer token. Keep it secret; it is never logged."
                                         : "");
    }
    AddRequestHeaders(route, *parameters);
    // A read whose answer has an ETag may be made conditional; the request's known_version,
    // when it has one, is filled from it (conditional.h).
    const bool conditional_read =
        route.verb == "GET" && VersionField(*route.method->output_type(), "version") != nullptr;
    if (conditional_read) {
      *parameters->add_values() = Parameter(
          "If-None-Match", "header", false, StringSchema(),
          absl::StrCat("ETags from earlier answers (\"3\", W/\"3\", a list, or *): an answer whose ETag is among "
                       "them is 304 Not Modified, without a body",
                       VersionField(input, "known_version") != nullptr
                           ? "; the newest version listed is sent to the service as known_version"
                           : ""));
    }
    const auto add_query_parameters = [&](const Descriptor& message) {
      for (int i = 0; i < message.field_count(); ++i) {
        const FieldDescriptor& field = *message.field(i);
        if (bound.contains(field.name()) || !IsQueryParameter(field)) continue;
        *parameters->add_values() =
            Parameter(field.name(), "query", false, schemas.FieldSchema(field, Side::kRequest), comments.Of(field));
      }
    };
    if (route.upload()) {
      // The parameters come as the query; the body is the file itself, streamed, as it is.
      add_query_parameters(*input.FindFieldByName(route.upload_params)->message_type());
      op["requestBody"] = Obj({{"required", Bool(true)},
                               {"content", Content({"text/csv", "application/x-ndjson", "application/octet-stream"},
                                                   StringSchema("binary"))}});
    } else if (route.body.empty()) {
      // Without a body, every other scalar field of the request may come as a query parameter.
      add_query_parameters(input);
    } else {
      const Descriptor& body = route.body == "*" ? input : *input.FindFieldByName(route.body)->message_type();
      op["requestBody"] = Obj(
          {{"required", Bool(true)}, {"content", Content({"application/json"}, schemas.Ref(body, Side::kRequest))}});
    }
    Struct responses;
    auto& r = *responses.mutable_fields();
    r["200"] = OkResponse(route, schemas);
    if (conditional_read) {
      r["304"] = Obj({{"description", Text("Not Modified: the client holds the current version (If-None-Match); no "
                                           "body")}});
      AddCommonHeaders(r["304"]);
    }
    if (!route.upload() && VersionField(input, "expected_version") != nullptr) {
      r["412"] = ErrorResponse("Precondition Failed: the resource changed since the If-Match version");
    }
    r["429"] = ErrorResponse("Too Many Requests: the caller's requests this minute are used up");
    (*FieldsOf(FieldsOf(r["429"]).mutable_fields()->at("headers")).mutable_fields())["Retry-After"] =
        Header(IntegerSchema(), "Seconds until the caller may try again");
    r["default"] = ErrorResponse("An error, with the field violations for a 400");
    op["responses"] = Object(std::move(responses));
    std::string verb = route.verb;
    for (auto& c : verb) c = static_cast<char>(std::tolower(c));
    (*(*paths.mutable_fields())[OpenApiPath(route)].mutable_struct_value()->mutable_fields())[verb] =
        Object(std::move(operation));
  }
  Struct components_schemas = schemas.Components();
  (*components_schemas.mutable_fields())["Error"] = ErrorSchema();

  Struct document;
  auto& d = *document.mutable_fields();
  d["openapi"] = Text("3.0.3");
  d["info"] = Obj({{"title", Text(title)}, {"version", Text(version)}});
  d["paths"] = Object(std::move(paths));
  d["components"] = Obj(
      {{"schemas", Object(std::move(components_schemas))},
       {"securitySchemes",
        Obj({{"bearer", Obj({{"type", Text("http")}, {"scheme", Text("bearer")}, {"bearerFormat", Text("JWT")}})}})}});
  Value requirement = Obj({});
  (*FieldsOf(requirement).mutable_fields())["bearer"].mutable_list_value();
  *d["security"].mutable_list_value()->add_values() = requirement;

  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(document, &json, options);
  return json;
}

}  // namespace mentoring::gateway

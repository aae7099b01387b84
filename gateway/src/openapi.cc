#include "openapi.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <set>

#include "conditional.h"

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

Value Object(Struct fields) {
  Value v;
  *v.mutable_struct_value() = std::move(fields);
  return v;
}

Value Ref(const Descriptor& message) {
  Struct s;
  (*s.mutable_fields())["$ref"] = Text("#/components/schemas/" + message.full_name());
  return Object(std::move(s));
}

// The JSON schema of one field in the protobuf JSON mapping; message types are collected.
Value FieldSchema(const FieldDescriptor& field, std::set<const Descriptor*>& pending) {
  Struct s;
  auto& f = *s.mutable_fields();
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
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (field.is_map()) {
        f["type"] = Text("object");
        f["additionalProperties"] = FieldSchema(*field.message_type()->map_value(), pending);
        return Object(std::move(s));
      }
      if (field.message_type()->full_name() == "google.protobuf.Timestamp") {
        f["type"] = Text("string");
        f["format"] = Text("date-time");
        break;
      }
      pending.insert(field.message_type());
      if (!field.is_repeated()) return Ref(*field.message_type());
      f["type"] = Text("array");
      f["items"] = Ref(*field.message_type());
      return Object(std::move(s));
  }
  if (field.is_repeated()) {
    Struct array;
    (*array.mutable_fields())["type"] = Text("array");
    (*array.mutable_fields())["items"] = Object(std::move(s));
    return Object(std::move(array));
  }
  return Object(std::move(s));
}

Value MessageSchema(const Descriptor& message, std::set<const Descriptor*>& pending) {
  Struct s;
  (*s.mutable_fields())["type"] = Text("object");
  (*s.mutable_fields())["additionalProperties"].set_bool_value(false);  // unknown fields are refused
  Struct properties;
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    (*properties.mutable_fields())[field.json_name()] = FieldSchema(field, pending);
  }
  (*s.mutable_fields())["properties"] = Object(std::move(properties));
  return Object(std::move(s));
}

Value JsonContent(Value schema) {
  Struct media;
  (*media.mutable_fields())["schema"] = std::move(schema);
  Struct content;
  (*content.mutable_fields())["application/json"] = Object(std::move(media));
  return Object(std::move(content));
}

Value Parameter(const std::string& name, const char* in, bool required, Value schema,
                const std::string& description = "") {
  Struct p;
  (*p.mutable_fields())["name"] = Text(name);
  (*p.mutable_fields())["in"] = Text(in);
  (*p.mutable_fields())["required"].set_bool_value(required);
  (*p.mutable_fields())["schema"] = std::move(schema);
  if (!description.empty()) (*p.mutable_fields())["description"] = Text(description);
  return Object(std::move(p));
}

// {"type": "string"}, with a format when one is given ("binary").
Value StringSchema(const std::string& format = "") {
  Struct s;
  (*s.mutable_fields())["type"] = Text("string");
  if (!format.empty()) (*s.mutable_fields())["format"] = Text(format);
  return Object(std::move(s));
}

// The 200: the response message as JSON, or for a route with a response_body that field's
// text (or bytes) under the route's media type. With its ETag when the response has a version.
Value OkResponse(const Route& route, std::set<const Descriptor*>& pending) {
  const Descriptor& output = *route.method->output_type();
  Struct ok;
  (*ok.mutable_fields())["description"] = Text("OK");
  if (route.response_body.empty()) {
    pending.insert(&output);
    (*ok.mutable_fields())["content"] = JsonContent(Ref(output));
  } else {
    const bool bytes = output.FindFieldByName(route.response_body)->type() == FieldDescriptor::TYPE_BYTES;
    Struct media;
    (*media.mutable_fields())["schema"] = StringSchema(bytes ? "binary" : "");
    Struct content;
    (*content.mutable_fields())[route.response_content_type] = Object(std::move(media));
    (*ok.mutable_fields())["content"] = Object(std::move(content));
  }
  if (VersionField(output, "version") != nullptr) {  // answers of this type carry an ETag
    Struct etag;
    (*etag.mutable_fields())["description"] =
        Text("The resource's version, \"N\": send it back in If-Match to write, or in If-None-Match to read again");
    (*etag.mutable_fields())["schema"] = StringSchema();
    Struct headers;
    (*headers.mutable_fields())["ETag"] = Object(std::move(etag));
    (*ok.mutable_fields())["headers"] = Object(std::move(headers));
  }
  return Object(std::move(ok));
}

Value ErrorSchema() {
  // The gateway's error body: {"error": {"code", "status", "message", "requestId", "fieldViolations"}}.
  Struct violation;
  (*violation.mutable_fields())["type"] = Text("object");
  Struct violation_props;
  for (const char* name : {"field", "rule", "description"}) {
    Struct t;
    (*t.mutable_fields())["type"] = Text("string");
    (*violation_props.mutable_fields())[name] = Object(std::move(t));
  }
  (*violation.mutable_fields())["properties"] = Object(std::move(violation_props));
  Struct error_props;
  for (const char* name : {"status", "message", "requestId"}) {
    Struct t;
    (*t.mutable_fields())["type"] = Text("string");
    (*error_props.mutable_fields())[name] = Object(std::move(t));
  }
  Struct code;
  (*code.mutable_fields())["type"] = Text("integer");
  (*error_props.mutable_fields())["code"] = Object(std::move(code));
  Struct list;
  (*list.mutable_fields())["type"] = Text("array");
  (*list.mutable_fields())["items"] = Object(std::move(violation));
  (*error_props.mutable_fields())["fieldViolations"] = Object(std::move(list));
  Struct error;
  (*error.mutable_fields())["type"] = Text("object");
  (*error.mutable_fields())["properties"] = Object(std::move(error_props));
  Struct body;
  (*body.mutable_fields())["type"] = Text("object");
  Struct body_props;
  (*body_props.mutable_fields())["error"] = Object(std::move(error));
  (*body.mutable_fields())["properties"] = Object(std::move(body_props));
  return Object(std::move(body));
}

// "/v1/people/{person.person_id}:deactivate" as OpenAPI writes it: variables by their last name.
std::string OpenApiPath(const Route& route) {
  std::vector<std::string> parts;
  for (const auto& segment : route.segments) {
    parts.push_back(segment.variable ? "{" + absl::StrJoin(segment.field_path, ".") + "}" : segment.literal);
  }
  std::string path = "/" + absl::StrJoin(parts, "/");
  if (!route.custom_verb.empty()) absl::StrAppend(&path, ":", route.custom_verb);
  return path;
}

}  // namespace

std::string OpenApiDocument(const RouteTable& routes, const std::string& title, const std::string& version) {
  std::set<const Descriptor*> pending;
  Struct paths;
  for (const Route& route : routes.routes()) {
    const Descriptor& input = *route.method->input_type();
    Struct operation;
    auto& op = *operation.mutable_fields();
    op["operationId"] = Text(std::string(route.method->name()));
    op["summary"] = Text(route.summary);
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
      const std::string name = absl::StrJoin(segment.field_path, ".");
      bound.insert(segment.field_path.front());
      *parameters->add_values() =
          Parameter(name, "path", true, StringSchema(),
                    route.capability_url ? "A capability: whoever has this URL may make this request, without a "
                                           "bearer token. Keep it secret; it is never logged."
                                         : "");
    }
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
    if (route.upload()) {
      // The parameters come as the query; the body is the file itself, streamed.
      const Descriptor& params = *input.FindFieldByName(route.upload_params)->message_type();
      for (int i = 0; i < params.field_count(); ++i) {
        const FieldDescriptor& field = *params.field(i);
        if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
        *parameters->add_values() = Parameter(field.name(), "query", false, FieldSchema(field, pending));
      }
      Struct media;
      (*media.mutable_fields())["schema"] = StringSchema("binary");
      Struct request_body;
      (*request_body.mutable_fields())["required"].set_bool_value(true);
      (*(*request_body.mutable_fields())["content"]
            .mutable_struct_value()
            ->mutable_fields())["application/octet-stream"] = Object(std::move(media));
      op["requestBody"] = Object(std::move(request_body));
    } else if (route.body.empty()) {
      // Without a body, every other scalar field of the request may come as a query parameter.
      for (int i = 0; i < input.field_count(); ++i) {
        const FieldDescriptor& field = *input.field(i);
        if (bound.contains(field.name()) || field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) continue;
        *parameters->add_values() = Parameter(field.name(), "query", false, FieldSchema(field, pending));
      }
    } else {
      const Descriptor& body = route.body == "*" ? input : *input.FindFieldByName(route.body)->message_type();
      pending.insert(&body);
      Struct request_body;
      (*request_body.mutable_fields())["required"].set_bool_value(true);
      (*request_body.mutable_fields())["content"] = JsonContent(Ref(body));
      op["requestBody"] = Object(std::move(request_body));
    }
    Struct failed;
    (*failed.mutable_fields())["description"] = Text("An error, with the field violations for a 400");
    Struct error_ref;
    (*error_ref.mutable_fields())["$ref"] = Text("#/components/schemas/Error");
    (*failed.mutable_fields())["content"] = JsonContent(Object(std::move(error_ref)));
    Struct responses;
    (*responses.mutable_fields())["200"] = OkResponse(route, pending);
    if (conditional_read) {
      Struct not_modified;
      (*not_modified.mutable_fields())["description"] =
          Text("Not Modified: the client holds the current version (If-None-Match); no body");
      (*responses.mutable_fields())["304"] = Object(std::move(not_modified));
    }
    (*responses.mutable_fields())["default"] = Object(std::move(failed));
    op["responses"] = Object(std::move(responses));
    std::string verb = route.verb;
    for (auto& c : verb) c = static_cast<char>(std::tolower(c));
    (*(*paths.mutable_fields())[OpenApiPath(route)].mutable_struct_value()->mutable_fields())[verb] =
        Object(std::move(operation));
  }
  // Every message reachable from the routes, once.
  Struct schemas;
  std::set<const Descriptor*> done;
  while (!pending.empty()) {
    const Descriptor* message = *pending.begin();
    pending.erase(pending.begin());
    if (!done.insert(message).second) continue;
    (*schemas.mutable_fields())[message->full_name()] = MessageSchema(*message, pending);
  }
  (*schemas.mutable_fields())["Error"] = ErrorSchema();

  Struct document;
  auto& d = *document.mutable_fields();
  d["openapi"] = Text("3.0.3");
  Struct info;
  (*info.mutable_fields())["title"] = Text(title);
  (*info.mutable_fields())["version"] = Text(version);
  d["info"] = Object(std::move(info));
  d["paths"] = Object(std::move(paths));
  Struct components;
  (*components.mutable_fields())["schemas"] = Object(std::move(schemas));
  Struct bearer;
  (*bearer.mutable_fields())["type"] = Text("http");
  (*bearer.mutable_fields())["scheme"] = Text("bearer");
  (*bearer.mutable_fields())["bearerFormat"] = Text("JWT");
  Struct security_schemes;
  (*security_schemes.mutable_fields())["bearer"] = Object(std::move(bearer));
  (*components.mutable_fields())["securitySchemes"] = Object(std::move(security_schemes));
  d["components"] = Object(std::move(components));
  Struct requirement;
  (*requirement.mutable_fields())["bearer"].mutable_list_value();
  *d["security"].mutable_list_value()->add_values() = Object(std::move(requirement));

  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(document, &json, options);
  return json;
}

}  // namespace mentoring::gateway

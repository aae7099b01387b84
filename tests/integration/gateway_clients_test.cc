// The gateway as ordinary HTTP clients use it, with the real services behind it: query
// strings as browsers and Python requests write them, a POST that always carries a JSON
// object, what a 405 says, and a client generated from /openapi.json by a standard
// generator (openapi-python-client, pinned in tests/python/requirements.txt).
#include <absl/strings/str_cat.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/beast/http/verb.hpp>
#include <filesystem>

#include "gateway_client.h"
#include "harness.h"

namespace mentoring::testing {
namespace {

namespace http = boost::beast::http;

class GatewayClientsTest : public GatewayStackSuite {
 protected:
  // A new caller each time: the test gateway allows a caller 20 requests a minute.
  static std::string Admin() { return UserToken("clients-admin-" + Tag(), R"(["programme_admin"])"); }
  static std::string Tag() { return absl::StrCat(++counter_, "x", getpid()); }

  // A new person in `department`; their id.
  static std::string CreatePerson(const std::string& department) {
    const std::string t = Tag();
    const Reply created = Call(Port(), http::verb::post, "/v1/people",
                               absl::StrCat(R"({"hrEmployeeId": "CL-)", t, R"(", "displayName": "Client )", t,
                                            R"(", "email": "cl-)", t, R"(@example.com", "careerLevel": 5,
                                            "timeZone": "Europe/Paris", "department": ")",
                                            department, R"("})"),
                               Admin());
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json.fields().contains("personId") ? created.json.fields().at("personId").string_value() : "";
  }

  static std::vector<std::string> Found(const std::string& query) {
    const Reply reply = Call(Port(), http::verb::get, "/v1/people?" + query, "", Admin());
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::vector<std::string> ids;
    if (!reply.json.fields().contains("people")) return ids;
    for (const auto& person : reply.json.fields().at("people").list_value().values()) {
      ids.push_back(person.struct_value().fields().at("personId").string_value());
    }
    return ids;
  }

  static inline int counter_ = 0;
};

TEST_F(GatewayClientsTest, APlusInTheQueryIsASpaceAndAnEscapedPlusIsAPlus) {
  const std::string t = Tag();
  const std::string spaced = CreatePerson("Human Resources " + t);
  const std::string plussed = CreatePerson("R+D " + t);
  EXPECT_EQ(Found("department=Human+Resources+" + t), std::vector<std::string>{spaced});  // requests, browsers
  EXPECT_EQ(Found("department=Human%20Resources%20" + t), std::vector<std::string>{spaced});
  EXPECT_EQ(Found("department=R%2BD+" + t), std::vector<std::string>{plussed});
  EXPECT_TRUE(Found("department=R+D+" + t).empty()) << "R+D in a query is 'R D'";
}

TEST_F(GatewayClientsTest, APostWithoutABodyTakesAnEmptyObjectAsWellAsNothing) {
  for (const char* body : {"", "{}"}) {
    const std::string id = CreatePerson("Erased");
    const Reply erased = Call(Port(), http::verb::post, "/v1/people/" + id + ":erase", body, Admin());
    EXPECT_EQ(erased.status, 200) << "body '" << body << "': " << erased.body;
  }
  const std::string id = CreatePerson("Erased");
  const Reply refused =
      Call(Port(), http::verb::post, "/v1/people/" + id + ":erase", R"({"personId": "other"})", Admin());
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("no_body"), std::string::npos) << refused.body;
}

TEST_F(GatewayClientsTest, A405SaysInAllowWhatThePathTakes) {
  const Reply reply = Call(Port(), http::verb::patch, "/v1/people/someone", "{}", Admin());
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.allow, "GET, PUT");
  const Reply erase = Call(Port(), http::verb::get, "/v1/people/someone:erase", "", Admin());
  EXPECT_EQ(erase.status, 405);
  EXPECT_EQ(erase.allow, "POST");
}

// What an API client's developer does: generate a client from /openapi.json, then call the
// API with it. generated_client.py prints what the generated code parsed.
TEST_F(GatewayClientsTest, AClientGeneratedFromTheOpenApiDocumentCallsTheApi) {
  const std::string work_dir = absl::StrCat(::testing::TempDir(), "generated-client-", getpid());
  const std::string employee_id = "PY-" + Tag();
  auto out =
      RunTestPython("generated_client.py", {absl::StrCat("http://127.0.0.1:", Port()), Admin(), work_dir, employee_id});
  std::filesystem::remove_all(work_dir);
  ASSERT_TRUE(out.ok()) << out.status();
  google::protobuf::Struct answer;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*out, &answer).ok()) << *out;
  const auto& f = answer.fields();
  EXPECT_EQ(f.at("warnings").list_value().values_size(), 0) << "the generator skipped something: " << *out;

  const auto& created = f.at("created").struct_value().fields();
  const std::string id = created.at("personId").string_value();
  ASSERT_FALSE(id.empty()) << *out;
  EXPECT_EQ(created.at("class").string_value(), "MentoringProfilesV1Person");
  const Reply direct = Call(Port(), http::verb::get, "/v1/people/" + id, "", Admin());
  ASSERT_EQ(direct.status, 200);

  const auto& got = f.at("got").struct_value().fields();
  EXPECT_EQ(got.at("status").number_value(), 200);
  EXPECT_EQ(got.at("displayName").string_value(), "Grace Hopper");
  EXPECT_EQ(got.at("department").string_value(), "Human Resources");
  EXPECT_EQ(got.at("version").string_value(), direct.json.fields().at("version").string_value());
  EXPECT_EQ(got.at("etag").string_value(), direct.etag);

  const auto& found = f.at("found").struct_value().fields();
  EXPECT_EQ(found.at("status").number_value(), 200);
  bool listed = false;
  for (const auto& person : found.at("personIds").list_value().values()) listed |= person.string_value() == id;
  EXPECT_TRUE(listed) << "searching department 'Human Resources' through the generated client: " << *out;

  // An error is read through the generated Error model, reason and request id included.
  const auto& missing = f.at("missing").struct_value().fields();
  EXPECT_EQ(missing.at("status").number_value(), 404);
  EXPECT_EQ(missing.at("class").string_value(), "Error");
  EXPECT_EQ(missing.at("code").number_value(), 404);
  EXPECT_EQ(missing.at("reason").string_value(), "NOT_FOUND");
  EXPECT_EQ(missing.at("requestId").string_value(), missing.at("headerRequestId").string_value());
}

}  // namespace
}  // namespace mentoring::testing

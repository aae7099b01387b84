// Unit tests for the small runtime pieces: clock, ids, tracing, errors, logging, events.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "mentoring/common/v1/rpc_status.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/tracing.h"

namespace mentoring {
namespace {

TEST(Errors, Utf8IsCheckedStrictlyAndRepairedForMessages) {
  EXPECT_TRUE(errors::IsUtf8("plain ascii"));
  EXPECT_TRUE(errors::IsUtf8("Zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80"));  // ë, €, an emoji
  EXPECT_FALSE(errors::IsUtf8("\xC0\xB4"));                                 // overlong
  EXPECT_FALSE(errors::IsUtf8("\xED\xA0\x80"));                             // a UTF-16 surrogate
  EXPECT_FALSE(errors::IsUtf8("\xF4\x90\x80\x80"));                         // past U+10FFFF
  EXPECT_FALSE(errors::IsUtf8("\xE2\x82"));                                 // cut short
  EXPECT_EQ(errors::ValidUtf8("a\xC0\xB4"
                              "b"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  // A violation quoting bad input still serialises and parses back whole.
  const auto status = errors::InvalidArgument("\xED\xA0\x80", "utf8", "got \xC1\xB3");
  const auto details = errors::DetailsOf(status);
  ASSERT_EQ(details.field_violations_size(), 1);
  EXPECT_EQ(details.field_violations(0).rule(), "utf8");
  EXPECT_TRUE(errors::IsUtf8(details.field_violations(0).description()));
  EXPECT_TRUE(errors::IsUtf8(status.message()));
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Hours(24));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000 + 86400));
}

TEST(Ids, UuidV7IsWellFormedAndTimeOrdered) {
  ManualClock clock(absl::FromUnixSeconds(1700000000));
  const std::string first = NewUuidV7(clock);
  clock.Advance(absl::Milliseconds(1));
  const std::string second = NewUuidV7(clock);
  EXPECT_TRUE(IsUuid(first));
  EXPECT_EQ(first[14], '7') << "version nibble";
  EXPECT_NE(std::string("89ab").find(first[19]), std::string::npos) << "variant";
  EXPECT_LT(first, second);
  EXPECT_FALSE(IsUuid("not-a-uuid"));
}

TEST(Tracing, ParsesAndRejectsPerW3C) {
  auto parsed = TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(parsed->sampled);
  EXPECT_FALSE(TraceContext::Parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(TraceContext::Parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::Parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::Parse("garbage"));
}

TEST(Tracing, ChildKeepsTraceAndMakesNewSpan) {
  const TraceContext root = TraceContext::NewRoot();
  const TraceContext child = root.Child();
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_NE(child.span_id, root.span_id);
  EXPECT_EQ(TraceContext::Parse(child.ToHeader())->span_id, child.span_id);
}

TEST(Errors, InvalidArgumentCarriesFieldAndRuleToGrpc) {
  errors::Violations v;
  v.Add("person.email", "email", "must be an e-mail address");
  v.Add("person.career_level", "range_1_15", "must be 1..15");
  const grpc::Status status = errors::ToGrpcStatus(v.ToStatus());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("person.email"), std::string::npos);
  // The trailer is a google.rpc.Status (what grpcurl and gateways expect) holding our details.
  common::v1::RpcStatus rpc_status;
  ASSERT_TRUE(rpc_status.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc_status.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(rpc_status.details_size(), 1);
  EXPECT_EQ(rpc_status.details(0).type_url(), "type.googleapis.com/mentoring.common.v1.ErrorDetails");
  const common::v1::ErrorDetails details = errors::DetailsOf(status);
  ASSERT_EQ(details.field_violations_size(), 2);
  EXPECT_EQ(details.field_violations(1).rule(), "range_1_15");
  // And back again, as a client of another service sees it.
  EXPECT_EQ(errors::DetailsOf(errors::FromGrpcStatus(status)).field_violations_size(), 2);
}

TEST(Errors, EachDomainErrorMapsToItsGrpcCode) {
  EXPECT_EQ(errors::ToGrpcStatus(errors::NotFound("person", "x")).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(errors::ToGrpcStatus(errors::AlreadyExists("person", "k")).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(errors::ToGrpcStatus(errors::VersionConflict("person", 1, 2)).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(errors::ToGrpcStatus(errors::FailedPrecondition("R", "d")).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(errors::ToGrpcStatus(errors::PermissionDenied("d")).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(errors::ToGrpcStatus(errors::Unauthenticated("d")).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(errors::ToGrpcStatus(errors::Unavailable("redis", "d")).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(Errors, InternalDetailsNeverLeak) {
  const grpc::Status status = errors::ToGrpcStatus(absl::InternalError("password=hunter2 at db.internal"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message().find("hunter2"), std::string::npos);
}

TEST(Logging, JsonEscapingKeepsLinesValid) {
  std::string out;
  AppendJsonEscaped("quote\" slash\\ newline\n tab\t bell\x07 ok-\xc3\xa9 bad-\xff", out);
  EXPECT_EQ(out, "quote\\\" slash\\\\ newline\\n tab\\t bell\\u0007 ok-\xc3\xa9 bad-\\ufffd");
}

// The logger's rule for UTF-8 is the error mapping's (errors::IsUtf8): overlong forms,
// UTF-16 surrogates and code points past U+10FFFF are not UTF-8, and a log line must not
// pass them on to a JSON reader that rejects them.
TEST(Logging, EscapesWhatTheErrorMappingRejectsAsUtf8) {
  const std::vector<std::string> not_utf8 = {
      "\xC0\xAF",          // "/" written in two bytes (overlong)
      "\xE0\x80\xAF",      // "/" in three bytes (overlong)
      "\xF0\x80\x80\xAF",  // "/" in four bytes (overlong)
      "\xED\xA0\x80",      // U+D800, a high surrogate
      "\xED\xBF\xBF",      // U+DFFF, a low surrogate
      "\xF4\x90\x80\x80",  // past U+10FFFF
  };
  for (const auto& bytes : not_utf8) {
    ASSERT_FALSE(errors::IsUtf8(bytes));
    std::string out;
    AppendJsonEscaped("a" + bytes + "b", out);
    EXPECT_TRUE(errors::IsUtf8(out)) << out;
    EXPECT_EQ(out.find(bytes), std::string::npos) << "passed on as it was";
    EXPECT_EQ(out.substr(0, 7), "a\\ufffd");
    EXPECT_EQ(out.back(), 'b');
  }
  // Their well-formed neighbours pass through.
  for (const std::string bytes :
       {"\xC2\x80", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    std::string out;
    AppendJsonEscaped(bytes, out);
    EXPECT_EQ(out, bytes);
  }
}

TEST(Events, EveryPayloadHasATypeNamedAggregateDotVerb) {
  const auto* oneof = events::EventEnvelope::descriptor()->FindOneofByName("payload");
  ASSERT_NE(oneof, nullptr);
  const std::regex kTypeName(R"(^[a-z]+\.[a-z_]+$)");
  std::set<std::string> seen;
  for (int i = 0; i < oneof->field_count(); ++i) {
    events::EventEnvelope event;
    const auto* field = oneof->field(i);
    event.GetReflection()->MutableMessage(&event, field);
    const std::string type = events::TypeOf(event);
    EXPECT_TRUE(std::regex_match(type, kTypeName)) << field->name() << " -> '" << type << "'";
    EXPECT_TRUE(seen.insert(type).second) << "duplicate type " << type;
  }
}

TEST(Events, NewEventFillsTheEnvelopeAndHeaders) {
  ManualClock clock(absl::FromUnixSeconds(1700000000) + absl::Milliseconds(5));
  auto event = events::NewEvent("profiles", "person", "p-1", 3, clock);
  event.mutable_profile_created()->set_person_id("p-1");
  event.set_type(events::TypeOf(event));
  event.set_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_TRUE(IsUuid(event.event_id()));
  EXPECT_EQ(event.sequence(), 3);
  EXPECT_EQ(event.occurred_at().nanos(), 5000000);
  EXPECT_EQ(events::TopicFor("profiles"), "mentoring.profiles.v1");
  std::map<std::string, std::string> headers;
  for (auto& [k, v] : events::KafkaHeaders(event)) headers[k] = v;
  EXPECT_EQ(headers["ce_id"], event.event_id());
  EXPECT_EQ(headers["ce_type"], "profile.created");
  EXPECT_EQ(headers["ce_source"], "/mentoring/profiles");
  EXPECT_EQ(headers["ce_specversion"], "1.0");
  EXPECT_EQ(headers["ce_time"], "2023-11-14T22:13:20.005000Z");
  EXPECT_EQ(headers["traceparent"], event.traceparent());
  EXPECT_NE(headers["content-type"].find("application/protobuf"), std::string::npos);
}

}  // namespace
}  // namespace mentoring

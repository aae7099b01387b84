#pragma once
// The changes several use cases make to relationships and requests, each with the event it
// publishes, built here once and without I/O: the use case stores the result and appends
// the events in its transaction.
#include <absl/time/civil_time.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>
#include <vector>

#include "matching_rules.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"

namespace mentoring::matching {

void SetTimestamp(google::protobuf::Timestamp* timestamp, absl::Time time);
absl::CivilDay Today(const Clock& clock);

// An event of matching about `aggregate` `id`; `sequence` is the aggregate's version. A
// change made for a call continues the call's trace (`call` is null for the system's own).
events::v1::EventEnvelope NewEvent(const CallContext* call, const char* aggregate, const std::string& id,
                                   int64_t sequence, const Clock& clock);
// An agreement as the events carry it.
events::v1::AgreementTerms TermsOf(const v1::Agreement& agreement);

// A proposed relationship between two people (from the programme's agreement defaults, or
// the suite's outside programmes), with its match.proposed appended to `out`.
v1::Relationship ProposedRelationship(const CallContext* call, const v1::Programme* programme,
                                      const std::string& mentee_id, const std::string& mentor_id,
                                      const std::vector<common::v1::FocusArea>& focus_areas, const char* origin,
                                      const Clock& clock, std::vector<events::v1::EventEnvelope>& out);

// Closes an open relationship (a party, an admin, or the system when closed_by is empty),
// with its relationship.closed.
void CloseRelationship(v1::Relationship& relationship, common::v1::ClosureReason reason, const std::string& closed_by,
                       const std::string& note, const CallContext* call, const Clock& clock,
                       std::vector<events::v1::EventEnvelope>& out);

// A pending request withdrawn by the system (another request accepted, a departure, an
// erasure), with its request.withdrawn marked automatic.
void WithdrawAutomatically(v1::MentorshipRequest& request, const CallContext* call, const Clock& clock,
                           std::vector<events::v1::EventEnvelope>& out);

}  // namespace mentoring::matching

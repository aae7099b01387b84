#!/usr/bin/env python3
"""Writes the request fuzzer's seed corpus (gateway/fuzz/corpus/: one raw HTTP/1.1 request
per file, covering the routes, the verbs, bodies, query strings, headers and the ways they go
wrong) and its dictionary (gateway/fuzz/http.dict: HTTP tokens, plus the route path pieces,
field names and enum values read from the services' protos). Run it again after changing it
or the protos; both are committed. Usage: gen_corpus.py"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.join(HERE, "..", "..", "protos", "mentoring")
# The services the gateway routes to, and the vocabulary their messages use.
# Scheduling is not served by the gateway yet, but the fuzz target routes it: its calendar feed
# is the capability route (no bearer token, a text/calendar answer, If-None-Match).
ROUTED_PROTOS = ["profiles/v1/profiles.proto", "matching/v1/matching.proto", "scheduling/v1/scheduling.proto",
                 "evaluation/v1/evaluation.proto", "events/v1/evaluation_events.proto", "common/v1/common.proto"]

AUTH = "Authorization: Bearer fuzz\r\n"
PERSON = "018f2a6c-7d3e-7c1a-9b2e-3f4a5b6c7d8e"
PROGRAMME = "018f2a6c-0000-7000-8000-000000000001"
RELATIONSHIP = "018f2a6c-0000-7000-8000-0000000000aa"
FEED_TOKEN = "cf_9Kx2vQ7mT4pL8sR1wZ6yB3nD5hJ0aE-cU_Wq"  # the capability in a calendar feed's URL
FEED = "/v1/calendar-feeds/" + FEED_TOKEN


def request(method, target, headers="", body=None, auth=True, content_length=True):
    text = f"{method} {target} HTTP/1.1\r\nHost: gateway\r\n"
    if auth:
        text += AUTH
    text += headers
    if body is not None:
        raw = body.encode() if isinstance(body, str) else body
        if content_length:
            text += "Content-Type: application/json\r\n" f"Content-Length: {len(raw)}\r\n"
        return text.encode() + b"\r\n" + raw
    return (text + "\r\n").encode()


def chunked(method, target, chunks, trailer=""):
    head = f"{method} {target} HTTP/1.1\r\nHost: gateway\r\n{AUTH}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    out = head.encode()
    for chunk in chunks:
        raw = chunk.encode()
        out += f"{len(raw):x}\r\n".encode() + raw + b"\r\n"
    return out + b"0\r\n" + trailer.encode() + b"\r\n"


PERSON_JSON = (
    '{"hrEmployeeId":"E1001","displayName":"Ada Lovelace","email":"ada@example.com","title":"Engineer",'
    '"department":"R&D","careerLevel":7,"location":"London","timeZone":"Europe/London","languages":["en","fr"],'
    '"employmentStatus":"EMPLOYMENT_STATUS_ACTIVE","matchingConsent":true,'
    '"mentoringProfile":{"role":"MENTORING_ROLE_BOTH","skills":[{"name":"cpp","level":5}],'
    '"expertise":[{"focusArea":"FOCUS_AREA_TECHNICAL","topics":["compilers"]}],'
    '"meetingModes":["MEETING_MODE_VIDEO"],"availability":[{"weekday":2,"startMinute":540,"endMinute":600}],'
    '"capacity":{"maxActiveMentees":2,"hoursPerMonth":4},"preferredCadenceRrule":"FREQ=MONTHLY"},'
    '"goals":[{"goalId":"g1","focusArea":"FOCUS_AREA_CAREER","description":"lead a team",'
    '"targetDate":{"year":2026,"month":6,"day":30},"status":"GOAL_STATUS_ACTIVE"}],'
    '"createdAt":"2025-01-02T03:04:05Z","version":"3"}'
)

SEEDS = {
    # Reads, each route family.
    "get_person": request("GET", f"/v1/people/{PERSON}"),
    "get_person_request_id": request("GET", f"/v1/people/{PERSON}", "X-Request-Id: req-123_abc.def\r\n"),
    "get_person_bad_request_id": request("GET", f"/v1/people/{PERSON}", "X-Request-Id: bad id\x7f;\r\n"),
    "get_person_no_auth": request("GET", f"/v1/people/{PERSON}", auth=False),
    "get_reporting_chain": request("GET", f"/v1/people/{PERSON}/reporting-chain"),
    "get_exclusions": request("GET", f"/v1/people/{PERSON}/exclusions"),
    "get_programme": request("GET", f"/v1/programmes/{PROGRAMME}"),
    "list_programmes": request("GET", "/v1/programmes"),
    "get_draft": request("GET", "/v1/drafts/d-1?page_size=10&page_token=t"),
    "get_relationship": request("GET", "/v1/relationships/r-1"),
    "openapi": request("GET", "/openapi.json", auth=False),
    "healthz": request("GET", "/healthz", auth=False),
    # Query strings: enums by name and number, ints, bools, repeated, nested, unknown.
    "search_people_query": request(
        "GET", "/v1/people?department=Sales&focus_area=FOCUS_AREA_TECHNICAL&role=MENTORING_ROLE_MENTOR"
        "&min_career_level=3&max_career_level=9&include_inactive=true&page_size=50&page_token=abc"),
    "search_people_enum_number": request("GET", "/v1/people?focus_area=2&role=3"),
    "search_people_bad_enum": request("GET", "/v1/people?focus_area=FOCUS_AREA_NOPE"),
    "search_people_bad_int": request("GET", "/v1/people?page_size=99999999999999999999"),
    "search_people_bad_bool": request("GET", "/v1/people?include_inactive=yes"),
    "search_people_unknown_param": request("GET", "/v1/people?colour=blue&&=&x"),
    "search_people_percent": request("GET", "/v1/people?department=R%26D%20%2B%C3%A9&time_zone=Europe%2FLondon"),
    "search_people_bad_percent": request("GET", "/v1/people?department=%G1%2"),
    "list_relationships_query": request("GET", f"/v1/relationships?person_id={PERSON}&include_closed=true"),
    "list_enrollments_role": request("GET", f"/v1/programmes/{PROGRAMME}/enrollments?role=PARTICIPANT_ROLE_MENTOR"),
    "recommend_limit": request("GET", f"/v1/programmes/{PROGRAMME}/people/{PERSON}/mentor-recommendations?limit=5"),
    "recommend_mentees": request("GET", f"/v1/programmes/{PROGRAMME}/people/{PERSON}/mentee-recommendations"),
    "list_requests_pending": request("GET", f"/v1/people/{PERSON}/requests?pending_only=true"),
    "rematch_offers": request("GET", f"/v1/people/{PERSON}/rematch-offers"),
    "query_json_name": request("GET", "/v1/people?pageSize=5"),
    "query_nested_field": request("GET", "/v1/people?person.display_name=x&mentoring_profile.role=1"),
    # Writes with JSON bodies.
    "create_person": request("POST", "/v1/people", body=PERSON_JSON),
    "create_person_idempotency": request("POST", "/v1/people", "Idempotency-Key: k-1\r\n", body='{"displayName":"A"}'),
    "batch_get_people": request("POST", "/v1/people:batchGet", body=f'{{"personIds":["{PERSON}","x","y"]}}'),
    "update_person_if_match": request("PUT", f"/v1/people/{PERSON}", 'If-Match: "7"\r\n',
                                      body='{"person":{"displayName":"B","careerLevel":8},"expectedVersion":"6"}'),
    "update_person_bad_if_match": request("PUT", f"/v1/people/{PERSON}", "If-Match: W/\"x\"\r\n", body="{}"),
    "if_match_unversioned_route": request("GET", f"/v1/people/{PERSON}", 'If-Match: "1"\r\n'),
    "deactivate_person": request("POST", f"/v1/people/{PERSON}:deactivate",
                                 body='{"expectedVersion":"2","employmentStatus":"EMPLOYMENT_STATUS_ON_LEAVE"}'),
    "erase_person": request("POST", f"/v1/people/{PERSON}:erase"),
    "erase_person_with_body": request("POST", f"/v1/people/{PERSON}:erase", body='{"a":1}'),
    "set_goal_status": request("POST", f"/v1/people/{PERSON}/goals/g1:setStatus",
                               body='{"status":"GOAL_STATUS_ACHIEVED","expectedVersion":"0"}'),
    "create_programme": request("POST", "/v1/programmes", body='{"name":"Spring","type":"PROGRAMME_TYPE_REVERSE",'
                                '"startDate":{"year":2026,"month":3,"day":1},"maxPendingRequestsPerMentee":3}'),
    "update_programme": request("PUT", f"/v1/programmes/{PROGRAMME}", 'If-Match: "2"\r\n',
                                body='{"programme":{"name":"Spring 2"}}'),
    "enroll": request("POST", f"/v1/programmes/{PROGRAMME}/enrollments",
                      body='{"role":"PARTICIPANT_ROLE_MENTEE","consent":true,"hoursPerMonth":4}'),
    "withdraw_enrollment": request("DELETE", f"/v1/programmes/{PROGRAMME}/enrollments/{PERSON}?role=1"),
    "run_cohort_matching": request("POST", f"/v1/programmes/{PROGRAMME}/drafts"),
    "edit_draft": request("POST", "/v1/drafts/d-1:edit", body='{"expectedVersion":"1","edits":[{"menteeId":"a","mentorId":"b"},{"menteeId":"c"}]}'),
    "publish_draft": request("POST", "/v1/drafts/d-1:publish", body="{}"),
    "create_mentorship_request": request("POST", "/v1/requests", body='{"programmeId":"p","mentorId":"m","focusAreas":["FOCUS_AREA_CAREER"],"message":"hi"}'),
    "accept_request": request("POST", "/v1/requests/q-1:accept", body="{}"),
    "close_relationship": request("POST", "/v1/relationships/r-1:close",
                                  body='{"reason":"CLOSURE_REASON_NO_RAPPORT","note":"n\\u00e9","expectedVersion":"4"}'),
    "propose_amendment": request("POST", "/v1/relationships/r-1/amendments", body='{"agreement":{"focusAreas":[1,2]}}'),
    # Bodies that are wrong.
    "bad_json": request("POST", "/v1/people", body='{"displayName": "A",'),
    "unknown_field": request("POST", "/v1/people", body='{"displayNam":"A"}'),
    "wrong_type": request("POST", "/v1/people", body='{"careerLevel":"high","languages":"en"}'),
    "bad_enum_body": request("POST", "/v1/people", body='{"employmentStatus":"FIRED"}'),
    "bad_timestamp": request("POST", "/v1/people", body='{"createdAt":"yesterday"}'),
    "json_not_object": request("POST", "/v1/people:batchGet", body="[1,2,3]"),
    "json_null": request("POST", "/v1/people:batchGet", body="null"),
    "deep_nesting": request("POST", "/v1/people:batchGet", body="[" * 40 + "]" * 40),
    "deep_nesting_in_string": request("POST", "/v1/people:batchGet", body='{"personIds":["' + "[" * 40 + '"]}'),
    "unbalanced_nesting": request("POST", "/v1/people:batchGet", body="]]]]{" * 10),
    "invalid_utf8_body": request("POST", "/v1/people", body=b'{"displayName":"\xff\xfe\xc3"}'),
    "invalid_utf8_path": request("GET", "/v1/people/%FF%FE%C3"),
    "invalid_utf8_query": request("GET", "/v1/people?%FF=%FE"),
    "invalid_utf8_query_value": request("GET", "/v1/people?department=%C3%28"),
    "escaped_unicode": request("POST", "/v1/people", body='{"displayName":"\\ud83d\\ude00 \\ud800 \\u0000"}'),
    "big_numbers": request("POST", "/v1/people", body='{"careerLevel":1e400,"version":"-9223372036854775809"}'),
    "get_with_body": request("GET", f"/v1/people/{PERSON}", body="{}"),
    # Routing edge cases.
    "unknown_path": request("GET", "/v2/nothing/here"),
    "method_not_allowed": request("PATCH", f"/v1/people/{PERSON}"),
    "custom_method": request("BREW", "/v1/people"),
    "empty_segment": request("GET", "/v1/people//reporting-chain"),
    "unknown_custom_verb": request("POST", f"/v1/people/{PERSON}:explode", body="{}"),
    "double_colon": request("POST", "/v1/people:batchGet:batchGet", body="{}"),
    "absolute_target": request("GET", f"http://gateway/v1/people/{PERSON}"),
    "asterisk_target": request("OPTIONS", "*"),
    "percent_slash_in_id": request("GET", "/v1/people/a%2Fb%00c"),
    "trailing_slash": request("GET", "/v1/people/"),
    "query_only_question": request("GET", "/v1/people?"),
    # Query parameters by JSON name and enum values without their type prefix.
    "search_people_json_names": request("GET", "/v1/people?focusArea=TECHNICAL&role=MENTOR&minCareerLevel=2&includeInactive=false"),
    "list_enrollments_short_enum": request("GET", f"/v1/programmes/{PROGRAMME}/enrollments?role=MENTEE"),
    # Evaluation: what is pending, feedback, goal progress, reviews, surveys, health, settings.
    "evaluation_items": request("GET", f"/v1/people/{PERSON}/evaluation-items?page_size=20&page_token=MTIzOmFiYw"),
    "submit_feedback": request("POST", "/v1/meetings/m-1/feedback",
                               body='{"rapport":4,"usefulness":5,"comment":"n\\u00e9 \\ud83d\\ude00"}'),
    "submit_feedback_out_of_range": request("POST", "/v1/meetings/m-1/feedback", body='{"rapport":9,"usefulness":-1}'),
    "list_feedback": request("GET", f"/v1/relationships/{RELATIONSHIP}/feedback?pageSize=2"),
    "record_goal_progress": request("POST", f"/v1/relationships/{RELATIONSHIP}/goals/g1/progress",
                                    body='{"progressPercent":100,"status":"GOAL_STATUS_ACHIEVED","evidenceNote":"x"}'),
    "list_goal_progress": request("GET", f"/v1/relationships/{RELATIONSHIP}/goal-progress?goal_id=g1"),
    "get_review": request("GET", "/v1/reviews/v-1"),
    "list_reviews_undecided": request("GET", f"/v1/reviews?programme_id={PROGRAMME}&state=REVIEW_STATE_UNDECIDED"),
    "list_reviews_short_enum": request("GET", f"/v1/reviews?relationship_id={RELATIONSHIP}&state=UNDECIDED"),
    "answer_review_end": request("POST", "/v1/reviews/v-1:answer",
                                 body='{"answer":"REVIEW_OUTCOME_END","closureReason":"CLOSURE_REASON_NO_RAPPORT","expectedVersion":"2"}'),
    "answer_review_number": request("POST", "/v1/reviews/v-1:answer", body='{"answer":4,"closureReason":99}'),
    "closure_survey": request("POST", f"/v1/relationships/{RELATIONSHIP}/closure-survey",
                              body='{"outcomeRating":4,"satisfaction":5,"goalsAchieved":2,"wouldRecommend":10}'),
    "get_closure_survey": request("GET", f"/v1/relationships/{RELATIONSHIP}/closure-survey"),
    "relationship_health": request("GET", f"/v1/relationships/{RELATIONSHIP}/health"),
    "programme_health_bucket": request("GET", f"/v1/programmes/{PROGRAMME}/relationship-health?bucket=AT_RISK"),
    "evaluation_settings": request("PUT", f"/v1/programmes/{PROGRAMME}/evaluation-settings", 'If-Match: "1"\r\n',
                                   body='{"settings":{"rapportThreshold":3,"reviewAnswerDays":7,"minGroupSize":5}}'),
    "evaluation_summary": request("GET", f"/v1/programmes/{PROGRAMME}/evaluation-summary"),
    # The upload route (HR import): admitted on its header, the parameters from the query.
    "import_csv": request("POST", "/v1/people:import?format=CSV&full_sync=true&source=workday",
                          body="hr_employee_id,display_name\nE1,Ada\n"),
    "import_chunked_json_lines": chunked("POST", "/v1/people:import?format=IMPORT_FORMAT_JSON_LINES", ['{"hrEmployeeId":"E1"}\n']),
    "import_bad_format": request("POST", "/v1/people:import?format=XML", body="<x/>"),
    "import_if_match": request("POST", "/v1/people:import?format=CSV", 'If-Match: "1"\r\nExpect: 100-continue\r\n', body="a\n"),
    "import_idempotency_key": request("POST", "/v1/people:import", "Idempotency-Key: k\r\n", body="a\n"),
    "import_no_auth": request("POST", "/v1/people:import?format=CSV", auth=False, body="a\n"),
    "import_get": request("GET", "/v1/people:import"),
    # The calendar feed: a capability URL (no Authorization; a bearer is ignored), answered
    # as text/calendar; If-None-Match fills known_version, in every form a client may send.
    "calendar_feed": request("GET", FEED, auth=False),
    "calendar_feed_bearer_ignored": request("GET", FEED),
    "calendar_feed_if_none_match": request("GET", FEED, 'If-None-Match: "7"\r\n', auth=False),
    "calendar_feed_if_none_match_weak": request("GET", FEED, 'If-None-Match: W/"7"\r\n', auth=False),
    "calendar_feed_if_none_match_list": request("GET", FEED, 'If-None-Match: "3", W/"5" ,"x,y",, "0"\r\n', auth=False),
    "calendar_feed_if_none_match_star": request("GET", FEED, "If-None-Match: *\r\n", auth=False),
    "calendar_feed_if_none_match_lines": request("GET", FEED, 'If-None-Match: "1"\r\nIf-None-Match: W/"9"\r\n', auth=False),
    "calendar_feed_if_none_match_unquoted": request("GET", FEED, "If-None-Match: 7\r\n", auth=False),
    "calendar_feed_if_none_match_unterminated": request("GET", FEED, 'If-None-Match: W/"7\r\n', auth=False),
    "calendar_feed_if_none_match_huge": request("GET", FEED, 'If-None-Match: "99999999999999999999999"\r\n', auth=False),
    "calendar_feed_known_version_query": request("GET", FEED + "?known_version=4&knownVersion=x", auth=False),
    "calendar_feed_if_match": request("GET", FEED, 'If-Match: "1"\r\n', auth=False),
    "calendar_feed_idempotency_key": request("GET", FEED, "Idempotency-Key: k-9\r\n", auth=False),
    "calendar_feed_percent_token": request("GET", "/v1/calendar-feeds/ab%2Fcd%00%20e+f", auth=False),
    "calendar_feed_invalid_utf8_token": request("GET", "/v1/calendar-feeds/%FF%FE%C3", auth=False),
    "calendar_feed_bad_percent_token": request("GET", "/v1/calendar-feeds/%G1%2", auth=False),
    "calendar_feed_long_token": request("GET", "/v1/calendar-feeds/" + "A" * 8000, auth=False),
    "calendar_feed_dot_token": request("GET", "/v1/calendar-feeds/..", auth=False),
    "calendar_feed_empty_token": request("GET", "/v1/calendar-feeds/", auth=False),
    "calendar_feed_extra_segment": request("GET", FEED + "/events", auth=False),
    "calendar_feed_custom_verb": request("GET", FEED + ":refresh", auth=False),
    "calendar_feed_post": request("POST", FEED, auth=False, body="{}"),
    "calendar_feed_with_body": request("GET", FEED, auth=False, body='{"token":"other"}'),
    # Scheduling's bearer routes, and If-None-Match where it does not belong.
    "get_meeting": request("GET", "/v1/meetings/m-1", 'If-None-Match: "2"\r\n'),
    "create_calendar_feed": request("POST", f"/v1/people/{PERSON}/calendar-feed", body="{}"),
    "create_calendar_feed_no_auth": request("POST", f"/v1/people/{PERSON}/calendar-feed", auth=False, body="{}"),
    "if_none_match_on_post": request("POST", "/v1/people:batchGet", 'If-None-Match: "1"\r\n', body='{"personIds":["a"]}'),
    "if_none_match_programme": request("GET", f"/v1/programmes/{PROGRAMME}", 'If-None-Match: W/"3", "4"\r\n'),
    # HTTP framing.
    "chunked_body": chunked("POST", "/v1/people:batchGet", ['{"personIds":', '["a",', '"b"]}']),
    "chunked_with_trailer": chunked("POST", "/v1/requests/q-1:decline", ['{"reason":"busy"}'], "X-Trailer: 1\r\n"),
    "chunked_extensions": (f"POST /v1/drafts/d-1:discard HTTP/1.1\r\nHost: g\r\n{AUTH}Transfer-Encoding: chunked\r\n\r\n"
                           "2;ext=1\r\n{}\r\n0\r\n\r\n").encode(),
    "http10_keepalive": f"GET /v1/programmes HTTP/1.0\r\nConnection: keep-alive\r\n{AUTH}\r\n".encode(),
    "folded_header": f"GET /v1/programmes HTTP/1.1\r\nHost: g\r\nX-Long: a\r\n b\r\n{AUTH}\r\n".encode(),
    "duplicate_headers": request("GET", "/v1/programmes", f'{AUTH}If-Match: "1"\r\nIf-Match: "2"\r\nX-Request-Id: a\r\nX-Request-Id: b\r\n'),
    "content_length_mismatch": (f"POST /v1/people HTTP/1.1\r\nHost: g\r\n{AUTH}Content-Length: 100\r\n\r\n{{}}").encode(),
    "content_length_and_chunked": (f"POST /v1/people HTTP/1.1\r\nHost: g\r\n{AUTH}Content-Length: 2\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").encode(),
    "body_over_limit": (f"POST /v1/people HTTP/1.1\r\nHost: g\r\n{AUTH}Content-Length: 2000000\r\n\r\n{{}}").encode(),
    "header_over_limit": request("GET", "/v1/programmes", "X-Pad: " + "a" * 17000 + "\r\n"),
    "bare_lf": f"GET /v1/programmes HTTP/1.1\nHost: g\n{AUTH.strip()}\n\n".encode(),
    "authorization_basic": request("GET", "/v1/programmes", "Authorization: Basic dXNlcjpwYXNz\r\n", auth=False),
}


HTTP_TOKENS = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "HTTP/1.1", "HTTP/1.0", " HTTP/1.1\r\n",
    "\r\n", "\r\n\r\n", ": ", "Host: ", "Authorization: Bearer ", "Content-Length: ", "Content-Type: application/json",
    "Transfer-Encoding: chunked", "Connection: close", "Connection: keep-alive", "Expect: 100-continue",
    "X-Request-Id: ", "If-Match: ", "If-None-Match: ", "Idempotency-Key: ", "text/calendar", "text/csv", "0\r\n\r\n", "chunked", "gzip", "identity",
    "/openapi.json", "/healthz", "/v1/", "?", "&", "=", "%", "%2F", "%00", "%FF", "%C3%A9", "+", ":", "/", "..",
    "{", "}", "[", "]", "\"", "\\", "\\u", "\\ud800", "true", "false", "null", "1e400", "-0", "9223372036854775807",
    "\"1\"", "W/\"1\"", "*", ", ",
]


def proto_words():
    """Route path pieces, field names (as written and in JSON) and enum values from the protos."""
    words = set()
    for name in ROUTED_PROTOS:
        with open(os.path.join(PROTOS, name), encoding="utf-8") as f:
            text = f.read()
        for path in re.findall(r'\b(?:get|post|put|patch|delete): "([^"]+)"', text):
            words.add(path)
            for piece in re.split(r"[/:]", path):
                if piece and not piece.startswith("{"):
                    words.add(piece)
            if ":" in path:
                words.add(":" + path.rsplit(":", 1)[1])
        for field in re.findall(r"^\s*(?:repeated\s+|optional\s+)?[\w.<>, ]+\s+(\w+)\s*=\s*\d+;", text, re.M):
            if field.isupper():
                words.add(field)  # an enum value
                continue
            words.add(field)
            camel = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), field)
            words.add('"' + camel + '":')
    return sorted(words)


def write_dict(path):
    def escape(word):
        out = ""
        for ch in word:
            if ch in '"\\':
                out += "\\" + ch
            elif 32 <= ord(ch) < 127:
                out += ch
            else:
                out += "\\x%02X" % ord(ch)
        return out

    seen, lines = set(), ["# libFuzzer dictionary for gateway/fuzz/request_fuzzer.cc; written by gen_corpus.py."]
    for word in HTTP_TOKENS + proto_words():
        if word not in seen:
            seen.add(word)
            lines.append('"' + escape(word) + '"')
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    return len(seen)


def main():
    out = os.path.join(HERE, "corpus")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        os.remove(os.path.join(out, name))
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name + ".http"), "wb") as f:
            f.write(data)
    words = write_dict(os.path.join(HERE, "http.dict"))
    print(f"{len(SEEDS)} seeds in {out}, {words} dictionary entries")


if __name__ == "__main__":
    main()

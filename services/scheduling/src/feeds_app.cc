#include "feeds_app.h"

#include <absl/strings/escaping.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "feed_store.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr int kFeedPage = 500;
constexpr absl::Duration kFeedHistory = absl::Hours(24 * 90);      // past meetings a feed keeps
constexpr absl::Duration kFeedFuture = absl::Hours(24 * 366 * 3);  // beyond any agreement

std::string Sha256(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

absl::Status NoSuchFeed() { return errors::NotFound("calendar feed", "(the token in the URL)"); }

absl::Status RequireSelf(const CallContext& call, const std::string& person_id) {
  if (person_id.empty()) return errors::InvalidArgument("person_id", "required", "name the person");
  if (call.caller.id != person_id) return errors::PermissionDenied("a calendar feed is made and revoked by its person");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::CalendarFeed> FeedsApp::CreateCalendarFeed(const CallContext& call,
                                                              const v1::CreateCalendarFeedRequest& request) {
  if (auto self = RequireSelf(call, request.person_id()); !self.ok()) return self;
  unsigned char secret[kSecretBytes];
  if (RAND_bytes(secret, sizeof(secret)) != 1) return absl::InternalError("no randomness for a feed token");
  const std::string secret_text =
      absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(secret), sizeof(secret)));
  const std::string feed_id = NewUuidV7(clock_);
  if (auto put = FeedStore::Put(pool_, {feed_id, request.person_id(), Sha256(secret_text)}); !put.ok()) return put;
  v1::CalendarFeed feed;
  feed.set_person_id(request.person_id());
  feed.set_token(feed_id + "." + secret_text);
  feed.set_path(kFeedPathPrefix + feed.token());
  SetTimestamp(feed.mutable_created_at(), clock_.Now());
  return feed;
}

absl::StatusOr<v1::RevokeCalendarFeedResponse> FeedsApp::RevokeCalendarFeed(
    const CallContext& call, const v1::RevokeCalendarFeedRequest& request) {
  if (auto self = RequireSelf(call, request.person_id()); !self.ok()) return self;
  auto revoked = FeedStore::Revoke(pool_, request.person_id());
  if (!revoked.ok()) return revoked.status();
  if (!*revoked) return errors::NotFound("calendar feed of person", request.person_id());
  return v1::RevokeCalendarFeedResponse();
}

absl::StatusOr<v1::CalendarFeedContent> FeedsApp::GetCalendarFeed(const CallContext&,
                                                                  const v1::GetCalendarFeedRequest& request) {
  const std::string& token = request.token();
  const size_t dot = token.find('.');
  if (dot == std::string::npos || !IsUuid(token.substr(0, dot))) return NoSuchFeed();
  auto feed = FeedStore::Find(pool_, token.substr(0, dot));
  if (!feed.ok()) return feed.status();
  const std::string presented = Sha256(token.substr(dot + 1));
  if (!*feed || (*feed)->secret_hash.size() != presented.size() ||
      CRYPTO_memcmp((*feed)->secret_hash.data(), presented.data(), presented.size()) != 0) {
    return NoSuchFeed();
  }
  const std::string& person_id = (*feed)->person_id;
  auto version = FeedStore::Version(pool_, person_id);
  if (!version.ok()) return version.status();
  v1::CalendarFeedContent content;
  content.set_version(*version);
  if (request.known_version() != 0 && request.known_version() == *version) return content;  // unchanged: 304
  const absl::Time now = clock_.Now();
  std::vector<v1::Meeting> meetings;
  std::string cursor;
  do {
    auto page = meetings_.OfPerson(pool_, person_id, now - kFeedHistory, now + kFeedFuture, {}, cursor, kFeedPage);
    if (!page.ok()) return page.status();
    for (auto& meeting : page->meetings) meetings.push_back(std::move(meeting));
    cursor = page->next_cursor;
  } while (!cursor.empty());
  content.set_ics(
      RenderCalendar(person_id, meetings,
                     {.uid_domain = options_.calendar_uid_domain, .meeting_link_base = options_.meeting_link_base}));
  return content;
}

}  // namespace mentoring::scheduling

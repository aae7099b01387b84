// Retired snapshots are freed by whoever collects, and only once no reader holds them.
#include "retired.h"

#include <gtest/gtest.h>

#include <thread>

namespace mentoring::matching {
namespace {

// A snapshot that records which thread freed it.
std::shared_ptr<const int> Tracked(std::thread::id* freed_by) {
  return std::shared_ptr<const int>(new int(0), [freed_by](const int* p) {
    *freed_by = std::this_thread::get_id();
    delete p;
  });
}

TEST(RetiredTest, ASnapshotAReaderStillHoldsIsFreedByTheNextCollectAfterTheReaderLetsGo) {
  Retired retired;
  std::thread::id freed_by;
  auto published = Tracked(&freed_by);
  std::shared_ptr<const int> reader = published;  // a call in flight
  retired.Add(std::move(published));              // replaced by a newer snapshot
  retired.Collect();
  EXPECT_EQ(freed_by, std::thread::id());       // the reader still holds it
  std::thread([&] { reader.reset(); }).join();  // the call ends, on a thread of its own
  EXPECT_EQ(freed_by, std::thread::id());       // ...without freeing it
  retired.Collect();
  EXPECT_EQ(freed_by, std::this_thread::get_id());  // freed by the collector
}

TEST(RetiredTest, ASnapshotRetiredByTwoHoldersIsFreedOnceBothAreTheOnlyOnesLeft) {
  Retired retired;
  std::thread::id freed_by;
  auto snapshot = Tracked(&freed_by);
  std::shared_ptr<const void> pool_copy = snapshot;  // a mentor pool built on it
  retired.Add(std::move(snapshot));                  // the directory replaced it
  retired.Add(std::move(pool_copy));                 // then the pool was replaced
  retired.Add(nullptr);                              // nothing to keep
  retired.Collect();
  EXPECT_EQ(freed_by, std::this_thread::get_id());
}

}  // namespace
}  // namespace mentoring::matching

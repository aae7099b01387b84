#pragma once
// The indexed columns of a table that stores one of a mentee and a mentor's aggregates
// (a request, a relationship): the same four in each, written from the message.
#include <vector>

#include "mentoring/runtime/store.h"

namespace mentoring::matching {

template <class PairMessage>
std::vector<typename pg::DocumentTable<PairMessage>::Column> PairColumns() {
  return {{"programme_id", [](const PairMessage& m) { return pg::NullIfEmpty(m.programme_id()); }},
          {"mentee_id", [](const PairMessage& m) { return pg::Param(m.mentee_id()); }},
          {"mentor_id", [](const PairMessage& m) { return pg::Param(m.mentor_id()); }},
          {"state", [](const PairMessage& m) { return pg::Param(static_cast<int>(m.state())); }}};
}

}  // namespace mentoring::matching

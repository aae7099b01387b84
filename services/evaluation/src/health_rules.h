#pragma once
// A relationship's health as plain functions: one explainable score, from factors each
// worth 0..100 (attendance, cadence adherence, review state, and for the pair also their
// feedback and goal progress), a bucket and reason codes with a sentence each. Two views
// are computed from the same facts: the pair's, and the programme admin's, which is built
// from the admin-visible factors alone, so neither its bucket nor its reasons can reveal a
// rating of the pair. No I/O.
#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <optional>

#include "evaluation_rules.h"

namespace mentoring::evaluation {

// What health is computed from, besides the relationship's record.
struct HealthFacts {
  std::optional<double> mean_rapport;     // 1..5, over every rating given in the relationship
  std::optional<double> mean_usefulness;  // 1..5
  std::optional<int> goals_percent;       // the mean of each goal's latest progress
  int feedback_missing = 0;               // feedback asks unanswered past their answer period
  const v1::Review* latest_review = nullptr;
  int adherence_threshold = 75;
  absl::Time now;
};

struct HealthViews {
  v1::RelationshipHealth pair;
  v1::RelationshipHealth admin;
};

HealthViews ComputeHealth(const v1::RelationshipRecord& relationship, const HealthFacts& facts);

// The bucket of a score: 70 and above healthy, 45..69 watch, below at risk. Two missed
// meetings in a row or an undecided review never count as healthy.
v1::HealthBucket BucketOf(std::optional<int> score, bool capped);

}  // namespace mentoring::evaluation

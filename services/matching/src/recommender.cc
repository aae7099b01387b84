#include "recommender.h"

#include <algorithm>

namespace mentoring::matching {
namespace {

// "a ranks before b": higher score, then lower index.
bool Better(const Ranked& a, const Ranked& b) { return a.score != b.score ? a.score > b.score : a.person < b.person; }

class BestK {
 public:
  explicit BestK(int k) : k_(std::max(0, k)) { heap_.reserve(k_ + 1); }
  void Offer(Ranked candidate) {
    if (k_ == 0) return;
    if (static_cast<int>(heap_.size()) < k_) {
      heap_.push_back(candidate);
      std::push_heap(heap_.begin(), heap_.end(), Better);  // the worst kept is at the front
    } else if (Better(candidate, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Better);
      heap_.back() = candidate;
      std::push_heap(heap_.begin(), heap_.end(), Better);
    }
  }
  std::vector<Ranked> Take() {
    std::sort(heap_.begin(), heap_.end(), Better);
    return std::move(heap_);
  }

 private:
  int k_;
  std::vector<Ranked> heap_;
};

bool OnThisPage(const Ranked& candidate, const std::optional<RankedAfter>& after) {
  if (!after) return true;
  return candidate.score < after->score || (candidate.score == after->score && candidate.person >= after->first_index);
}

}  // namespace

std::vector<Ranked> TopMentors(const PairScorer& scorer, int32_t mentee, std::span<const int32_t> mentors,
                               const MenteeContext& context, int k, const std::optional<RankedAfter>& after) {
  BestK best(k);
  for (int32_t mentor : mentors) {
    const int32_t score = scorer.Score(mentee, mentor, context);
    if (score != kNotAllowed && OnThisPage({mentor, score}, after)) best.Offer({mentor, score});
  }
  return best.Take();
}

std::vector<Ranked> TopMentees(const PairScorer& scorer, int32_t mentor, std::span<const int32_t> mentees,
                               const std::function<const MenteeContext&(int32_t)>& context_of, int k,
                               const std::optional<RankedAfter>& after) {
  BestK best(k);
  for (int32_t mentee : mentees) {
    const int32_t score = scorer.Score(mentee, mentor, context_of(mentee));
    if (score != kNotAllowed && OnThisPage({mentee, score}, after)) best.Offer({mentee, score});
  }
  return best.Take();
}

std::array<int, kRejections> RejectionCounts(const PairScorer& scorer, int32_t mentee, std::span<const int32_t> mentors,
                                             const MenteeContext& context) {
  std::array<int, kRejections> counts{};
  for (int32_t mentor : mentors) ++counts[static_cast<int>(scorer.Check(mentee, mentor, context))];
  return counts;
}

}  // namespace mentoring::matching

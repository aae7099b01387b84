#!/usr/bin/python3
"""Solves the dense cost matrix written by `cohort_solver_bench --dump-costs FILE` with scipy's
linear_sum_assignment, the baseline the cohort optimiser is compared against.

The matrix has one row per mentee and one column per (mentor, seat), little-endian int64, with
the optimiser's own lexicographic costs: -(match_reward + score) + seat * extra_seat_cost for a
feasible pair, `infeasible_cost` (positive: worse than unmatched) otherwise. A mentee the
assignment puts on an infeasible entry, or leaves out when there are more mentees than seats, is
unmatched. Prints one JSON object: time, objective (matched, total score, seat cost), and whether
it equals the optimiser's answer recorded in FILE.json.

    /usr/bin/python3 dense_baseline.py FILE    (Debian's python3-numpy and python3-scipy)
"""
import json
import resource
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment


def main(path):
    with open(path + ".json") as header_file:
        header = json.load(header_file)
    rows, cols = header["rows"], header["cols"]
    reward, extra = header["match_reward"], header["extra_seat_cost"]
    infeasible_cost = header["infeasible_cost"]
    seats = np.asarray(header["seats"], dtype=np.int64)
    mentor_of_column = np.repeat(np.arange(len(seats)), seats)
    seat_of_column = np.concatenate([np.arange(n) for n in seats]) if len(seats) else np.zeros(0, np.int64)

    start = time.perf_counter()
    costs = np.memmap(path, dtype="<i8", mode="r", shape=(rows, cols))
    # scipy works in float64; every entry and every sum over an assignment stays below 2^53, so
    # the float objective is exact.
    dense = np.asarray(costs, dtype=np.float64)
    loaded = time.perf_counter()
    row_index, column_index = linear_sum_assignment(dense)
    solved = time.perf_counter()

    chosen = np.asarray(costs[row_index, column_index])
    feasible = chosen != infeasible_cost
    columns = column_index[feasible]
    seat = seat_of_column[columns]
    scores = -chosen[feasible] - reward + seat * extra
    load = np.bincount(mentor_of_column[columns], minlength=len(seats)).astype(np.int64)
    matched = int(feasible.sum())
    total_score = int(scores.sum())
    # The objective's seat cost: a mentor with u mentees pays extra * (0 + 1 + ... + u-1).
    total_seat_cost = int(extra * (load * (load - 1) // 2).sum())
    result = {
        "rows": rows,
        "cols": cols,
        "load_seconds": round(loaded - start, 3),
        "linear_sum_assignment_seconds": round(solved - loaded, 3),
        "matched": matched,
        "total_score": total_score,
        "total_seat_cost": total_seat_cost,
        "objective": total_score - total_seat_cost,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    solver = header["solver"]
    result["equals_optimiser"] = (matched == solver["matched"] and
                                  total_score - total_seat_cost == solver["objective"])
    result["optimiser"] = solver
    print(json.dumps(result, indent=2))
    return 0 if result["equals_optimiser"] else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

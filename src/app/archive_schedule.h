// How a --manifest run shares its movies out over its ranks. A queue gives each rank whole
// movies, several at once, which hides every movie's start (plan, file, decoders) behind the
// others' work; but its last movies leave ranks idle, one rank decoding a 2-hour film while the
// others wait, and a film among clips gets only its slot's share of a rank's decoders. All ranks
// on one movie with all their decoders (as for a single film) keep every decoder busy and pay
// the start once per movie on all of them. The queue goes first; the shortest long movies are
// made by all ranks together after it where the estimate below says the run finishes sooner so
// (5 equal films on 4 ranks: 1.25 films' time against 2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace barcode {

// Seconds a queue of movies takes on `ranks` ranks that each work on `at_once` of them at a
// time, each of those with its share of the rank's decoders: each movie, taken in the given
// order by the slot free first, costs it `at_once` times its time on a whole rank (`seconds`)
// and `start_s`.
double queue_seconds(const std::vector<double>& seconds, int ranks, int at_once, double start_s);

// The movies one rank may make alone in a queue and those worth all ranks' start: a movie is
// made by all ranks together only if it takes one rank at least this many starts.
constexpr double kStartsWorthSplitting = 4;

// The order a --manifest run makes its movies in, as indices into `seconds` (each movie's time
// on one rank, largest first), and how many of the last all ranks make together, with all their
// decoders, after the queue of the others: of the movies worth splitting, the shortest ones, as
// many as make the estimate end soonest (each split gaining half a start at least; none with
// one rank working on one movie at a time). The queue keeps the other movies largest first, the
// short ones at its end. A movie made by all `ranks` costs each its share and `start_s`.
struct MovieOrder {
  std::vector<size_t> order;
  size_t together = 0;
};
MovieOrder share_out(const std::vector<double>& seconds, int ranks, int at_once, double start_s);

// Whether a rank should work on one movie at a time: its movies are long enough that their
// start (`start_s` each) costs at most a tenth of their work, less than decoders shared out over
// several movies at once lose (two-thread decoders, 0.89 of one film's rate).
bool one_movie_at_a_time(const std::vector<double>& seconds, double start_s);

}  // namespace barcode

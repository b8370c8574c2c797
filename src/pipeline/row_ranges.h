// The rows of a rank shared out among its decoders. Each decoder owns one contiguous range at a
// time and decodes it from the key frame before its start. A decoder whose range is finished
// takes the end of the range expected to finish last, cut so that both decoders finish together
// at the speeds measured so far (NVDEC sessions decode about twice as fast as software decoders;
// sessions that opened late start behind). The film is sought only where work is split: a fixed
// set of chunks left a tail of idle decoders while the last chunks finished (1.6 s of a 10-s
// two-GPU run).
//
// Where the rows at key frames are known, shares and cuts are put on them when that finishes no
// later: a range that starts at a key frame decodes nothing before its first row, while one that
// starts between key frames first decodes up to a key-frame interval (4 s of a 1080p film)
// that another decoder decodes again. At the end of the film that lead-in is what decides
// whether a cut still pays, so cuts at key frames keep the decoders finishing closer together.
//
// Ranks share work the same way (rank_balance.h): a rank whose decoders have nothing left gives
// them rows of another rank's segment, which that rank cuts from the ends of its open ranges
// (give_away) and this one adds as pieces (add). While more may come (expect_more), a decoder
// with nothing left waits in next() instead of ending.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace barcode {

// How many of `remaining` rows a decoder of speed `thief` (rows/s) should take from the end of a
// range being decoded at speed `victim`, so that both finish at the same time when the thief
// first decodes `lead_in` rows before its part (from the key frame before it). May be <= 0.
int64_t rows_to_take(int64_t remaining, double thief, double victim, int64_t lead_in);

class RowRanges {
 public:
  struct Range {
    int64_t begin = 0;
    int64_t end = 0;
  };

  // Rows [first, end) for `decoders` decoders. A range is split only when the taken part keeps
  // at least `min_split` rows; `lead_in` is what a new range costs before its first row.
  // `key_rows` (sorted) are rows where a range costs only `restart` before its first row; a cut
  // there takes at least `restart` rows.
  RowRanges(int64_t first, int64_t end, int decoders, int64_t min_split, int64_t lead_in = 0,
            std::vector<int64_t> key_rows = {}, int64_t restart = 0);

  // Decoder d's next range: what is left of its own share, then the end of the open range
  // expected to finish last. Empty when nothing is left that is worth splitting.
  std::optional<Range> next(int d);

  // Hands row `row` to decoder d: true while the row lies in d's range (d's cursor moves past
  // it); false once the range ends before it (finished, or its rest was taken by another).
  bool take(int d, int64_t row);

  // Moves decoder d past row `row` as take() does, for a row it does not decode (finished by an
  // earlier run): not counted in its speed.
  bool skip(int d, int64_t row);

  // Ends decoder d's range: the rows it never took, which nobody else will take.
  Range release(int d);

  // Whether rows may still come from another rank: while they may, a decoder with nothing left
  // waits in next(); once not (the default), it ends, and waiting decoders are woken to end.
  void expect_more(bool more);

  // Called (under this object's lock: it must not call back) when every decoder waits in
  // next(): this rank has nothing left and waits for the others.
  void on_all_waiting(std::function<void()> call);

  // Rows of another rank's segment, each piece open to the first of this rank's decoders that
  // has nothing left (the largest first).
  void add(const std::vector<Range>& pieces);

  // What this rank's decoders are doing, for the other ranks.
  struct Load {
    int decoders = 0;
    int waiting = 0;  // decoders waiting in next() for rows from another rank
    // Until the open range expected to finish last is, at its decoder's speed (pieces not yet
    // taken included); 0 when nothing is left.
    double finish_s = 0;
    double rate = 0;  // rows/s of all decoders together while they decoded; 0: none shown yet
  };
  Load load();

  // Cuts the ends of this rank's open ranges for a rank of `decoders` decoders that decode
  // `rate` rows/s together and start on them `delay` s from now, so that both ranks finish
  // together; each piece keeps at least `min_split` rows, and a cut that starts at no key row
  // costs the thief `lead_in` rows first. A piece is one decoder's work: fewer pieces than the
  // thief has decoders count with their share of its rate. Nothing when that would not end this
  // rank's work at least `min_gain` s sooner. The pieces leave this rank's ranges.
  std::vector<Range> give_away(double rate, int decoders, double delay, double min_gain);

 private:
  using Clock = std::chrono::steady_clock;
  struct Owned {
    int64_t cursor = 0;  // first row not yet taken
    int64_t end = 0;
    int64_t taken = 0;  // rows taken so far, for its speed
    Clock::time_point last_take{};
    // Its speed is measured over its last whole window of about half a second and the window
    // since: what it decodes now, not on average (content gets harder or easier).
    Clock::time_point window_start{};
    int64_t window_taken = 0;  // rows taken in the window since window_start
    int64_t last_window_rows = 0;
    double last_window_seconds = 0;
  };
  // next() under the lock: d's own rows, a piece from another rank, or a cut of another
  // decoder's range.
  std::optional<Range> next_locked(int d, Clock::time_point now);
  // Rows/s a decoder that has shown none counts with: the mean of those that have.
  double typical_speed(Clock::time_point now) const;
  // Rows per second of decoder `o` lately (its last window and the one since, up to `now`);
  // `fallback` until it has taken enough to tell.
  static double speed(const Owned& o, Clock::time_point now, double fallback);
  // Seconds until decoder `o` is done with its range at its speed (`typical` until it has one);
  // 0 when nothing of it is left.
  static double time_left(const Owned& o, Clock::time_point now, double typical);

  // Where a decoder of speed `thief` should start taking the end of `victim`'s range, or -1
  // when no cut finishes sooner than `victim` alone.
  int64_t cut_point(const Owned& victim, double thief, double victim_speed) const;

  std::mutex mutex_;
  std::condition_variable changed_;  // pieces added, or no more to come
  std::vector<Owned> owned_;
  std::vector<Range> pieces_;  // from other ranks, not yet taken
  bool more_ = false;
  int waiting_ = 0;
  std::function<void()> all_waiting_;
  int64_t min_split_;
  int64_t lead_in_;
  std::vector<int64_t> key_rows_;
  int64_t restart_;
};

}  // namespace barcode

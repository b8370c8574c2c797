#include "render/input_status.h"

#include <cstdint>
#include <vector>

#include "store/row_check.h"

namespace barcode {
namespace {

// The first value of an integer (or flag) root attribute; `absent` when there is none.
int64_t integer_attribute(const BarcodeFile& file, const char* name, int64_t absent) {
  const StoredAttribute* a = file.attribute(name);
  if (!a || a->kind != StoredAttribute::Kind::kInteger || a->integers.empty()) return absent;
  return a->integers[0];
}

std::string frames(int64_t count) {
  return std::to_string(count) + (count == 1 ? " frame" : " frames");
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// Why the file is incomplete, from what barcode_mpi recorded (job.cpp's finish_store and
// keep_interrupted_store).
std::vector<std::string> reasons(const BarcodeFile& file, int64_t damaged_rows) {
  std::vector<std::string> why;
  if (damaged_rows > 0) {
    why.push_back(std::to_string(damaged_rows) +
                  " rows fail their checksum (the file was damaged on disk) and are left out");
  }
  if (integer_attribute(file, "interrupted", 0) != 0 || ends_with(file.path, ".partial")) {
    why.push_back("an interrupted or unfinished run's file: finish it with barcode_mpi --resume");
  }
  if (integer_attribute(file, "truncated", 0) != 0) why.push_back("the movie is truncated");
  if (const int64_t damage = integer_attribute(file, "input_damage", 0); damage > 0) {
    why.push_back(frames(damage) + " decoded over damaged data");
  }
  if (const int64_t missing = integer_attribute(file, "frames_missing", 0); missing > 0) {
    why.push_back("sampled " + frames(missing) + " not decoded");
  }
  if (file.movie_palette_pending) why.push_back("its movie palette was never computed");
  if (why.empty() && integer_attribute(file, "complete", 1) == 0) {
    why.push_back("marked incomplete (complete = 0)");
  }
  return why;
}

}  // namespace

int64_t leave_out_damaged_rows(BarcodeFile& file) {
  const std::vector<int64_t> damaged = rows_failing_checksum(file);
  for (const int64_t r : damaged) file.done[static_cast<size_t>(r)] = 0;
  return static_cast<int64_t>(damaged.size());
}

std::string incomplete_input_warning(const BarcodeFile& file, int64_t damaged_rows) {
  const auto done = static_cast<int64_t>(file.done_rows().size());
  const int64_t not_done = file.samples - done;
  const std::vector<std::string> why = reasons(file, damaged_rows);
  if (not_done == 0 && why.empty()) return "";
  std::string warning = file.path + ": incomplete input";
  for (size_t i = 0; i < why.size(); ++i) warning += (i ? "; " : " (") + why[i];
  if (!why.empty()) warning += ")";
  if (not_done == 0) return warning + ": every row is done, drawn as usual";
  return warning + ": " + std::to_string(not_done) + " of " + std::to_string(file.samples) +
         " rows are not done; the images show the " + std::to_string(done) +
         " done rows only, side by side over the full width (the missing ones leave no gap), "
         "and the exports mark the missing ones done=0";
}

}  // namespace barcode

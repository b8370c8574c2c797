// Whether a barcode file is a finished, complete run: barcode_render draws and exports an
// incomplete one (an interrupted run's OUT.h5.partial, a run whose input was truncated or
// damaged) as it is, but says so and exits 3 (README, barcode_render).
#pragma once

#include <cstdint>
#include <string>

#include "store/h5_read.h"

namespace barcode {

// Marks not done (done = 0) the done rows that fail their checksum (damaged on disk) and
// returns how many. Where the checksums cover the stored tiles too (--keep-thumbs), every
// done row's tile is read and checked (store/row_check.h).
int64_t leave_out_damaged_rows(BarcodeFile& file);

// "" for a complete file: every row done and not marked incomplete (root attribute complete
// = 0). Otherwise a warning naming the file, how many rows are not done and why, as the root
// attributes tell it, and what the outputs show of it.
std::string incomplete_input_warning(const BarcodeFile& file, int64_t damaged_rows = 0);

}  // namespace barcode

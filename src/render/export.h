// Exports of a barcode file's per-frame data for spreadsheets and scripts: CSV and JSON. Both
// hold every row (done or not, with its done flag) with index, pts, time, dominant, mean,
// palette and weights. Numbers are written in their shortest form that reads back to the same
// stored value (float32 or float64), so a round trip through either format is exact.
#pragma once

#include <string>

#include "store/h5_read.h"

namespace barcode {

// One header line, then one line per row:
//   index,pts,time,done,dominant_r,dominant_g,dominant_b,mean_r,mean_g,mean_b,
//   palette0_r,palette0_g,palette0_b,weight0, ... palette{k-1}_r,...,weight{k-1}
// Non-finite floats are written as nan / inf / -inf.
void write_csv(const std::string& path, const BarcodeFile& file);

// {"file": PATH, "samples": N, "k": K, "attributes": {root attributes},
//  "frames": [{"index", "pts", "time", "done" (bool), "dominant": [r,g,b], "mean": [r,g,b],
//              "palette": [[r,g,b] x K], "weights": [K]}, ...]}
// One frame per line. Non-finite floats (not representable in JSON) are written as null.
void write_json(const std::string& path, const BarcodeFile& file);

}  // namespace barcode

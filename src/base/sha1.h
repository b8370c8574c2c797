// SHA-1 (FIPS 180-4), only to name outputs the way slurm/archive.sbatch does (`sha1sum` of the
// manifest line): not for security.
#pragma once

#include <string>

namespace barcode {

// The 40 lowercase hex digits of the SHA-1 of `data`.
std::string sha1_hex(const std::string& data);

}  // namespace barcode

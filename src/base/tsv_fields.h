// Fields of the archive's tab-separated records (manifest-summary.tsv, failed/NAME.txt): a movie
// path may hold a tab, so fields are escaped as in slurm/archive.sbatch's tsv_field: backslash,
// tab, line feed and carriage return become \\, \t, \n and \r.
#pragma once

#include <string>
#include <vector>

namespace barcode {

// `field` with backslash, tab, line feed and carriage return escaped.
std::string tsv_escape(const std::string& field);

// The fields of one record, each unescaped (an unknown escape keeps its backslash).
std::vector<std::string> tsv_split(const std::string& line);

}  // namespace barcode

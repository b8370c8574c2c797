// Why a partial file cannot be resumed, in words the user can act on: which option or fact of
// the run that made it differs from this run's.
#pragma once

#include <string>

namespace barcode {

// `stored` and `now` are result_options strings ("key=value key=value ..."). Returns "" when
// they agree; otherwise every difference, e.g. "the input changed (source_size 1000 in the
// file, 2000 now)" or "--clusters differs (8 in the file, 5 now)". Which keys there are is
// decided by result_options() in job.cpp alone: every key is compared the same way, one
// starting with "source" is the input, any other the option --key (underscores as hyphens;
// k is --clusters).
std::string describe_options_difference(const std::string& stored, const std::string& now);

}  // namespace barcode

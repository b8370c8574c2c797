// Rank-aware messages on stderr: every line says which program and rank it comes from, so that
// interleaved output of many ranks in one SLURM log can still be read.
#pragma once

#include <string>

namespace barcode::log {

void set_rank(int rank, int size);
void set_verbosity(int level);  // 0 quiet, 1 normal, 2 verbose
int verbosity();

void info(const std::string& message);    // rank 0 only, at verbosity >= 1
void detail(const std::string& message);  // any rank, at verbosity >= 2
void warn(const std::string& message);    // any rank, always
void error(const std::string& message);   // any rank, always
// A point of the run's timeline, in seconds since the process started (verbosity >= 2): where
// the time before, between and after the stages goes.
void stage(const std::string& name);
// A duration for such lines: "0.123 s".
std::string seconds(double s);

}  // namespace barcode::log

// Checkpoint on request: SIGTERM, SIGUSR1, SIGUSR2 and SIGINT only set a flag (SLURM sends
// SIGUSR1 before the time limit when asked with --signal). The write loop polls it between
// rounds, every rank agrees to stop, what is finished stays in the file, and the run exits with
// code 4 so that a job script can requeue it; `--resume` continues from there.
#pragma once

#include <string>

namespace barcode {

void install_interrupt_handlers();
bool interrupt_requested();
int interrupt_signal();  // the signal that asked, 0 when none

// For work that cannot checkpoint (listing frames, drawing images): once a stop signal has come,
// throws Error with exit code 4, "SUBJECT: interrupted by signal N STATE".
void throw_if_interrupted(const std::string& subject, const std::string& state);

}  // namespace barcode

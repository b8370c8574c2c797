#include "base/interrupt.h"

#include <csignal>
#include <initializer_list>

#include "base/error.h"

namespace barcode {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt(int signal_number) {
  g_signal = signal_number;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // I/O in progress goes on; the loop checks the flag itself
  // SIGUSR2 too: Open MPI's mpirun forwards only SIGUSR1 and SIGUSR2 to the ranks, and a user
  // may send either (its default action killed the rank without a checkpoint).
  for (int s : {SIGTERM, SIGUSR1, SIGUSR2, SIGINT}) sigaction(s, &action, nullptr);
}

bool interrupt_requested() {
  return g_signal != 0;
}

int interrupt_signal() {
  return static_cast<int>(g_signal);
}

void throw_if_interrupted(const std::string& subject, const std::string& state) {
  if (!interrupt_requested()) return;
  throw Error(
      subject + ": interrupted by signal " + std::to_string(interrupt_signal()) + " " + state,
      kExitInterrupted);
}

}  // namespace barcode

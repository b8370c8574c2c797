#include "base/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>

namespace barcode::log {
namespace {

int g_rank = 0;
int g_size = 1;
int g_verbosity = 1;
std::mutex g_mutex;
const auto g_start = std::chrono::steady_clock::now();

void emit(const char* kind, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_size > 1) {
    std::fprintf(stderr, "barcode_mpi: rank %d: %s%s\n", g_rank, kind, message.c_str());
  } else {
    std::fprintf(stderr, "barcode_mpi: %s%s\n", kind, message.c_str());
  }
  std::fflush(stderr);
}

}  // namespace

void set_rank(int rank, int size) {
  g_rank = rank;
  g_size = size;
}
void set_verbosity(int level) {
  g_verbosity = level;
}
int verbosity() {
  return g_verbosity;
}

void info(const std::string& message) {
  if (g_rank == 0 && g_verbosity >= 1) emit("", message);
}
void detail(const std::string& message) {
  if (g_verbosity >= 2) emit("", message);
}
void warn(const std::string& message) {
  emit("warning: ", message);
}
void error(const std::string& message) {
  emit("error: ", message);
}
void stage(const std::string& name) {
  if (g_verbosity < 2) return;
  const double t =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  char when[32];
  std::snprintf(when, sizeof(when), "t=%.3f s: ", t);
  emit(when, name);
}

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f s", s);
  return text;
}

}  // namespace barcode::log

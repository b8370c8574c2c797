#include "base/stage_mark.h"

namespace barcode {
namespace {

StageMarker g_marker;  // written once before the run's threads start, then only read

}  // namespace

void install_stage_marker(StageMarker marker) {
  g_marker = marker;
}

StageMark::StageMark(const char* name) : marker_(g_marker) {
  if (marker_.push) marker_.push(name);
}

StageMark::~StageMark() {
  if (marker_.pop) marker_.pop();
}

}  // namespace barcode

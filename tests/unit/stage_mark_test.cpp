// Stage marks reach the installed profiler interface in order, and pop with the marker they
// pushed with.
#include "base/stage_mark.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace barcode {
namespace {

std::vector<std::string> g_events;

TEST(StageMark, PushesAndPopsThroughTheInstalledMarker) {
  {
    const StageMark none("scan");  // nothing installed: nothing happens
  }
  install_stage_marker({[](const char* name) { g_events.push_back(std::string("+") + name); },
                        [] { g_events.push_back("-"); }});
  {
    const StageMark decode("decode");
    const StageMark write("write");
  }
  install_stage_marker({});
  EXPECT_EQ(g_events, (std::vector<std::string>{"+decode", "+write", "-", "-"}));
}

}  // namespace
}  // namespace barcode

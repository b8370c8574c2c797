// Fixture of test include_layers_refuses_upward: a colour header that includes the application's,
// which cmake/check_layers.cmake must refuse.
#pragma once

#include "app/job.h"

// Fixture of test include_layers_refuses_upward: the header src/color/upward.h includes.
#pragma once

#include "color/upward.h"

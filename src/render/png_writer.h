// PNG output through libpng. Written to a temporary beside PATH and renamed (partial_file.h), so
// a PNG that exists is whole.
#pragma once

#include <string>

#include "render/barcode_image.h"

namespace barcode {

// Throws Error naming the file and libpng's or the system's reason. Without `replace`, a file
// that appeared at `path` since the run checked it is kept and the image is not written (Error).
void write_png(const std::string& path, const Image& image, bool replace = true);

}  // namespace barcode

#include "render/png_writer.h"

#include <png.h>

#include <cstdio>
#include <string>

#include "base/error.h"
#include "base/interrupt.h"
#include "render/partial_file.h"

namespace barcode {
namespace {

[[noreturn]] void on_png_error(png_structp png, png_const_charp message) {
  auto* text = static_cast<std::string*>(png_get_error_ptr(png));
  *text = message;
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

// The libpng part on its own: no C++ objects with destructors live across its setjmp.
bool encode(FILE* file, const Image& image, std::string* error) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, error, on_png_error, on_png_warning);
  if (!png) {
    *error = "out of memory";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    if (error->empty()) *error = "out of memory";
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
  // Fast compression: barcodes are small, and level 6 took most of a circular render's time.
  png_set_compression_level(png, 1);
  png_write_info(png, info);
  const size_t stride = static_cast<size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) {
    // A large image takes seconds to encode: a stop signal is answered within rows.
    if (y % 64 == 0 && interrupt_requested()) {
      png_destroy_write_struct(&png, &info);
      *error = "interrupted";
      return false;
    }
    png_write_row(png, image.rgb.data() + stride * static_cast<size_t>(y));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

void write_png(const std::string& path, const Image& image, bool replace) {
  PartialFile file(path, "PNG");
  std::string error;
  if (!encode(file.stream(), image, &error)) {
    // The temporary goes with `file`.
    throw_if_interrupted(path, "while it was written; it was not");
    throw Error(path + ": PNG encoding failed: " + error);
  }
  file.commit(replace);
}

}  // namespace barcode

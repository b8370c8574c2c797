#include "render/png_writer.h"

#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "base/error.h"

namespace barcode {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

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
    png_write_row(png, image.rgb.data() + stride * static_cast<size_t>(y));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

// A new file beside `path` for the image to be written to, then renamed over `path`: a name of
// its own (PATH.partial-PID-N, made with O_EXCL), so that no file already there is truncated or
// renamed away, whatever the user named the other outputs.
std::pair<FILE*, std::string> open_partial(const std::string& path) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string partial =
        path + ".partial-" + std::to_string(getpid()) + "-" + std::to_string(attempt);
    const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) throw Error(path + ": cannot write PNG: " + partial + ": " + std::strerror(errno));
    FILE* file = fdopen(fd, "wb");
    if (!file) {
      const int error = errno;
      close(fd);
      std::remove(partial.c_str());
      throw Error(path + ": cannot write PNG: " + std::strerror(error));
    }
    return {file, std::move(partial)};
  }
  throw Error(path + ": cannot write PNG: no free name for its temporary file beside it");
}

}  // namespace

void write_png(const std::string& path, const Image& image) {
  auto [opened, partial] = open_partial(path);
  std::unique_ptr<FILE, FileCloser> file(opened);
  std::string error;
  if (!encode(file.get(), image, &error)) {
    file.reset();
    std::remove(partial.c_str());
    throw Error(path + ": PNG encoding failed: " + error);
  }
  if (std::fclose(file.release()) != 0) {
    const int closing = errno;
    std::remove(partial.c_str());
    throw Error(path + ": cannot write PNG: " + std::strerror(closing));
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const int renaming = errno;
    std::remove(partial.c_str());
    throw Error(path + ": cannot rename " + partial + ": " + std::strerror(renaming));
  }
}

}  // namespace barcode

#include "base/input_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/sha1.h"

namespace barcode {

void check_input_kind(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) return;  // missing or unreadable: the reader says so
  const char* kind = nullptr;
  switch (status.type()) {
    case fs::file_type::fifo:
      kind = "a FIFO (named pipe)";
      break;
    case fs::file_type::socket:
      kind = "a socket";
      break;
    case fs::file_type::block:
    case fs::file_type::character:
      kind = "a device";
      break;
    default:
      return;
  }
  throw usage_error(path + ": is " + kind +
                    ", not a regular file (every rank reads and seeks in its own part of it)");
}

std::string file_fingerprint(const std::string& path) {
  constexpr int64_t kRange = 64 * 1024;
  check_input_kind(path);  // opening a FIFO would wait for a writer
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path + ": cannot read: " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const int64_t size = static_cast<int64_t>(in.tellg());
  if (size < 0) throw usage_error(path + ": cannot read its size");
  std::string data = "size=" + std::to_string(size) + "\n";
  std::string buffer(static_cast<size_t>(kRange), '\0');
  for (const int64_t at : {int64_t{0}, size / 2 - kRange / 2, size - kRange}) {
    const int64_t from = std::max<int64_t>(0, at);
    const int64_t bytes = std::min(kRange, size - from);
    in.seekg(from);
    in.read(buffer.data(), bytes);
    if (!in)
      throw usage_error(path + ": cannot read " + std::to_string(bytes) + " bytes at " +
                        std::to_string(from));
    data.append(buffer, 0, static_cast<size_t>(bytes));
  }
  return sha1_hex(data);
}

bool is_path_line(const std::string& line) {
  for (const char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) return false;
  }
  return true;
}

bool is_text_line(const std::string& line) {
  const size_t n = line.size();
  for (size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x80) {
      const bool final_cr = c == '\r' && i + 1 == n;
      if ((c < 0x20 && c != '\t' && !final_cr) || c == 0x7f) return false;
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then continuation bytes 10xxxxxx.
    size_t length = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (size_t j = 1; j < length; ++j) {
      if ((static_cast<unsigned char>(line[i + j]) & 0xc0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace barcode

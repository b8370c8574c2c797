// Text files built in memory and written whole: through a temporary beside PATH, renamed when
// complete (partial_file.h), so that an export or a page that exists is never cut short.
// Shared by the exports and the gallery.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <type_traits>

#include "render/partial_file.h"

namespace barcode {

// Text built in memory in chunks and written through a temporary that is renamed when
// complete, so that an export that exists is whole (as for the PNG).
class TextFile {
 public:
  // `what` names the kind of file in error messages ("CSV", "HTML").
  TextFile(std::string path, const char* what);
  // Not committed (an error is on its way): the temporary is removed with `partial_`.
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;

  void put(const char* text) { buffer_ += text; }
  void put(const std::string& text) { buffer_ += text; }
  void put(char c) { buffer_ += c; }
  // Shortest round-trip form of each type, through std::to_chars.
  template <typename T>
  void number(T value) {
    char digits[64];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    buffer_.append(digits, end);
    // A float keeps looking like one ("24.0", not "24"), so readers keep its type.
    if (std::is_floating_point_v<T> &&
        std::find_if(digits, end, [](char c) { return c == '.' || c == 'e' || c == 'n'; }) == end) {
      buffer_ += ".0";
    }
  }
  // A line is complete: write out the buffer when it has grown large.
  void end_line() {
    buffer_ += '\n';
    if (buffer_.size() >= kChunk) flush();
  }
  // Writes the rest and renames the temporary to PATH; throws Error naming the file.
  void commit();

 private:
  static constexpr size_t kChunk = 1 << 20;
  void flush();

  PartialFile partial_;
  std::string buffer_;
};

// `text` as a JSON string literal, quotes included; well-formed UTF-8 passes through
// unchanged, and each byte that is not part of a well-formed UTF-8 sequence (a file name in
// Latin-1, say) is written as \ufffd (U+FFFD), so that the JSON is always valid UTF-8. With
// `in_html`, "<" is escaped too, so that the literal can sit inside an HTML <script> element.
std::string json_quote(const std::string& text, bool in_html = false);

// `text` with each byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, as
// json_quote does: for pages that declare UTF-8.
std::string valid_utf8(const std::string& text);

}  // namespace barcode

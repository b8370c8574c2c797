#include "render/text_file.h"

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace barcode {

TextFile::TextFile(std::string path, const char* what) : partial_(std::move(path), what) {
  buffer_.reserve(kChunk + 4096);
}

void TextFile::commit() {
  flush();
  partial_.commit();
}

void TextFile::flush() {
  if (!buffer_.empty() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), partial_.stream()) != buffer_.size()) {
    partial_.fail(errno);
  }
  buffer_.clear();
}

std::string json_quote(const std::string& text, bool in_html) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || (in_html && (c == '<' || c == '>' || c == '&'))) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += ch;  // UTF-8 bytes pass through unchanged
    }
  }
  return out + '"';
}

}  // namespace barcode

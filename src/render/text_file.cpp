#include "render/text_file.h"

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace barcode {

TextFile::TextFile(std::string path, const char* what) : path_(std::move(path)), what_(what) {
  file_.reset(std::fopen(partial().c_str(), "wb"));
  if (!file_) fail();
  buffer_.reserve(kChunk + 4096);
}

TextFile::~TextFile() {
  if (file_) {
    file_.reset();
    std::remove(partial().c_str());
  }
}

void TextFile::commit() {
  flush();
  if (std::fclose(file_.release()) != 0) {
    const int saved = errno;
    std::remove(partial().c_str());
    errno = saved;
    fail();
  }
  if (std::rename(partial().c_str(), path_.c_str()) != 0) {
    throw Error(path_ + ": cannot rename " + partial() + ": " + std::strerror(errno));
  }
}

void TextFile::flush() {
  if (!buffer_.empty() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
    fail();
  }
  buffer_.clear();
}

void TextFile::fail() {
  throw Error(path_ + ": cannot write " + what_ + ": " + std::strerror(errno));
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

#include "render/text_file.h"

#include <cerrno>

namespace barcode {
namespace {

// The length of the well-formed UTF-8 sequence starting at text[at] (a byte >= 0x80), or 0 when
// there is none: the Unicode standard's table of well-formed sequences (no overlong forms, no
// surrogates, nothing above U+10FFFF, no sequence cut short).
size_t utf8_sequence_length(const std::string& text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) second_high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte alone, C0/C1 (overlong) or F5..FF
  }
  if (text.size() - at < length) return 0;
  if (byte(1) < second_low || byte(1) > second_high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

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
  for (size_t at = 0; at < text.size();) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (c >= 0x80) {
      const size_t length = utf8_sequence_length(text, at);
      if (length == 0) {
        out += "\\ufffd";  // a byte of no valid UTF-8 sequence: JSON must be UTF-8
        ++at;
      } else {
        out.append(text, at, length);
        at += length;
      }
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
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
      out += static_cast<char>(c);
    }
    ++at;
  }
  return out + '"';
}

std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const size_t length =
        static_cast<unsigned char>(text[at]) < 0x80 ? 1 : utf8_sequence_length(text, at);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++at;
    } else {
      out.append(text, at, length);
      at += length;
    }
  }
  return out;
}

}  // namespace barcode

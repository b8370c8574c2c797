#include "base/tsv_fields.h"

namespace barcode {

std::string tsv_escape(const std::string& field) {
  std::string out;
  out.reserve(field.size());
  for (const char c : field) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string> tsv_split(const std::string& line) {
  std::vector<std::string> fields(1);
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\t') {
      fields.emplace_back();
    } else if (c == '\\' && i + 1 < line.size()) {
      const char next = line[i + 1];
      const char plain = next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next;
      if (plain == next && next != '\\') {
        fields.back() += c;  // not an escape this format writes: kept as it is
      } else {
        fields.back() += plain;
        ++i;
      }
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace barcode

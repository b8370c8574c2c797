#include "app/resume_check.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

namespace barcode {
namespace {

std::map<std::string, std::string> parse_pairs(const std::string& text) {
  std::map<std::string, std::string> pairs;
  std::istringstream in(text);
  std::string token;
  while (in >> token) {
    const size_t eq = token.find('=');
    pairs[token.substr(0, eq)] = eq == std::string::npos ? "" : token.substr(eq + 1);
  }
  return pairs;
}

// A value as the user wrote it: result_options keeps numbers exactly, so a float is in C's
// hexadecimal notation ("0x1.2p+9"), which is shown in decimal (shortest exact form).
std::string readable(const std::string& value) {
  if (value.find("0x") == std::string::npos || value.find('p') == std::string::npos) return value;
  char* end = nullptr;
  const double number = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || *end != '\0') return value;
  for (int digits = 1; digits <= 17; ++digits) {
    char text[40];
    std::snprintf(text, sizeof text, "%.*g", digits, number);
    if (std::strtod(text, nullptr) == number) return text;
  }
  return value;
}

// The command-line option a result_options key comes from.
std::string option_name(const std::string& key) {
  if (key == "k") return "--clusters";
  std::string name = "--" + key;
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

}  // namespace

std::string describe_options_difference(const std::string& stored, const std::string& now) {
  const std::map<std::string, std::string> before = parse_pairs(stored), after = parse_pairs(now);
  std::string input, options;
  const auto value = [](const std::map<std::string, std::string>& pairs, const std::string& key) {
    const auto it = pairs.find(key);
    return it == pairs.end() ? std::string("nothing") : it->second;
  };
  std::map<std::string, std::string> keys = before;
  keys.insert(after.begin(), after.end());
  for (const auto& entry : keys) {
    const std::string& key = entry.first;
    const std::string was = value(before, key), is = value(after, key);
    if (was == is) continue;
    const std::string values = " (" + readable(was) + " in the file, " + readable(is) + " now)";
    if (key.rfind("source", 0) == 0) {  // source= (content fingerprint), source_*
      input += (input.empty() ? "" : ", ") + key + values;
    } else {
      options += (options.empty() ? "" : ", ") + option_name(key) + " differs" + values;
    }
  }
  std::string why;
  if (!input.empty()) why = "the input changed: " + input;
  if (!options.empty()) why += (why.empty() ? "" : "; ") + options;
  return why;
}

}  // namespace barcode

#include "plan/toml_config.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <utility>
#include <variant>

#include "base/error.h"

namespace barcode {
namespace {

bool needs_escapes(const std::string& text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '\\') return true;
  }
  // CLI11 quotes with '...' what holds a '"': with both, neither quote can hold it.
  return text == "'" ||
         (text.find('"') != std::string::npos && text.find('\'') != std::string::npos);
}

// TOML's one-letter escapes in basic strings, as (character, letter after the backslash): what
// the writer escapes and the reader takes back.
constexpr std::pair<char, char> kEscapes[] = {{'"', '"'},  {'\\', '\\'}, {'\n', 'n'}, {'\t', 't'},
                                              {'\r', 'r'}, {'\b', 'b'},  {'\f', 'f'}};

std::string basic_string(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto* escape = std::find_if(std::begin(kEscapes), std::end(kEscapes),
                                      [&](const auto& e) { return e.first == ch; });
    const auto c = static_cast<unsigned char>(ch);
    if (escape != std::end(kEscapes)) {
      out += '\\';
      out += escape->second;
    } else if (c < 0x20 || c == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "\\u%04X", c);
      out += code;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// A cursor over the file's text that knows its line, for the messages.
class Reader {
 public:
  Reader(std::string text, const std::string& path) : text_(std::move(text)), path_(path) {}

  bool at_end() const { return at_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[at_]; }
  int64_t line() const { return line_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw usage_error(path_ + ": line " + std::to_string(line_) + ": " + what);
  }

  void skip_spaces() {
    while (peek() == ' ' || peek() == '\t') ++at_;
  }

  // Spaces, line ends and comments: what may stand between lines, and between a list's items.
  void skip_blank_lines() {
    for (;;) {
      skip_spaces();
      if (peek() == '#') skip_comment();
      if (peek() == '\r' && at_ + 1 < text_.size() && text_[at_ + 1] == '\n') ++at_;
      if (peek() != '\n') return;
      ++at_;
      ++line_;
    }
  }

  // After a value: spaces and a comment at most, then the line's end.
  void end_of_line() {
    skip_spaces();
    if (peek() == '#') skip_comment();
    if (peek() == '\r') ++at_;
    if (at_end()) return;
    if (peek() != '\n') fail("unexpected text after the value: quote a value that holds spaces");
    ++at_;
    ++line_;
  }

  std::string key() {
    if (peek() == '[') fail("tables are not options; write `name = value` lines only");
    if (peek() == '"') return basic();
    if (peek() == '\'') return literal();
    const size_t start = at_;
    while (!at_end() &&
           (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '-' || peek() == '_')) {
      ++at_;
    }
    if (at_ == start) fail("expected `name = value`");
    return text_.substr(start, at_ - start);
  }

  void equals_sign() {
    skip_spaces();
    if (peek() != '=') fail("expected `name = value`");
    ++at_;
    skip_spaces();
  }

  // One value, or a list's items.
  std::vector<std::string> value() {
    if (peek() != '[') return {scalar(false)};
    ++at_;
    std::vector<std::string> items;
    for (;;) {
      skip_blank_lines();
      if (peek() == ']') break;
      items.push_back(scalar(true));
      skip_blank_lines();
      if (peek() == ',') {
        ++at_;
        continue;
      }
      if (peek() != ']') fail("expected `,` or `]` in the list");
      break;
    }
    ++at_;
    return items;
  }

 private:
  void skip_comment() {
    while (!at_end() && peek() != '\n') ++at_;
  }

  std::string scalar(bool in_list) {
    if (peek() == '"') return basic();
    if (peek() == '\'') return literal();
    if (peek() == '[') fail("lists inside lists are not options");
    const size_t start = at_;
    while (!at_end() && peek() != '\n' && peek() != '#' &&
           !(in_list && (peek() == ',' || peek() == ']'))) {
      ++at_;
    }
    std::string bare = text_.substr(start, at_ - start);
    bare.erase(bare.find_last_not_of(" \t\r") + 1);
    if (bare.empty()) fail(in_list ? "expected a value in the list" : "expected a value after `=`");
    return bare;
  }

  // '...': no escapes, on one line.
  std::string literal() {
    const size_t start = ++at_;
    while (!at_end() && peek() != '\'' && peek() != '\n') ++at_;
    if (peek() != '\'') fail("a string's closing ' is missing on its line");
    return text_.substr(start, at_++ - start);
  }

  // "...": with TOML's escapes, on one line.
  std::string basic() {
    ++at_;
    std::string out;
    for (;;) {
      if (at_end() || peek() == '\n') fail("a string's closing \" is missing on its line");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = peek();
      ++at_;
      if (e == 'u' || e == 'U') {
        out += code_point(e == 'u' ? 4 : 8);
        continue;
      }
      const auto* escape = std::find_if(std::begin(kEscapes), std::end(kEscapes),
                                        [&](const auto& x) { return x.second == e; });
      if (escape == std::end(kEscapes)) {
        fail(std::string("unknown escape \\") + e +
             " in a string (a backslash is written \\\\, or quote with '...')");
      }
      out += escape->first;
    }
  }

  std::string code_point(int digits) {
    uint32_t code = 0;
    for (int i = 0; i < digits; ++i, ++at_) {
      const char c = peek();
      const int v = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (v < 0) fail("a \\u or \\U escape needs " + std::to_string(digits) + " hex digits");
      code = code * 16 + static_cast<uint32_t>(v);
    }
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      fail("escape of a code point that is not a Unicode character");
    }
    std::string out;
    append_utf8(out, code);
    return out;
  }

  std::string text_;
  const std::string& path_;
  size_t at_ = 0;
  int64_t line_ = 1;
};

// The option a config key sets, as CLI11 looks it up (long name, short name, positional).
const CLI::Option* option_named(const CLI::App& app, const std::string& key) {
  if (const CLI::Option* o = app.get_option_no_throw("--" + key)) return o;
  if (key.size() == 1) {
    if (const CLI::Option* o = app.get_option_no_throw("-" + key)) return o;
  }
  return app.get_option_no_throw(key);
}

}  // namespace

std::string toml_value(const std::string& value) {
  return needs_escapes(value) ? basic_string(value) : CLI::detail::convert_arg_for_ini(value);
}

std::string TomlConfig::to_config(const CLI::App* app, bool default_also, bool /*description*/,
                                  std::string prefix) const {
  std::string out;
  for (const CLI::Option* opt : app->get_options({})) {
    if (!opt->get_configurable()) continue;
    const std::vector<std::string> results = opt->reduced_results();
    std::string value;
    for (size_t i = 0; i < results.size(); ++i) value += (i ? ", " : "") + toml_value(results[i]);
    if (results.size() > 1) value = "[" + value + "]";
    if (value.empty() && default_also) {  // as CLI11 writes an option not given
      if (!opt->get_default_str().empty()) {
        value = toml_value(opt->get_default_str());
      } else if (opt->get_expected_min() == 0) {
        value = "false";
      } else if (opt->get_run_callback_for_default()) {
        value = "\"\"";
      }
    }
    if (!value.empty()) out += prefix + opt->get_single_name() + "=" + value + "\n";
  }
  return out;
}

std::vector<CLI::ConfigItem> TomlConfig::from_config(std::istream& input) const {
  Reader reader(std::string(std::istreambuf_iterator<char>(input), {}), path_);
  std::vector<CLI::ConfigItem> found;
  // Where each option was set (TOML allows a key once; CLI11 kept the first silently).
  std::map<std::variant<const CLI::Option*, std::string>, std::pair<std::string, int64_t>> set;
  for (;;) {
    reader.skip_blank_lines();
    if (reader.at_end()) break;
    const int64_t line = reader.line();
    std::string name = reader.key();
    reader.equals_sign();
    std::vector<std::string> inputs = reader.value();
    reader.end_of_line();
    const CLI::Option* option = option_named(app_, name);
    const auto key = option ? decltype(set)::key_type(option) : decltype(set)::key_type(name);
    const auto [earlier, fresh] = set.emplace(key, std::make_pair(name, line));
    if (!fresh) {
      const auto& [first_name, first_line] = earlier->second;
      const std::string where = path_ + ": line " + std::to_string(line) + ": `" + name + "`";
      const std::string first = " (line " + std::to_string(first_line) + ")";
      throw usage_error(first_name == name
                            ? where + " is given a second time" + first + ": give it once"
                            : where + " and `" + first_name + "`" + first +
                                  " name one option: give it once");
    }
    CLI::ConfigItem item;
    item.name = std::move(name);
    item.inputs = std::move(inputs);
    found.push_back(std::move(item));
  }
  return found;
}

}  // namespace barcode

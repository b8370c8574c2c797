// The TOML that --config reads and that a run records of its options (the `options` attribute):
// `name = value` lines, strings with TOML's quoting and escapes, arrays over several lines.
// CLI11's own reader cut a value at a `#` even inside quotes ("Episode #3.mkv") and wrote file
// names with a newline or both kinds of quote as TOML no reader takes back.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace barcode {

class TomlConfig : public CLI::Config {
 public:
  // `app` resolves names to options, so that two names of one option (k, clusters) are found
  // given twice; `path` is the file named in error messages.
  TomlConfig(const CLI::App& app, std::string path) : app_(app), path_(std::move(path)) {}

  // Every configurable option as `name=value`, one per line; values CLI11 would write readably
  // are written as it writes them, others as TOML basic strings with escapes.
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;

  // Throws barcode::Error (exit code 2) naming the file and line of anything that is not a
  // `name = value` line, a comment or a blank line, and of an option given twice.
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  const CLI::App& app_;
  std::string path_;
};

// `value` as a TOML value: a number or boolean bare, text quoted (exposed for the unit tests).
std::string toml_value(const std::string& value);

}  // namespace barcode

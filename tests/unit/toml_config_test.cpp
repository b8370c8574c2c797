// The TOML that --config reads and that the `options` attribute records: what one writes the
// other reads back unchanged, and a file's mistakes are refused with the line they are on.
#include "plan/toml_config.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>

#include "base/error.h"

namespace barcode {
namespace {

struct Values {
  std::string input;
  std::string png;
  int clusters = 8;
  std::vector<std::string> styles{"dominant"};
  bool keyframes = false;
};

// An App with options shaped like barcode_mpi's, reading and writing through TomlConfig.
std::unique_ptr<CLI::App> make_app(Values& v, const std::string& path = "c.toml") {
  auto app = std::make_unique<CLI::App>();
  app->add_option("input", v.input);
  app->add_option("--png", v.png);
  app->add_option("-k,--clusters", v.clusters);
  app->add_option("--style", v.styles)->delimiter(',');
  app->add_flag("--keyframes", v.keyframes);
  app->set_config("--config");
  app->config_formatter(std::make_shared<TomlConfig>(*app, path));
  return app;
}

std::vector<CLI::ConfigItem> read(const std::string& text) {
  Values v;
  auto app = make_app(v);
  std::istringstream in(text);
  return app->get_config_formatter()->from_config(in);
}

std::string refusal(const std::string& text) {
  try {
    read(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

TEST(TomlConfig, WhatIsWrittenReadsBackUnchanged) {
  const std::vector<std::string> names = {"Episode #3.mkv",
                                          "it's \"quoted\".mp4",
                                          "a\\b.mkv",
                                          "new\nline.mp4",
                                          "tab\there.mkv",
                                          "caf\xC3\xA9 \xE2\x9C\x93.mp4",
                                          "'",
                                          "\"",
                                          "0x1F",
                                          "5",
                                          "true",
                                          "",
                                          "bell\x07.ts"};
  for (const std::string& name : names) {
    Values given;
    auto app = make_app(given);
    std::vector<const char*> argv = {"tool", "movie.mp4", "--png", name.c_str(), "-k", "5"};
    app->parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
    const std::string written = app->config_to_str(true, false);
    Values back;
    auto again = make_app(back);
    std::istringstream in(written);
    const auto items = again->get_config_formatter()->from_config(in);
    std::string png;
    for (const CLI::ConfigItem& item : items) {
      if (item.name == "png") png = item.inputs.at(0);
    }
    EXPECT_EQ(png, name) << written;
  }
}

TEST(TomlConfig, OrdinaryValuesAreWrittenAsCli11WroteThem) {
  // Files written before keep their `options` text: the same run records the same lines.
  EXPECT_EQ(toml_value("rgb"), "\"rgb\"");
  EXPECT_EQ(toml_value("5"), "5");
  EXPECT_EQ(toml_value("0.1"), "0.1");
  EXPECT_EQ(toml_value("true"), "true");
  EXPECT_EQ(toml_value("x"), "'x'");
  EXPECT_EQ(toml_value("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(toml_value(""), "\"\"");
  EXPECT_EQ(toml_value("a\\b"), "\"a\\\\b\"");
}

TEST(TomlConfig, QuotesCommentsListsAndEscapes) {
  const auto items = read(
      "# a comment\r\n"
      "input = \"Episode #3.mkv\"   # the film\r\n"
      "png = 'C:\\out\\#1.png'\n"
      "\n"
      "style = [\n"
      "  \"dominant\", # first\n"
      "  'mean',\n"
      "]\n"
      "k = 5\n"
      "keyframes = true\n"
      "\"clusters-alias\" = \"\\u00e9\\U0001F3AC\\t\\\"\"\n");
  ASSERT_EQ(items.size(), 6u);
  EXPECT_EQ(items[0].name, "input");
  EXPECT_EQ(items[0].inputs, std::vector<std::string>{"Episode #3.mkv"});
  EXPECT_EQ(items[1].inputs, std::vector<std::string>{"C:\\out\\#1.png"});
  EXPECT_EQ(items[2].inputs, (std::vector<std::string>{"dominant", "mean"}));
  EXPECT_EQ(items[3].inputs, std::vector<std::string>{"5"});
  EXPECT_EQ(items[4].inputs, std::vector<std::string>{"true"});
  EXPECT_EQ(items[5].name, "clusters-alias");
  EXPECT_EQ(items[5].inputs, std::vector<std::string>{"\xC3\xA9\xF0\x9F\x8E\xAC\t\""});
}

TEST(TomlConfig, MistakesAreRefusedWithTheirLine) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"k = 5\n[extra]\n", {"c.toml: line 2:", "tables"}},
      {"k = 5\nx\n", {"line 2:", "name = value"}},
      {"= 5\n", {"line 1:", "name = value"}},
      {"k =\n", {"line 1:", "expected a value"}},
      {"png = \"open\n", {"line 1:", "closing \""}},
      {"png = 'open\n", {"line 1:", "closing '"}},
      {"png = \"a\\qb\"\n", {"line 1:", "unknown escape \\q"}},
      {"png = \"\\u12\"\n", {"line 1:", "hex digits"}},
      {"png = \"\\uD800\"\n", {"line 1:", "not a Unicode character"}},
      {"png = \"a\" b\n", {"line 1:", "after the value"}},
      {"style = [\"a\"\n\"b\"]\n", {"line 2:", "`,` or `]`"}},
      {"style = [[\"a\"]]\n", {"line 1:", "lists inside lists"}},
      {"k = 5\n\nk = 6\n", {"line 3:", "`k` is given a second time (line 1)"}},
      {"clusters = 4\nk = 3\n", {"line 2:", "`k` and `clusters` (line 1) name one option"}},
  };
  for (const auto& [text, parts] : cases) {
    const std::string what = refusal(text);
    for (const std::string& part : parts) {
      EXPECT_NE(what.find(part), std::string::npos) << text << " -> " << what;
    }
  }
}

}  // namespace
}  // namespace barcode

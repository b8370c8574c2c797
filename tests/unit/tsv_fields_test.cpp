// Archive records keep a path with tabs, backslashes and line ends in one field.
#include "base/tsv_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace barcode {
namespace {

TEST(TsvFields, EscapedFieldsSplitBackToThemselves) {
  const std::vector<std::string> fields = {"3", "/films/a\tb\\c\r\nd.mkv", "", "name\t"};
  std::string line;
  for (const std::string& f : fields) line += (line.empty() ? "" : "\t") + tsv_escape(f);
  EXPECT_EQ(line, "3\t/films/a\\tb\\\\c\\r\\nd.mkv\t\tname\\t");
  EXPECT_EQ(tsv_split(line), fields);
}

TEST(TsvFields, PlainTextAndUnknownEscapesStayAsTheyAre) {
  EXPECT_EQ(tsv_escape("/films/plain name.mp4"), "/films/plain name.mp4");
  EXPECT_EQ(tsv_split("a\\qb\tc\\"), (std::vector<std::string>{"a\\qb", "c\\"}));
  EXPECT_EQ(tsv_split(""), std::vector<std::string>{""});
}

}  // namespace
}  // namespace barcode

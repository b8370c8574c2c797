// Input checks: what counts as a text line (manifests, configs) and the content fingerprint
// that --resume compares.
#include "base/input_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "base/error.h"

namespace barcode {
namespace {

TEST(TextLine, AcceptsTextAndUtf8) {
  EXPECT_TRUE(is_text_line(""));
  EXPECT_TRUE(is_text_line("/films/Am\xc3\xa9lie (2001).mkv"));
  EXPECT_TRUE(is_text_line("tab\tseparated"));
  EXPECT_TRUE(is_text_line("dos line end\r"));
  EXPECT_TRUE(is_text_line("\xe6\x98\xa0\xe7\x94\xbb.mp4"));  // CJK
}

TEST(TextLine, RefusesBinary) {
  EXPECT_FALSE(is_text_line(std::string("nul\0byte", 8)));
  EXPECT_FALSE(is_text_line("bell\a"));
  EXPECT_FALSE(is_text_line("cr\rinside"));
  EXPECT_FALSE(is_text_line("\xff\xd8\xff\xe0"));  // a JPEG's first bytes
  EXPECT_FALSE(is_text_line("cut \xc3"));          // a sequence cut short
  EXPECT_FALSE(is_text_line("\xc0\xaf"));          // an overlong encoding
}

class Fingerprint : public ::testing::Test {
 protected:
  std::string path(const char* name) { return dir_ + "/" + name; }
  void SetUp() override {
    char pattern[] = "/tmp/fingerprint-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const char* name : {"a", "b", "c"}) std::remove(path(name).c_str());
    rmdir(dir_.c_str());
  }
  void write(const char* name, const std::string& data) {
    std::ofstream(path(name), std::ios::binary) << data;
  }
  std::string dir_;
};

TEST_F(Fingerprint, FollowsContentNotName) {
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + (i >> 9));
  write("a", data);
  write("b", data);
  EXPECT_EQ(file_fingerprint(path("a")), file_fingerprint(path("b")));
  // One byte changed at the start, the middle or the end: another file of the same size.
  for (const size_t at : {size_t{10}, data.size() / 2, data.size() - 1}) {
    std::string other = data;
    other[at] = static_cast<char>(other[at] ^ 1);
    write("c", other);
    EXPECT_NE(file_fingerprint(path("a")), file_fingerprint(path("c"))) << "byte " << at;
  }
  write("c", data.substr(0, 100));  // small files are read whole
  EXPECT_EQ(file_fingerprint(path("c")).size(), 40u);
  EXPECT_THROW(file_fingerprint(path("missing")), Error);
}

TEST_F(Fingerprint, RefusesFifo) {
  ASSERT_EQ(mkfifo(path("a").c_str(), 0600), 0);
  EXPECT_THROW(check_input_kind(path("a")), Error);
  write("b", "x");
  EXPECT_NO_THROW(check_input_kind(path("b")));
  EXPECT_NO_THROW(check_input_kind(path("missing")));
}

}  // namespace
}  // namespace barcode

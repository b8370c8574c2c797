#include "render/export.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

#include "error.h"

namespace barcode {
namespace {

// Text built in memory in chunks and written through a PATH.partial file that is renamed when
// complete, so that an export that exists is whole (as for the PNG).
class TextFile {
 public:
  TextFile(std::string path, const char* what) : path_(std::move(path)), what_(what) {
    file_.reset(std::fopen(partial().c_str(), "wb"));
    if (!file_) fail();
    buffer_.reserve(kChunk + 4096);
  }
  ~TextFile() {
    if (file_) {  // not committed: an error is on its way, leave no partial file behind
      file_.reset();
      std::remove(partial().c_str());
    }
  }
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;

  void put(const char* text) { buffer_ += text; }
  void put(const std::string& text) { buffer_ += text; }
  void put(char c) { buffer_ += c; }
  // Shortest round-trip form of each type, through std::to_chars.
  template <typename T>
  void number(T value) {
    char digits[64];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    buffer_.append(digits, end);
    // A float keeps looking like one ("24.0", not "24"), so readers keep its type.
    if (std::is_floating_point_v<T> &&
        std::find_if(digits, end, [](char c) { return c == '.' || c == 'e' || c == 'n'; }) == end) {
      buffer_ += ".0";
    }
  }
  // A line is complete: write out the buffer when it has grown large.
  void end_line() {
    buffer_ += '\n';
    if (buffer_.size() >= kChunk) flush();
  }
  void commit() {
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

 private:
  static constexpr size_t kChunk = 1 << 20;
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::string partial() const { return path_ + ".partial"; }
  void flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
      fail();
    }
    buffer_.clear();
  }
  [[noreturn]] void fail() {
    throw Error(path_ + ": cannot write " + what_ + ": " + std::strerror(errno));
  }

  std::string path_;
  const char* what_;
  std::unique_ptr<FILE, Closer> file_;
  std::string buffer_;
};

// CSV cells never need quoting here (numbers only), so a float is just its digits.
template <typename T>
void csv_float(TextFile& out, T value) {
  if (std::isnan(value)) {
    out.put("nan");
  } else if (std::isinf(value)) {
    out.put(value > 0 ? "inf" : "-inf");
  } else {
    out.number(value);
  }
}

template <typename T>
void json_float(TextFile& out, T value) {
  if (std::isfinite(value)) {
    out.number(value);
  } else {
    out.put("null");
  }
}

void json_string(TextFile& out, const std::string& text) {
  out.put('"');
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.put('\\');
      out.put(ch);
    } else if (c == '\n') {
      out.put("\\n");
    } else if (c == '\t') {
      out.put("\\t");
    } else if (c == '\r') {
      out.put("\\r");
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out.put(escaped);
    } else {
      out.put(ch);  // UTF-8 bytes pass through unchanged
    }
  }
  out.put('"');
}

void json_attribute(TextFile& out, const StoredAttribute& a) {
  using Kind = StoredAttribute::Kind;
  // A scalar is written bare; anything else as a list.
  const auto list = [&](const auto& values, auto write_one) {
    if (values.size() == 1) return write_one(values[0]);
    out.put('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out.put(", ");
      write_one(values[i]);
    }
    out.put(']');
  };
  switch (a.kind) {
    case Kind::kInteger:
      list(a.integers, [&](int64_t v) { out.number(v); });
      break;
    case Kind::kFloat:
      list(a.floats, [&](double v) { json_float(out, v); });
      break;
    case Kind::kText:
      json_string(out, a.text);
      break;
    case Kind::kOther:
      out.put("null");
      break;
  }
}

void json_triple(TextFile& out, const uint8_t* rgb) {
  out.put('[');
  for (int c = 0; c < 3; ++c) {
    if (c) out.put(", ");
    out.number(static_cast<int>(rgb[c]));
  }
  out.put(']');
}

}  // namespace

void write_csv(const std::string& path, const BarcodeFile& file) {
  TextFile out(path, "CSV");
  const int k = file.k;
  out.put("index,pts,time,done,dominant_r,dominant_g,dominant_b,mean_r,mean_g,mean_b");
  for (int j = 0; j < k; ++j) {
    const std::string p = "palette" + std::to_string(j);
    out.put("," + p + "_r," + p + "_g," + p + "_b,weight" + std::to_string(j));
  }
  out.end_line();
  for (int64_t i = 0; i < file.samples; ++i) {
    const auto row = static_cast<size_t>(i);
    out.number(file.index[row]);
    out.put(',');
    out.number(file.pts[row]);
    out.put(',');
    csv_float(out, file.time[row]);
    out.put(',');
    out.number(static_cast<int>(file.done[row]));
    for (const auto* colors : {&file.dominant, &file.mean}) {
      for (int c = 0; c < 3; ++c) {
        out.put(',');
        out.number(static_cast<int>((*colors)[row * 3 + static_cast<size_t>(c)]));
      }
    }
    for (int j = 0; j < k; ++j) {
      const size_t cluster = row * static_cast<size_t>(k) + static_cast<size_t>(j);
      for (int c = 0; c < 3; ++c) {
        out.put(',');
        csv_float(out, file.palette[cluster * 3 + static_cast<size_t>(c)]);
      }
      out.put(',');
      csv_float(out, file.weights[cluster]);
    }
    out.end_line();
  }
  out.commit();
}

void write_json(const std::string& path, const BarcodeFile& file) {
  TextFile out(path, "JSON");
  const int k = file.k;
  out.put("{\"file\": ");
  json_string(out, file.path);
  out.put(", \"samples\": ");
  out.number(file.samples);
  out.put(", \"k\": ");
  out.number(k);
  out.put(",");
  out.end_line();
  out.put("\"attributes\": {");
  for (size_t a = 0; a < file.attributes.size(); ++a) {
    if (a) out.put(", ");
    json_string(out, file.attributes[a].name);
    out.put(": ");
    json_attribute(out, file.attributes[a]);
  }
  out.put("},");
  out.end_line();
  out.put("\"frames\": [");
  out.end_line();
  for (int64_t i = 0; i < file.samples; ++i) {
    const auto row = static_cast<size_t>(i);
    out.put("{\"index\": ");
    out.number(file.index[row]);
    out.put(", \"pts\": ");
    out.number(file.pts[row]);
    out.put(", \"time\": ");
    json_float(out, file.time[row]);
    out.put(file.done[row] ? ", \"done\": true" : ", \"done\": false");
    out.put(", \"dominant\": ");
    json_triple(out, &file.dominant[row * 3]);
    out.put(", \"mean\": ");
    json_triple(out, &file.mean[row * 3]);
    out.put(", \"palette\": [");
    for (int j = 0; j < k; ++j) {
      const size_t cluster = row * static_cast<size_t>(k) + static_cast<size_t>(j);
      out.put(j ? ", [" : "[");
      for (int c = 0; c < 3; ++c) {
        if (c) out.put(", ");
        json_float(out, file.palette[cluster * 3 + static_cast<size_t>(c)]);
      }
      out.put(']');
    }
    out.put("], \"weights\": [");
    for (int j = 0; j < k; ++j) {
      if (j) out.put(", ");
      json_float(out, file.weights[row * static_cast<size_t>(k) + static_cast<size_t>(j)]);
    }
    out.put(i + 1 < file.samples ? "]}," : "]}");
    out.end_line();
  }
  out.put("]}");
  out.end_line();
  out.commit();
}

}  // namespace barcode

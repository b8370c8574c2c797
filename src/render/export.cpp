#include "render/export.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/error.h"
#include "render/text_file.h"

namespace barcode {
namespace {

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
      if (a.boolean) {
        list(a.integers, [&](int64_t v) { out.put(v ? "true" : "false"); });
      } else {
        list(a.integers, [&](int64_t v) { out.number(v); });
      }
      break;
    case Kind::kFloat:
      list(a.floats, [&](double v) { json_float(out, v); });
      break;
    case Kind::kText:
      out.put(json_quote(a.text));
      break;
    case Kind::kOther:
      out.put("null");
      break;
  }
}

// Labels that index a palette the file holds (a file written with --movie-clusters 0 has none).
bool has_movie_palette(const BarcodeFile& file) {
  return !file.movie_palette.empty() && !file.movie_labels.empty();
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
  // With a movie palette: each frame colour's index in it, and the frame's dominant colour
  // as the movie palette renders it (the movie-palette style).
  const bool movie = has_movie_palette(file);
  out.put("index,pts,time,done,dominant_r,dominant_g,dominant_b,mean_r,mean_g,mean_b");
  for (int j = 0; j < k; ++j) {
    const std::string p = "palette" + std::to_string(j);
    out.put("," + p + "_r," + p + "_g," + p + "_b,weight" + std::to_string(j));
  }
  if (movie) {
    for (int j = 0; j < k; ++j) out.put(",movie_label" + std::to_string(j));
    out.put(",movie_r,movie_g,movie_b");
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
    if (movie) {
      const size_t first = row * static_cast<size_t>(k);
      for (int j = 0; j < k; ++j) {
        out.put(',');
        out.number(static_cast<int>(file.movie_labels[first + static_cast<size_t>(j)]));
      }
      const size_t label = file.movie_labels[first];             // the dominant is cluster 0
      const bool known = label < file.movie_palette.size() / 3;  // not so in a damaged file
      for (int c = 0; c < 3; ++c) {
        out.put(',');
        if (known) {
          csv_float(out, file.movie_palette[label * 3 + static_cast<size_t>(c)]);
        } else {
          out.put("nan");
        }
      }
    }
    out.end_line();
  }
  out.commit();
}

void write_json(const std::string& path, const BarcodeFile& file) {
  TextFile out(path, "JSON");
  const int k = file.k;
  out.put("{\"file\": ");
  out.put(json_quote(file.path));
  out.put(", \"samples\": ");
  out.number(file.samples);
  out.put(", \"k\": ");
  out.number(k);
  out.put(",");
  out.end_line();
  out.put("\"attributes\": {");
  for (size_t a = 0; a < file.attributes.size(); ++a) {
    if (a) out.put(", ");
    out.put(json_quote(file.attributes[a].name));
    out.put(": ");
    json_attribute(out, file.attributes[a]);
  }
  out.put("},");
  out.end_line();
  if (has_movie_palette(file)) {
    out.put("\"movie_palette\": [");
    for (size_t c = 0; c < file.movie_palette.size() / 3; ++c) {
      out.put(c ? ", [" : "[");
      for (size_t i = 0; i < 3; ++i) {
        if (i) out.put(", ");
        json_float(out, file.movie_palette[c * 3 + i]);
      }
      out.put(']');
    }
    out.put("], \"movie_weights\": [");
    for (size_t c = 0; c < file.movie_weights.size(); ++c) {
      if (c) out.put(", ");
      json_float(out, file.movie_weights[c]);
    }
    out.put("],");
    out.end_line();
  }
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
    if (has_movie_palette(file)) {
      out.put("], \"movie_labels\": [");
      for (int j = 0; j < k; ++j) {
        if (j) out.put(", ");
        out.number(static_cast<int>(
            file.movie_labels[row * static_cast<size_t>(k) + static_cast<size_t>(j)]));
      }
    }
    out.put(i + 1 < file.samples ? "]}," : "]}");
    out.end_line();
  }
  out.put("]}");
  out.end_line();
  out.commit();
}

}  // namespace barcode

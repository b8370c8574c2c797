// The passes of the CPU 4:2:0 tile conversion (video/yuv_tile.cpp), as templates with no
// namespace of their own: yuv_tile.cpp includes this file twice, once plain and once inside
// `#pragma GCC target("avx2")`, so that one text gives both machine-code versions. Every sum is
// an integer, so both versions give the same tiles bit for bit; the conversion of the sums to
// RGB is the shared yuv_sums_to_rgb (color/yuv_rgb.h), compiled without fused multiply-add.
//
// The tile pixel (ox, oy) sums every luma sample weighted by the area of it the pixel's box
// covers, w(x, y) = wx(x) * wy(y), and every chroma sample by the weights of the luma samples
// of its 2x2 block. The weights factor, so the chroma sample of block (j, c) weighs
// (wx(2j) + wx(2j+1)) * (wy(2c) + wy(2c+1)): each chroma row and column is read once with the
// summed weight of its two luma rows or columns (a chroma cell two luma pixels wide), which is
// the same integer as reading it once per luma row.
//
// Expects before inclusion: <algorithm>, <cstdint>, <vector>, color/yuv_rgb.h, the types
// TileSpan, YuvPlanes, TileSize, ToneMapTables, and sdr_row(sum_y, sum_cb, sum_cr, count, conv,
// out): yuv_sums_to_rgb for `count` pixels of a tile row.

// The vertical pass over whole rows, which the compiler vectorises. A tile row's source rows
// between its first and last are covered whole (weight: the cell size): plain sums, no multiply
// per sample; interior[i] += sample i.
template <typename Sample, int kShift, typename Inner>
void add_interior(const uint8_t* row, int n, Inner* __restrict interior) {
  const Sample* s = reinterpret_cast<const Sample*>(row);
  for (int i = 0; i < n; ++i) {
    interior[i] = static_cast<Inner>(interior[i] + (static_cast<uint32_t>(s[i]) >> kShift));
  }
}

// Then the weighted sums of the tile row: acc[i] = inner * interior[i] + w_first * first[i]
// (+ w_last * last[i]), clearing interior for the next tile row.
template <typename Sample, int kShift, typename Inner>
void finish_rows(Inner* __restrict interior, uint32_t inner, const uint8_t* first_row,
                 uint32_t w_first, const uint8_t* last_row, uint32_t w_last, int n,
                 uint32_t* __restrict acc) {
  const Sample* first = reinterpret_cast<const Sample*>(first_row);
  if (last_row == nullptr) {
    for (int i = 0; i < n; ++i) acc[i] = w_first * (static_cast<uint32_t>(first[i]) >> kShift);
    return;
  }
  const Sample* last = reinterpret_cast<const Sample*>(last_row);
  for (int i = 0; i < n; ++i) {
    acc[i] = inner * uint32_t{interior[i]} + w_first * (static_cast<uint32_t>(first[i]) >> kShift) +
             w_last * (static_cast<uint32_t>(last[i]) >> kShift);
    interior[i] = 0;
  }
}

// One plane over one tile row: acc[i] = the weighted sum of sample i of the rows `rows` covers.
template <typename Sample, int kShift, typename Inner>
void plane_rows(const void* plane, size_t pitch, const TileSpan& rows, int n, Inner* interior,
                uint32_t* acc) {
  const auto row = [&](int y) {
    return static_cast<const uint8_t*>(plane) + static_cast<size_t>(y) * pitch;
  };
  for (int y = rows.first + 1; y < rows.end - 1; ++y) {
    add_interior<Sample, kShift, Inner>(row(y), n, interior);
  }
  const bool two = rows.end - rows.first >= 2;  // else one source row makes the tile row
  finish_rows<Sample, kShift, Inner>(interior, static_cast<uint32_t>(rows.w_inner), row(rows.first),
                                     static_cast<uint32_t>(rows.w_first),
                                     two ? row(rows.end - 1) : nullptr,
                                     static_cast<uint32_t>(rows.w_last), n, acc);
}

// The horizontal pass: out[ox] = the coverage-weighted sum of acc over tile column ox's source
// columns, which lie kStride apart in acc (2: interleaved Cb and Cr). A column's plain sum of
// whole cells is summed in `Run` (32 bits where the frame is small enough, see convert_any).
//
// Where the tile width divides the source (1920 or 3840 pixels into 160 columns: every column
// the same number of whole cells, all weighing the cell size), the sums have a fixed length that
// the compiler unrolls and vectorises; the same integers.
template <int kStride, int kCells, typename Run>
void uniform_columns(const uint32_t* acc, size_t count, uint64_t weight, uint64_t* out) {
  for (size_t ox = 0; ox < count; ++ox) {
    const uint32_t* a = acc + ox * kCells * kStride;
    Run sum = 0;
    for (int x = 0; x < kCells; ++x) sum += a[x * kStride];
    out[ox] = weight * sum;
  }
}

template <int kStride, typename Run>
void columns_pass(const uint32_t* acc, const std::vector<TileSpan>& columns, int uniform_cells,
                  uint64_t* out) {
  const size_t count = columns.size();
  const auto weight = static_cast<uint64_t>(columns[0].w_inner);
  switch (uniform_cells) {
    case 4:
      return uniform_columns<kStride, 4, Run>(acc, count, weight, out);
    case 6:
      return uniform_columns<kStride, 6, Run>(acc, count, weight, out);
    case 8:
      return uniform_columns<kStride, 8, Run>(acc, count, weight, out);
    case 12:
      return uniform_columns<kStride, 12, Run>(acc, count, weight, out);
    case 16:
      return uniform_columns<kStride, 16, Run>(acc, count, weight, out);
    case 24:
      return uniform_columns<kStride, 24, Run>(acc, count, weight, out);
    default:
      break;  // not uniform, or an uncommon length: the general sums
  }
  for (size_t ox = 0; ox < columns.size(); ++ox) {
    const TileSpan& s = columns[ox];
    const uint32_t* a = acc + size_t(s.first) * kStride;
    const int cells = s.end - s.first;
    uint64_t v = static_cast<uint64_t>(s.w_first) * a[0];
    if (cells >= 2) {
      v += static_cast<uint64_t>(s.w_last) * a[size_t(cells - 1) * kStride];
      Run inner = 0;
      for (int x = 1; x < cells - 1; ++x) inner += a[size_t(x) * kStride];
      v += static_cast<uint64_t>(s.w_inner) * inner;
    }
    out[ox] = v;
  }
}

// The whole conversion. Chroma is planar (two planes of chroma_width samples) or interleaved
// (one plane of 2 * chroma_width samples, Cb then Cr), read as such in either case: an
// interleaved plane's rows are summed as one contiguous row. `Inner` holds a tile row's plain
// sums of interior rows (16 bits where they cannot overflow).
template <typename Sample, int kShift, bool kInterleaved, typename Inner, typename Run>
void convert_tile(const YuvPlanes& p, const YuvSumsToRgb& conv, TileSize tile,
                  const TileSpanTables& spans, uint8_t* rgb, const ToneMapTables* tone) {
  const int chroma_width = (p.width + 1) / 2;
  const int chroma_row = kInterleaved ? 2 * chroma_width : chroma_width;
  std::vector<uint32_t> acc_y(static_cast<size_t>(p.width));
  std::vector<uint32_t> acc_cb(static_cast<size_t>(chroma_row));
  std::vector<uint32_t> acc_cr(kInterleaved ? 0 : static_cast<size_t>(chroma_width));
  std::vector<Inner> inner_y(acc_y.size()), inner_cb(acc_cb.size()), inner_cr(acc_cr.size());
  const auto tw = static_cast<size_t>(tile.width);
  std::vector<uint64_t> sum_y(tw), sum_cb(tw), sum_cr(tw);
  for (int oy = 0; oy < tile.height; ++oy) {
    const TileSpan& luma_rows = spans.luma_rows[size_t(oy)];
    const TileSpan& chroma_rows = spans.chroma_rows[size_t(oy)];
    plane_rows<Sample, kShift, Inner>(p.luma, p.luma_pitch, luma_rows, p.width, inner_y.data(),
                                      acc_y.data());
    columns_pass<1, Run>(acc_y.data(), spans.luma_columns, spans.luma_uniform, sum_y.data());
    plane_rows<Sample, kShift, Inner>(p.cb, p.chroma_pitch, chroma_rows, chroma_row,
                                      inner_cb.data(), acc_cb.data());
    if (kInterleaved) {
      columns_pass<2, Run>(acc_cb.data(), spans.chroma_columns, spans.chroma_uniform,
                           sum_cb.data());
      columns_pass<2, Run>(acc_cb.data() + 1, spans.chroma_columns, spans.chroma_uniform,
                           sum_cr.data());
    } else {
      plane_rows<Sample, kShift, Inner>(p.cr, p.chroma_pitch, chroma_rows, chroma_row,
                                        inner_cr.data(), acc_cr.data());
      columns_pass<1, Run>(acc_cb.data(), spans.chroma_columns, spans.chroma_uniform,
                           sum_cb.data());
      columns_pass<1, Run>(acc_cr.data(), spans.chroma_columns, spans.chroma_uniform,
                           sum_cr.data());
    }
    uint8_t* out = rgb + static_cast<size_t>(oy) * tw * 3;
    if (tone) {
      for (size_t ox = 0; ox < tw; ++ox) {
        yuv_sums_to_rgb(sum_y[ox], sum_cb[ox], sum_cr[ox], conv, *tone, out + 3 * ox);
      }
    } else {
      sdr_row(sum_y.data(), sum_cb.data(), sum_cr.data(), tw, conv, out);
    }
  }
}

// The layouts yuv420_to_tile reads, each with its sample type and interior-sum width, and the
// width of the horizontal run sums.
template <typename Run>
void convert_layout(const YuvPlanes& p, const YuvSumsToRgb& conv, TileSize tile,
                    const TileSpanTables& spans, bool narrow, uint8_t* rgb,
                    const ToneMapTables* tone) {
  const bool planar = p.chroma_step == 1;
  if (!p.sixteen_bit && narrow) {
    planar ? convert_tile<uint8_t, 0, false, uint16_t, Run>(p, conv, tile, spans, rgb, tone)
           : convert_tile<uint8_t, 0, true, uint16_t, Run>(p, conv, tile, spans, rgb, tone);
  } else if (!p.sixteen_bit) {
    planar ? convert_tile<uint8_t, 0, false, uint32_t, Run>(p, conv, tile, spans, rgb, tone)
           : convert_tile<uint8_t, 0, true, uint32_t, Run>(p, conv, tile, spans, rgb, tone);
  } else if (p.shift == 0) {
    planar ? convert_tile<uint16_t, 0, false, uint32_t, Run>(p, conv, tile, spans, rgb, tone)
           : convert_tile<uint16_t, 0, true, uint32_t, Run>(p, conv, tile, spans, rgb, tone);
  } else {
    planar ? convert_tile<uint16_t, 6, false, uint32_t, Run>(p, conv, tile, spans, rgb, tone)
           : convert_tile<uint16_t, 6, true, uint32_t, Run>(p, conv, tile, spans, rgb, tone);
  }
}

// A vertical sum is at most the largest sample times the frame height (a tile row's row weights
// add up to it), and a run has at most width / tile width + 1 cells: 32-bit run sums where the
// product fits (every usual frame and tile), 64-bit otherwise.
inline void convert_any(const YuvPlanes& p, const YuvSumsToRgb& conv, TileSize tile,
                        const TileSpanTables& spans, bool narrow, uint8_t* rgb,
                        const ToneMapTables* tone) {
  const uint64_t largest = p.sixteen_bit ? 1023 : 255;
  const auto cells = static_cast<uint64_t>(p.width / tile.width + 1);
  if (cells * largest * static_cast<uint64_t>(p.height) <= UINT32_MAX) {
    convert_layout<uint32_t>(p, conv, tile, spans, narrow, rgb, tone);
  } else {
    convert_layout<uint64_t>(p, conv, tile, spans, narrow, rgb, tone);
  }
}

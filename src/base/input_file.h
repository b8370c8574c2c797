// Checks of the files the tool reads before any work starts: that they are files at all (a
// FIFO would block every rank forever) and, for lists and configs, that they are text.
#pragma once

#include <string>

namespace barcode {

// Throws usage_error naming `path` when it exists but is a FIFO, socket or device. A missing
// file or a directory passes: the readers report those with their own words.
void check_input_kind(const std::string& path);

// Whether `line` (without its newline) is text: valid UTF-8 without NUL or other control
// characters than tab and a final carriage return.
bool is_text_line(const std::string& line);

// True when `line` could be a file path written as text in any encoding: no control character
// but tabs and carriage returns (a binary file has them at once). File names need not be UTF-8.
bool is_path_line(const std::string& line);

// A cheap identity of a file's content: the SHA-1 (hex) of its size and of three 64 KiB
// ranges (its start, middle and end). Another file of the same size and modification time
// differs in it unless it differs only outside those ranges. Throws usage_error naming the
// file when it cannot be read or is no file (check_input_kind).
std::string file_fingerprint(const std::string& path);

}  // namespace barcode

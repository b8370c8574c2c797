// A 128-bit integer for exact timestamp arithmetic (a*b/c with 64-bit a, b, c never overflows).
#pragma once

namespace barcode {
__extension__ typedef __int128 Int128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet
}

// Scheduling priority of the calling thread.
#pragma once

namespace barcode {

// Lowers the calling thread's priority (Linux: nice +10 for this thread alone), so that the
// process's other threads get the cores first and this one runs on what they leave. Returns
// false where the system refused (the thread then keeps its priority).
bool run_in_background();

}  // namespace barcode

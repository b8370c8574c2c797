// Functions compiled for the host and, by nvcc, for the device: the arithmetic that the CPU and
// the GPU paths must share to agree bit for bit.
#pragma once

#ifdef __CUDACC__
#define BARCODE_HOST_DEVICE __host__ __device__
#else
#define BARCODE_HOST_DEVICE
#endif

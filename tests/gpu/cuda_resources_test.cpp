// The owners of CUDA resources (src/gpu/cuda_resources.h): they hold what they made, hand it
// over when moved, and give it back when reset or destroyed (the device's free memory returns).
#include "gpu/cuda_resources.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "gpu/gpu_kmeans.h"

namespace barcode::gpu {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (device_count() == 0) GTEST_SKIP() << "no CUDA device"

TEST(CudaResources, BuffersCarryDataAndMoveTheirOwnership) {
  SKIP_WITHOUT_GPU();
  CUDA_CHECK(cudaSetDevice(0));
  std::vector<int64_t> values(1000);
  std::iota(values.begin(), values.end(), -500);
  PinnedBuffer<int64_t> pinned(values.size());
  std::copy(values.begin(), values.end(), pinned.get());
  DeviceBuffer<int64_t> device(values.size());
  EXPECT_EQ(device.size(), values.size());
  EXPECT_EQ(device.bytes(), values.size() * sizeof(int64_t));
  CUDA_CHECK(cudaMemcpy(device.get(), pinned.get(), pinned.bytes(), cudaMemcpyHostToDevice));

  DeviceBuffer<int64_t> moved(std::move(device));
  EXPECT_FALSE(device);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(device.get(), nullptr);
  ASSERT_TRUE(moved);
  std::vector<int64_t> back(values.size());
  CUDA_CHECK(cudaMemcpy(back.data(), moved.get(), moved.bytes(), cudaMemcpyDeviceToHost));
  EXPECT_EQ(back, values);
}

TEST(CudaResources, DestroyedResetAndOverwrittenBuffersGiveTheirMemoryBack) {
  SKIP_WITHOUT_GPU();
  CUDA_CHECK(cudaSetDevice(0));
  size_t free = 0, total = 0;
  CUDA_CHECK(cudaMemGetInfo(&free, &total));
  // A quarter of the free memory each time, four times all of it in every loop: a buffer that
  // kept its memory would make an allocation fail (and throw) before the loop's end.
  const size_t bytes = free / 4;
  for (int i = 0; i < 16; ++i) {
    DeviceBuffer<uint8_t> scoped(bytes);  // destroyed
    ASSERT_TRUE(scoped);
  }
  DeviceBuffer<uint8_t> kept;
  for (int i = 0; i < 16; ++i) {
    DeviceBuffer<uint8_t> reset(bytes);
    reset.reset();
    EXPECT_FALSE(reset);
    kept = DeviceBuffer<uint8_t>(bytes);  // the previous one is freed by the assignment
  }
  for (int i = 0; i < 16; ++i) kept.allocate(bytes);  // likewise by allocate()
  EXPECT_EQ(kept.size(), bytes);
}

TEST(CudaResources, FreeReportsCudasVerdictAndEmptiesTheBuffer) {
  SKIP_WITHOUT_GPU();
  CUDA_CHECK(cudaSetDevice(0));
  DeviceBuffer<int64_t> device(1000);
  PinnedBuffer<int64_t> pinned(1000);
  EXPECT_EQ(device.free(), cudaSuccess);
  EXPECT_EQ(pinned.free(), cudaSuccess);
  EXPECT_FALSE(device);
  EXPECT_FALSE(pinned);
  EXPECT_EQ(device.size(), 0u);
  EXPECT_EQ(device.free(), cudaSuccess);  // nothing held: nothing to free
  device.allocate(10);                    // and usable again
  EXPECT_TRUE(device);
}

TEST(CudaResources, StreamsAndEventsOrderWork) {
  SKIP_WITHOUT_GPU();
  CUDA_CHECK(cudaSetDevice(0));
  CudaStream stream(cudaStreamNonBlocking);
  ASSERT_TRUE(stream);
  CudaEvent done(cudaEventDisableTiming);
  ASSERT_TRUE(done);
  DeviceBuffer<uint32_t> device(4096);
  PinnedBuffer<uint32_t> host(4096);
  CUDA_CHECK(cudaMemsetAsync(device.get(), 0xAB, device.bytes(), stream.get()));
  CUDA_CHECK(cudaMemcpyAsync(host.get(), device.get(), device.bytes(), cudaMemcpyDeviceToHost,
                             stream.get()));
  CUDA_CHECK(cudaEventRecord(done.get(), stream.get()));
  CUDA_CHECK(cudaEventSynchronize(done.get()));
  for (size_t i = 0; i < host.size(); ++i) ASSERT_EQ(host.get()[i], 0xABABABABu) << i;
  CudaStream other(std::move(stream));
  EXPECT_FALSE(stream);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(other);
}

}  // namespace
}  // namespace barcode::gpu

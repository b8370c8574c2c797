// NCCL sums for the movie palette (see nccl_reducer.h).
//
// A failure that only one rank sees must not leave the others waiting in a collective. The
// constructor therefore shares every rank's local set-up verdict over MPI before the collective
// ncclCommInitRank. Once the communicator exists, a CUDA or NCCL failure on one rank can still
// leave the others blocked in ncclAllReduce; the failing rank throws, and its destructor aborts
// the communicator (ncclCommAbort) instead of destroying it, as NCCL asks after errors.
//
// The communicator, the stream and the buffer are owners (NcclComm below, gpu/cuda_resources.h)
// that State declares so that they are released in NCCL's order: communicator, buffer, stream,
// with the reducer's device current, the caller's restored last.
#include "gpu/nccl_reducer.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/mpi_env.h"
#include "base/stage_mark.h"
#include "cuda_check.h"
#include "gpu/cuda_resources.h"

namespace barcode::gpu {
namespace {

// An NCCL communicator, destroyed with its owner, or aborted once abort_on_release() was called
// (after a failed CUDA or NCCL call, as NCCL asks). Errors while releasing are ignored, as in
// cuda_resources.h.
class NcclComm {
 public:
  NcclComm() = default;
  ~NcclComm() {
    if (comm_ != nullptr) static_cast<void>(abort_ ? ncclCommAbort(comm_) : ncclCommDestroy(comm_));
  }
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  ncclComm_t get() const { return comm_; }
  ncclComm_t* out() { return &comm_; }  // for ncclCommInitRank to fill in
  void abort_on_release() { abort_ = true; }

 private:
  ncclComm_t comm_ = nullptr;
  bool abort_ = false;
};

// Makes `previous` the current device again when destroyed (nothing when it is -1).
struct RestoreDevice {
  int previous = -1;
  RestoreDevice() = default;
  ~RestoreDevice() {
    if (previous >= 0) static_cast<void>(cudaSetDevice(previous));
  }
  RestoreDevice(const RestoreDevice&) = delete;
  RestoreDevice& operator=(const RestoreDevice&) = delete;
};

}  // namespace

struct NcclSumReducer::State {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  int device = -1;
  // Members are destroyed in reverse order: the owners below, then the caller's device restored.
  RestoreDevice restore_device;  // set by ~State, which makes `device` current for the owners
  CudaStream stream;
  DeviceBuffer<int64_t> buffer;  // the sums on the device, grown as needed
  NcclComm nccl;
  // ncclCommInitRank runs here (about a second of bootstrap) while the job decodes; the first
  // sum waits for it.
  std::thread joining;
  ncclResult_t join_result = ncclSuccess;
  std::string join_error;  // a CUDA failure of the joining thread

  // Waits for the joining thread and shares the verdict over MPI (the caller is the main
  // thread of every rank, in the first sum), so that no rank enters an NCCL all-reduce that a
  // rank which failed to join will never join. Throws when any rank failed.
  void wait_joined() {
    if (!joining.joinable()) return;
    joining.join();
    const int mine = join_error.empty() && join_result == ncclSuccess ? 0 : 1;
    int failures = 0;
    mpi_check(MPI_Allreduce(&mine, &failures, 1, MPI_INT, MPI_SUM, comm),
              "MPI_Allreduce(NCCL join verdict)");
    if (!join_error.empty()) fail(join_error);
    check_nccl(join_result, "ncclCommInitRank");
    if (failures != 0) fail(std::to_string(failures) + " other rank(s) could not join NCCL");
  }

  class DeviceScope;

  ~State();

  std::string where() const {
    return "NCCL sums on MPI rank " + std::to_string(rank) + ", GPU " + std::to_string(device);
  }
  [[noreturn]] void fail(const std::string& cause) {
    nccl.abort_on_release();
    throw Error(where() + ": " + cause);
  }
  // Runs `make` (an owner's constructor or allocate(), which throw cuda_check's error) so that
  // its failure names the rank, as check_cuda's do.
  template <typename Make>
  void checked(Make&& make) {
    try {
      make();
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  // Turns cuda_check's error (call, place, device, CUDA's description) into one naming the rank.
  void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
    if (status == cudaSuccess) return;
    try {
      cuda_check(status, call, file, line);
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  void check_nccl(ncclResult_t result, const char* call) {
    if (result == ncclSuccess) return;
    std::string cause = std::string("NCCL error in ") + call + ": " + ncclGetErrorString(result);
    const char* detail = ncclGetLastError(nccl.get());
    if (detail != nullptr && detail[0] != '\0') cause += " (" + std::string(detail) + ")";
    fail(cause);
  }
};

#define STATE_CUDA(state, call) (state).check_cuda((call), #call, __FILE__, __LINE__)
#define STATE_NCCL(state, call) (state).check_nccl((call), #call)

// Makes the reducer's device current for a scope and restores the caller's device afterwards, so
// the reducer does not disturb other CUDA work of the same thread.
class NcclSumReducer::State::DeviceScope {
 public:
  explicit DeviceScope(State& state) : device_(state.device) {
    STATE_CUDA(state, cudaGetDevice(&previous_));
    if (previous_ != device_) STATE_CUDA(state, cudaSetDevice(device_));
  }
  ~DeviceScope() {
    if (previous_ >= 0 && previous_ != device_) static_cast<void>(cudaSetDevice(previous_));
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int device_;
  int previous_ = -1;
};

NcclSumReducer::State::~State() {
  // Best effort and silent: a destructor cannot report, and the error that led here (if any) has
  // been thrown already. Joining completes on every rank that started it (all ranks did, in the
  // constructor), so waiting for it cannot hang on its own. The owners are released after this
  // body, with `device` current; restore_device then gives the caller's device back.
  if (joining.joinable()) joining.join();
  int previous = -1;
  if (cudaGetDevice(&previous) == cudaSuccess && previous != device) {
    restore_device.previous = previous;
  }
  if (device >= 0) static_cast<void>(cudaSetDevice(device));
}

NcclSumReducer::NcclSumReducer(MPI_Comm comm, int device) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.comm = comm;
  s.device = device;
  mpi_check(MPI_Comm_rank(comm, &s.rank), "MPI_Comm_rank(NCCL sums)");
  mpi_check(MPI_Comm_size(comm, &s.size), "MPI_Comm_size(NCCL sums)");

  // Local set-up (and rank 0's unique id), then agreement, so that no rank enters the collective
  // ncclCommInitRank while another has already given up.
  ncclUniqueId id;
  std::memset(&id, 0, sizeof id);
  std::string local_error;
  try {
    if (device < 0) s.fail("no GPU given (device " + std::to_string(device) + ")");
    State::DeviceScope scope(s);
    s.checked([&s] { s.stream = CudaStream(cudaStreamNonBlocking); });
    if (s.rank == 0) STATE_NCCL(s, ncclGetUniqueId(&id));
  } catch (const Error& e) {
    local_error = e.what();
  }
  const int my_failure = local_error.empty() ? 0 : 1;
  int failures = 0;
  mpi_check(MPI_Allreduce(&my_failure, &failures, 1, MPI_INT, MPI_SUM, comm),
            "MPI_Allreduce(NCCL set-up verdict)");
  if (my_failure != 0) throw Error(local_error);
  if (failures != 0) {
    throw Error(s.where() + ": " + std::to_string(failures) +
                " other rank(s) could not set up their GPU");
  }

  mpi_check(MPI_Bcast(&id, static_cast<int>(sizeof id), MPI_BYTE, 0, comm),
            "MPI_Bcast(NCCL unique id)");
  // Since NCCL 2.22 the connections between ranks are made at the first all-reduce, which is
  // the movie palette's, after decoding: 0.4 s of a two-GPU job's palette against 0.15 s with
  // one GPU. Made in ncclCommInitRank instead, they are set up in the background join too. A
  // user's own setting wins (no overwrite); set before the first communicator, which reads it.
  setenv("NCCL_RUNTIME_CONNECT", "0", 0);
  // NCCL's own bootstrap (sockets, not MPI) in the background: see State::joining.
  s.joining = std::thread([&s, id] {
    const cudaError_t status = cudaSetDevice(s.device);
    if (status != cudaSuccess) {
      s.join_error =
          std::string("cudaSetDevice before ncclCommInitRank: ") + cudaGetErrorString(status);
      return;
    }
    s.join_result = ncclCommInitRank(s.nccl.out(), s.size, id, s.rank);
  });
}

NcclSumReducer::~NcclSumReducer() = default;

void NcclSumReducer::allreduce_sum(int64_t* data, size_t n) {
  if (n == 0) return;
  const StageMark range("palette");
  State& s = *state_;
  s.wait_joined();
  State::DeviceScope scope(s);
  if (n > s.buffer.size()) {
    STATE_CUDA(s, s.buffer.free());
    s.checked([&s, n] { s.buffer.allocate(n); });
  }
  int64_t* sums = s.buffer.get();
  const cudaStream_t stream = s.stream.get();
  const size_t bytes = n * sizeof(int64_t);
  STATE_CUDA(s, cudaMemcpyAsync(sums, data, bytes, cudaMemcpyHostToDevice, stream));
  STATE_NCCL(s, ncclAllReduce(sums, sums, n, ncclInt64, ncclSum, s.nccl.get(), stream));
  STATE_CUDA(s, cudaMemcpyAsync(data, sums, bytes, cudaMemcpyDeviceToHost, stream));
  STATE_CUDA(s, cudaStreamSynchronize(stream));
}

bool NcclSumReducer::nccl_usable(MPI_Comm comm, int device) {
  // One fixed-size record per rank, zero-filled so that every byte gathered is defined.
  struct GpuRecord {
    char host[MPI_MAX_PROCESSOR_NAME];
    char bus_id[64];
    int present;
  };
  GpuRecord mine;
  std::memset(&mine, 0, sizeof mine);
  int length = 0;
  mpi_check(MPI_Get_processor_name(mine.host, &length), "MPI_Get_processor_name");
  int count = 0;
  if (device >= 0 && cudaGetDeviceCount(&count) == cudaSuccess && device < count &&
      cudaDeviceGetPCIBusId(mine.bus_id, static_cast<int>(sizeof mine.bus_id) - 1, device) ==
          cudaSuccess) {
    mine.present = 1;
  }
  static_cast<void>(cudaGetLastError());  // a failed query must not linger as the last error

  int size = 1;
  mpi_check(MPI_Comm_size(comm, &size), "MPI_Comm_size(NCCL check)");
  std::vector<GpuRecord> all(size);
  mpi_check(MPI_Allgather(&mine, static_cast<int>(sizeof mine), MPI_BYTE, all.data(),
                          static_cast<int>(sizeof mine), MPI_BYTE, comm),
            "MPI_Allgather(GPU of each rank)");
  std::set<std::pair<std::string, std::string>> seen;
  for (const GpuRecord& r : all) {
    if (r.present == 0) return false;
    // Bounded reads: a name that fills its whole field has no final zero.
    const std::string host(r.host, std::find(r.host, r.host + sizeof r.host, '\0'));
    const std::string bus(r.bus_id, std::find(r.bus_id, r.bus_id + sizeof r.bus_id, '\0'));
    if (!seen.emplace(host, bus).second) return false;  // two ranks on one GPU
  }
  return true;
}

}  // namespace barcode::gpu

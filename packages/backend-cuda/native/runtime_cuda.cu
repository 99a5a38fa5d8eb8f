// The CUDA runtime behind abi.h: device 0, one non-blocking stream for every copy and launch, the
// caching allocator over cudaMalloc, pinned staging for reads (the copy is queued in stream order
// on the calling thread; only the wait happens on a worker), and cuBLAS loaded with dlopen.
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "abi.h"
#include "caching_allocator.h"
#include "kernels/kernel_ids.h"
#include "kernels/matmul.h"

namespace {

thread_local std::string last_error;
cudaStream_t stream = nullptr;
int32_t* status_device = nullptr;
std::string device_info;
const char* last_kernel = "none";

std::string mib(size_t bytes) { return std::to_string(bytes) + " bytes"; }

void* device_alloc(size_t bytes) {
  void* p = nullptr;
  if (cudaMalloc(&p, bytes) != cudaSuccess) {
    cudaGetLastError();  // clears the sticky-free allocation error
    return nullptr;
  }
  return p;
}

CachingAllocator& device_memory() {
  static CachingAllocator a(device_alloc, [](void* p) { cudaFree(p); });
  return a;
}

CachingAllocator& pinned_memory() {
  static CachingAllocator a(
      [](size_t bytes) -> void* {
        void* p = nullptr;
        return cudaMallocHost(&p, bytes) == cudaSuccess ? p : nullptr;
      },
      [](void* p) { cudaFreeHost(p); });
  return a;
}
std::mutex pinned_mutex;  // tickets are released on worker threads

struct Ticket {
  void* staging;
  size_t bytes;
  int32_t* status;  // pinned, 4 words
  cudaEvent_t done;
};

int cuda_error(cudaError_t err, const std::string& what) {
  return pj_set_error(static_cast<int>(err), ("cuda: " + what + ": " + cudaGetErrorString(err)).c_str());
}

// ----- cuBLAS through dlopen (no link-time dependency; the headers are not needed either) -----

using cublasHandle_t = void*;
using CreateFn = int (*)(cublasHandle_t*);
using SetStreamFn = int (*)(cublasHandle_t, cudaStream_t);
using SetMathModeFn = int (*)(cublasHandle_t, int);
using SgemmStridedBatchedFn = int (*)(cublasHandle_t, int, int, int, int, int, const float*, const float*, int, long long,
                                      const float*, int, long long, const float*, float*, int, long long, int);
constexpr int kOpN = 0, kOpT = 1, kDefaultMath = 0, kTf32Math = 3;

struct Cublas {
  void* lib = nullptr;
  cublasHandle_t handle = nullptr;
  SetMathModeFn set_math_mode = nullptr;
  SgemmStridedBatchedFn sgemm = nullptr;
  std::string why = "not loaded yet";
  bool prefer_own = false;
  int math_mode = 0;
} cublas;

int try_cublas(const char* name) {
  void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 1;
  auto create = reinterpret_cast<CreateFn>(dlsym(lib, "cublasCreate_v2"));
  auto set_stream = reinterpret_cast<SetStreamFn>(dlsym(lib, "cublasSetStream_v2"));
  auto sgemm = reinterpret_cast<SgemmStridedBatchedFn>(dlsym(lib, "cublasSgemmStridedBatched"));
  auto math = reinterpret_cast<SetMathModeFn>(dlsym(lib, "cublasSetMathMode"));
  cublasHandle_t handle = nullptr;
  if (!create || !set_stream || !sgemm || create(&handle) != 0 || set_stream(handle, stream) != 0) {
    cublas.why = std::string(name) + " lacks the needed symbols or would not start";
    dlclose(lib);
    return 1;
  }
  cublas.lib = lib;
  cublas.handle = handle;
  cublas.sgemm = sgemm;
  cublas.set_math_mode = math;
  cublas.why = std::string("loaded ") + name;
  if (math) math(handle, cublas.math_mode ? kTf32Math : kDefaultMath);
  return 0;
}

/** One stride for every batch of a batch layout (a batch layout that is a single arithmetic run). */
bool single_stride(const PjLayout& l, long long& stride) {
  stride = 0;
  if (l.rank == 0 || l.size <= 1) return true;
  int64_t expected = l.strides[l.rank - 1];
  for (int d = l.rank - 1; d >= 0; d--) {
    if (l.strides[d] != expected && l.shape[d] != 1) return false;
    expected *= l.shape[d];
  }
  stride = l.strides[l.rank - 1];
  return true;
}

/** The column-major operand cuBLAS sees for a row-major one with strides (row, col): its op and ld. */
bool operand(int64_t row, int64_t col, int64_t rows, int64_t cols, int& op, int& ld) {
  if (col == 1 && row >= (cols > 1 ? cols : 1)) {
    op = kOpN;
    ld = static_cast<int>(row > 0 ? row : 1);
    return true;
  }
  if (row == 1 && col >= (rows > 1 ? rows : 1)) {
    op = kOpT;
    ld = static_cast<int>(col > 0 ? col : 1);
    return true;
  }
  return false;
}

}  // namespace

cudaStream_t pj_stream() { return stream; }

int pj_set_error(int code, const char* message) {
  last_error = message;
  return code;
}

/** C = A·B row-major is Cᵀ = Bᵀ·Aᵀ column-major: cuBLAS gets (n, m, k) with B first. */
int pj_matmul_vendor(const PjMatmul& g, const float* A, const float* B, float* C) {
  if (!cublas.handle || cublas.prefer_own) return 1;
  if (g.m > INT32_MAX || g.n > INT32_MAX || g.k > INT32_MAX || g.batches > INT32_MAX) return 1;
  long long sa, sb;
  if (!single_stride(g.a_batch, sa) || !single_stride(g.b_batch, sb)) return 1;
  int op_a, lda, op_b, ldb;
  if (!operand(g.b_row, g.b_col, g.k, g.n, op_b, ldb) || !operand(g.a_row, g.a_col, g.m, g.k, op_a, lda)) return 1;
  const float one = 1.0f, zero = 0.0f;
  const int status = cublas.sgemm(cublas.handle, op_b, op_a, static_cast<int>(g.n), static_cast<int>(g.m), static_cast<int>(g.k), &one,
                                  B + g.b_batch.offset, ldb, sb, A + g.a_batch.offset, lda, sa, &zero, C + g.out_offset,
                                  static_cast<int>(g.n), g.m * g.n, static_cast<int>(g.batches));
  return status == 0 ? 0 : 1;
}

extern "C" {

int pj_init(void) {
  if (stream) return 0;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return pj_set_error(1, (std::string("cuda: no CUDA device: ") + cudaGetErrorString(err)).c_str());
  }
  if (count == 0) return pj_set_error(1, "cuda: no CUDA device: the driver reports none");
  cudaDeviceProp prop{};
  if ((err = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess) return cuda_error(err, "no CUDA device: cannot query device 0");
  if (prop.major < 8) {
    return pj_set_error(1, (std::string("cuda: no CUDA device: ") + prop.name + " has compute capability " + std::to_string(prop.major) + "." +
                            std::to_string(prop.minor) + "; this build needs 8.0 or newer")
                               .c_str());
  }
  if ((err = cudaSetDevice(0)) != cudaSuccess) return cuda_error(err, "no CUDA device: cannot use device 0");
  if ((err = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking)) != cudaSuccess) return cuda_error(err, "cannot create a stream");
  if ((err = cudaMalloc(&status_device, 16)) != cudaSuccess) return cuda_error(err, "cannot allocate the status words");
  cudaMemsetAsync(status_device, 0, 16, stream);
  device_info = std::string(prop.name) + ", compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) + ", " +
                std::to_string(prop.totalGlobalMem >> 20) + " MiB";
  const char* path = std::getenv("PEFTJS_CUBLAS_PATH");
  if (!(path && try_cublas(path) == 0)) {
    const char* names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so", "/usr/local/cuda/lib64/libcublas.so"};
    bool loaded = false;
    for (const char* name : names) loaded = loaded || try_cublas(name) == 0;
    if (!loaded && cublas.why == "not loaded yet") cublas.why = "no libcublas found (set PEFTJS_CUBLAS_PATH)";
  }
  return 0;
}

const char* pj_last_error(void) { return last_error.c_str(); }
const char* pj_device_info(void) { return device_info.c_str(); }
int pj_is_emulated(void) { return 0; }

int pj_alloc(size_t bytes, void** out) {
  *out = nullptr;
  if (bytes == 0) return 0;
  *out = device_memory().allocate(bytes);
  if (*out) return 0;
  size_t free_bytes = 0, total = 0;
  cudaMemGetInfo(&free_bytes, &total);
  return pj_set_error(2, ("cuda: out of memory: requested " + mib(CachingAllocator::round(bytes)) + ", " + mib(free_bytes) + " free of " +
                          mib(total) + " (" + mib(device_memory().used()) + " held by live tensors)")
                             .c_str());
}

void pj_free(void* ptr) {
  if (ptr) device_memory().release(ptr);
}

void pj_memory(size_t* used, size_t* cached, size_t* blocks) {
  *used = device_memory().used();
  *cached = device_memory().cached();
  *blocks = device_memory().blocks();
}

void pj_empty_cache(void) {
  cudaStreamSynchronize(stream);
  device_memory().empty();
}

int pj_upload(void* dst, const void* src, size_t bytes) {
  if (!bytes) return 0;
  // from pageable memory: returns once the bytes are staged, so the caller may reuse them
  cudaError_t err = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream);
  return err == cudaSuccess ? 0 : cuda_error(err, "upload of " + mib(bytes));
}

int pj_read_begin(const void* src, size_t bytes, int32_t*, void** out) {
  auto* t = new Ticket{nullptr, bytes, nullptr, nullptr};
  {
    std::lock_guard<std::mutex> lock(pinned_mutex);
    t->staging = bytes ? pinned_memory().allocate(bytes) : nullptr;
    t->status = static_cast<int32_t*>(pinned_memory().allocate(16));
  }
  cudaError_t err = cudaEventCreateWithFlags(&t->done, cudaEventDisableTiming);
  if (err == cudaSuccess && bytes) err = cudaMemcpyAsync(t->staging, src, bytes, cudaMemcpyDeviceToHost, stream);
  if (err == cudaSuccess) err = cudaMemcpyAsync(t->status, status_device, 16, cudaMemcpyDeviceToHost, stream);
  if (err == cudaSuccess) err = cudaMemsetAsync(status_device, 0, 16, stream);
  if (err == cudaSuccess) err = cudaEventRecord(t->done, stream);
  *out = t;
  return err == cudaSuccess ? 0 : cuda_error(err, std::string("read (a kernel failed; the last launched was ") + last_kernel + ")");
}

int pj_read_wait(void* ticket) {
  cudaError_t err = cudaEventSynchronize(static_cast<Ticket*>(ticket)->done);
  return err == cudaSuccess ? 0 : cuda_error(err, std::string("a kernel failed (the last launched before this read was ") + last_kernel + ")");
}

void pj_read_finish(void* ticket, void* dst, int32_t status[4]) {
  auto* t = static_cast<Ticket*>(ticket);
  if (t->bytes && dst) std::memcpy(dst, t->staging, t->bytes);
  std::memcpy(status, t->status, 16);
  cudaEventDestroy(t->done);
  {
    std::lock_guard<std::mutex> lock(pinned_mutex);
    if (t->staging) pinned_memory().release(t->staging);
    pinned_memory().release(t->status);
  }
  delete t;
}

int pj_launch(int id, const PjArgs* args) {
  if (id < 0 || id >= PJ_KERNEL_COUNT) return pj_set_error(1, "cuda: unknown kernel id");
  PjArgs a = *args;
  a.status = status_device;
  int code = pj_dispatch(id, a);
  if (code) return code;
  last_kernel = pj_kernel_names[id];
  cudaError_t err = cudaGetLastError();
  return err == cudaSuccess ? 0 : cuda_error(err, std::string("kernel ") + pj_kernel_names[id] + " failed");
}

int pj_synchronize(void) {
  cudaError_t err = cudaStreamSynchronize(stream);
  return err == cudaSuccess ? 0 : cuda_error(err, std::string("a kernel failed (the last launched was ") + last_kernel + ")");
}

int32_t* pj_status_buffer(void) { return status_device; }
void pj_status_clear(void) { cudaMemsetAsync(status_device, 0, 16, stream); }

void pj_set_math_mode(int mode) {
  cublas.math_mode = mode;
  if (cublas.set_math_mode) cublas.set_math_mode(cublas.handle, mode ? kTf32Math : kDefaultMath);
}

const char* pj_gemm_provider(void) {
  static thread_local std::string s;
  s = (cublas.handle && !cublas.prefer_own ? "cublas: " : "own: ") + cublas.why;
  return s.c_str();
}

int pj_load_cublas(const char* path) {
  if (cublas.handle) return 0;
  if (try_cublas(path) == 0) return 0;
  return pj_set_error(1, (std::string("cuda: cannot load cuBLAS from ") + path + ": " + (cublas.why)).c_str());
}

void pj_prefer_own_gemm(int own) { cublas.prefer_own = own != 0; }

void pj_shutdown(void) {
  if (!stream) return;
  cudaStreamSynchronize(stream);
  device_memory().empty();
  pinned_memory().empty();
}

}  // extern "C"

// The emulated runtime: "device" memory is host memory, the stream runs each launch to completion
// before returning, and a read is finished when it begins. The kernels and the caching allocator
// are the same code as the CUDA build's.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "abi.h"
#include "caching_allocator.h"
#include "kernels/kernel_ids.h"
#include "kernels/matmul.h"

namespace {

thread_local std::string last_error;
CachingAllocator allocator([](size_t bytes) { return std::aligned_alloc(256, bytes); }, [](void* p) { std::free(p); });
alignas(16) int32_t status_words[4] = {0, 0, 0, 0};

/** The bytes as they were when the read was queued (later launches may overwrite the buffer). */
struct Ticket {
  std::vector<char> data;
  int32_t status[4];
};

}  // namespace

int pj_set_error(int code, const char* message) {
  last_error = message;
  return code;
}

extern "C" {

int pj_init(void) { return 0; }
const char* pj_last_error(void) { return last_error.c_str(); }
const char* pj_device_info(void) { return "emulated CUDA device (host C++, blocks in sequence, threads as fibers)"; }
int pj_is_emulated(void) { return 1; }

int pj_alloc(size_t bytes, void** out) {
  if (bytes == 0) {
    *out = nullptr;
    return 0;
  }
  *out = allocator.allocate(bytes);
  if (!*out) return pj_set_error(2, ("cuda: out of memory: requested " + std::to_string(bytes) + " bytes (emulated device)").c_str());
  return 0;
}

void pj_free(void* ptr) {
  if (ptr) allocator.release(ptr);
}

void pj_memory(size_t* used, size_t* cached, size_t* blocks) {
  *used = allocator.used();
  *cached = allocator.cached();
  *blocks = allocator.blocks();
}

void pj_empty_cache(void) { allocator.empty(); }

int pj_upload(void* dst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
  return 0;
}

int pj_read_begin(const void* src, size_t bytes, int32_t*, void** ticket) {
  auto* t = new Ticket{std::vector<char>(bytes), {0, 0, 0, 0}};
  if (bytes) std::memcpy(t->data.data(), src, bytes);
  std::memcpy(t->status, status_words, sizeof status_words);
  pj_status_clear();
  *ticket = t;
  return 0;
}

int pj_read_wait(void*) { return 0; }

void pj_read_finish(void* ticket, void* dst, int32_t status[4]) {
  auto* t = static_cast<Ticket*>(ticket);
  if (!t->data.empty()) std::memcpy(dst, t->data.data(), t->data.size());
  std::memcpy(status, t->status, sizeof t->status);
  delete t;
}

int pj_launch(int id, const PjArgs* args) {
  if (id < 0 || id >= PJ_KERNEL_COUNT) return pj_set_error(1, "cuda: unknown kernel id");
  PjArgs a = *args;
  a.status = status_words;
  return pj_dispatch(id, a);
}

int pj_synchronize(void) { return 0; }
int32_t* pj_status_buffer(void) { return status_words; }
void pj_status_clear(void) { std::memset(status_words, 0, sizeof status_words); }
void pj_set_math_mode(int) {}
const char* pj_gemm_provider(void) { return "own (emulated build: no cuBLAS)"; }
int pj_load_cublas(const char*) { return pj_set_error(1, "cuda: cuBLAS is not used by the emulated build"); }
void pj_prefer_own_gemm(int) {}
void pj_shutdown(void) { allocator.empty(); }

}  // extern "C"

int pj_matmul_vendor(const PjMatmul&, const float*, const float*, float*) { return 1; }

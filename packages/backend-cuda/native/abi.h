// The C ABI between the N-API layer and a runtime (CUDA, or the host emulation): storage, copies on
// the stream, kernel launches by id, GEMM. Every function returns 0 or an error code and leaves
// the message in pj_last_error().
#pragma once
#include <cstddef>
#include <cstdint>

#include "args.h"

extern "C" {

/** Starts the runtime on device 0: 0, or an error ("cuda: no CUDA device: ..."). */
int pj_init(void);
const char* pj_last_error(void);
/** A description of the device (name, compute capability, memory) for `info()`. */
const char* pj_device_info(void);
/** Whether the build runs kernels on the host (emulated) rather than on a GPU. */
int pj_is_emulated(void);

/** Stream-ordered allocation from the caching allocator; *out is null for 0 bytes. */
int pj_alloc(size_t bytes, void** out);
void pj_free(void* ptr);
/** Bytes in live blocks, bytes held by the cache, and the count of live blocks. */
void pj_memory(size_t* used, size_t* cached, size_t* blocks);
/** Returns the cached blocks to the device. */
void pj_empty_cache(void);

/** Host to device on the stream; the host memory may be reused as soon as this returns. */
int pj_upload(void* dst, const void* src, size_t bytes);
/** Queues a device to host copy on the stream; the ticket is waited for (on any thread) and then finished. */
int pj_read_begin(const void* src, size_t bytes, int32_t* status, void** ticket);
int pj_read_wait(void* ticket);
/** Copies the bytes and the kernels' status words at the time of the read, and releases the ticket. */
void pj_read_finish(void* ticket, void* dst, int32_t status[4]);

/** Launches kernel `id` (see kernel_ids.h). */
int pj_launch(int id, const PjArgs* args);
/** Waits for all queued work. */
int pj_synchronize(void);

/** The device buffer kernels flag out-of-range indices in (4 int32 words, zero when clean). */
int32_t* pj_status_buffer(void);
void pj_status_clear(void);

/** GEMM math for float32: 0 exact float32, 1 TF32 tensor cores where the GPU has them. */
void pj_set_math_mode(int mode);
/** Which GEMM runs float32 matmuls: "cublas", "own" (from the runtime's probe), plus why. */
const char* pj_gemm_provider(void);
/** Tries to load cuBLAS now (from `path` when given, else the usual names); 0 when loaded. */
int pj_load_cublas(const char* path);
/** Forces the project's GEMM even where cuBLAS loaded (1) or allows cuBLAS again (0). */
void pj_prefer_own_gemm(int own);

void pj_shutdown(void);
}

extern "C" {
/**
 * C = A·B for contiguous row-major A [m, k], B [k, n] and float32 C [m, n]. format: 0 float32,
 * 1 float32 through TF32, 2 bfloat16 operands. path: 0 the fastest own kernel (tensor cores where
 * the GPU and the shape allow), 1 the portable tiled kernel, 2 cuBLAS (float32/TF32; error if absent).
 * Writes the path that ran into *ran.
 */
int pj_gemm(int format, int64_t m, int64_t n, int64_t k, const void* A, const void* B, float* C, int path, int* ran);
}

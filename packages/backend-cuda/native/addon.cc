// The N-API face of the runtime (the same file for the CUDA and the emulated build): buffers are
// small integer handles into a table, so JavaScript never holds a device pointer; kernels launch by
// id with a packed array of layouts and attributes; reads resolve through async work.
#include <napi.h>

#include <string>
#include <vector>

#include "abi.h"
#include "kernels/kernel_ids.h"

namespace {

// meta: per tensor [dtype, rank, offset, shape×8, strides×8], then 16 ints, then 8 floats
constexpr int kTensorWords = 3 + 2 * PJ_MAX_RANK;
constexpr int kIntsAt = PJ_MAX_TENSORS * kTensorWords;
constexpr int kFloatsAt = kIntsAt + PJ_MAX_INTS;
constexpr int kMetaWords = kFloatsAt + PJ_MAX_FLOATS;

std::vector<void*> buffers(1, nullptr);  // handle 0 is "no tensor"
std::vector<uint32_t> free_handles;
bool started = false;

Napi::Error fail(Napi::Env env, const char* fallback = "cuda: unknown error") {
  const char* message = pj_last_error();
  return Napi::Error::New(env, message && *message ? message : fallback);
}

void* buffer_of(Napi::Env env, uint32_t handle) {
  if (handle == 0 || handle >= buffers.size() || buffers[handle] == reinterpret_cast<void*>(1)) {
    throw Napi::Error::New(env, "cuda: buffer handle " + std::to_string(handle) + " is not live");
  }
  return buffers[handle];
}

void require_started(Napi::Env env) {
  if (!started) throw Napi::Error::New(env, "cuda: the runtime was not started (call init first)");
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (pj_init() != 0) throw fail(env);
  started = true;
  Napi::Object out = Napi::Object::New(env);
  out.Set("device", pj_device_info());
  out.Set("emulated", pj_is_emulated() != 0);
  out.Set("gemm", pj_gemm_provider());
  return out;
}

Napi::Value KernelNames(const Napi::CallbackInfo& info) {
  Napi::Array names = Napi::Array::New(info.Env(), PJ_KERNEL_COUNT);
  for (uint32_t i = 0; i < PJ_KERNEL_COUNT; i++) names.Set(i, pj_kernel_names[i]);
  return names;
}

/** alloc(bytes) → handle; a live handle's slot holds the pointer (null for 0 bytes). */
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_started(env);
  const double bytes = info[0].As<Napi::Number>().DoubleValue();
  void* p = nullptr;
  if (pj_alloc(static_cast<size_t>(bytes), &p) != 0) throw fail(env);
  uint32_t handle;
  if (!free_handles.empty()) {
    handle = free_handles.back();
    free_handles.pop_back();
    buffers[handle] = p;
  } else {
    handle = static_cast<uint32_t>(buffers.size());
    buffers.push_back(p);
  }
  return Napi::Number::New(env, handle);
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t handle = info[0].As<Napi::Number>().Uint32Value();
  void* p = buffer_of(env, handle);
  pj_free(p);
  buffers[handle] = reinterpret_cast<void*>(1);  // marks a freed slot
  free_handles.push_back(handle);
  return env.Undefined();
}

/** upload(handle, typedArray): the array's bytes into the buffer, queued on the stream. */
Napi::Value Upload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  void* dst = buffer_of(env, info[0].As<Napi::Number>().Uint32Value());
  Napi::TypedArray array = info[1].As<Napi::TypedArray>();
  const uint8_t* src = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  if (pj_upload(dst, src, array.ByteLength()) != 0) throw fail(env);
  return env.Undefined();
}

/** launch(kernelId, handles: Int32Array(8), meta: Float64Array) */
Napi::Value Launch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_started(env);
  const int id = info[0].As<Napi::Number>().Int32Value();
  Napi::Int32Array handles = info[1].As<Napi::Int32Array>();
  Napi::Float64Array meta = info[2].As<Napi::Float64Array>();
  if (handles.ElementLength() != PJ_MAX_TENSORS || meta.ElementLength() != kMetaWords) {
    throw Napi::Error::New(env, "cuda: launch: malformed arguments");
  }
  PjArgs a{};
  for (int k = 0; k < PJ_MAX_TENSORS; k++) {
    const int32_t h = handles[k];
    a.ptr[k] = h > 0 ? buffer_of(env, static_cast<uint32_t>(h)) : nullptr;
    const double* m = meta.Data() + k * kTensorWords;
    PjLayout& l = a.t[k];
    l.dtype = static_cast<int32_t>(m[0]);
    l.rank = static_cast<int32_t>(m[1]);
    l.offset = static_cast<int64_t>(m[2]);
    if (l.rank < 0 || l.rank > PJ_MAX_RANK) throw Napi::Error::New(env, "cuda: tensors of rank above 8 are not supported");
    l.size = 1;
    for (int d = 0; d < l.rank; d++) {
      l.shape[d] = static_cast<int32_t>(m[3 + d]);
      l.strides[d] = static_cast<int64_t>(m[3 + PJ_MAX_RANK + d]);
      l.size *= l.shape[d];
    }
  }
  for (int j = 0; j < PJ_MAX_INTS; j++) a.i[j] = static_cast<int64_t>(meta[kIntsAt + j]);
  for (int j = 0; j < PJ_MAX_FLOATS; j++) a.f[j] = meta[kFloatsAt + j];
  if (pj_launch(id, &a) != 0) throw fail(env);
  return env.Undefined();
}

class ReadWorker : public Napi::AsyncWorker {
 public:
  ReadWorker(Napi::Env env, void* ticket, size_t bytes)
      : Napi::AsyncWorker(env, "peftjs-cuda-read"), deferred_(Napi::Promise::Deferred::New(env)), ticket_(ticket), bytes_(bytes) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    if (pj_read_wait(ticket_) != 0) SetError(pj_last_error());
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::ArrayBuffer data = Napi::ArrayBuffer::New(env, bytes_);
    Napi::Int32Array status = Napi::Int32Array::New(env, 4);
    pj_read_finish(ticket_, data.Data(), status.Data());
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", data);
    out.Set("status", status);
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override {
    int32_t status[4];
    pj_read_finish(ticket_, nullptr, status);
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  void* ticket_;
  size_t bytes_;
};

/** read(handle, bytes) → Promise<{ data: ArrayBuffer, status: Int32Array }> (status: the kernels' index reports). */
Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  void* src = buffer_of(env, info[0].As<Napi::Number>().Uint32Value());
  const size_t bytes = static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue());
  void* ticket = nullptr;
  if (pj_read_begin(src, bytes, nullptr, &ticket) != 0) {
    if (ticket) {
      int32_t status[4];
      pj_read_finish(ticket, nullptr, status);
    }
    throw fail(env);
  }
  auto* worker = new ReadWorker(env, ticket, bytes);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  size_t used = 0, cached = 0, blocks = 0;
  pj_memory(&used, &cached, &blocks);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("usedBytes", static_cast<double>(used));
  out.Set("cachedBytes", static_cast<double>(cached));
  out.Set("blocks", static_cast<double>(blocks));
  return out;
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  pj_empty_cache();
  return info.Env().Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  if (pj_synchronize() != 0) throw fail(info.Env());
  return info.Env().Undefined();
}

Napi::Value SetMathMode(const Napi::CallbackInfo& info) {
  pj_set_math_mode(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value GemmProvider(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), pj_gemm_provider()); }

Napi::Value LoadCublas(const Napi::CallbackInfo& info) {
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (pj_load_cublas(path.c_str()) != 0) throw fail(info.Env());
  return info.Env().Undefined();
}

Napi::Value PreferOwnGemm(const Napi::CallbackInfo& info) {
  pj_prefer_own_gemm(info[0].As<Napi::Boolean>().Value() ? 1 : 0);
  return info.Env().Undefined();
}

/**
 * gemm(format, m, n, k, a, b, c, path) → the path that ran (0 tensor cores, 1 portable tiles,
 * 2 cuBLAS): C = A·B on contiguous row-major buffers (see pj_gemm in abi.h).
 */
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_started(env);
  auto num = [&](int i) { return static_cast<int64_t>(info[i].As<Napi::Number>().DoubleValue()); };
  int ran = -1;
  const int code = pj_gemm(static_cast<int>(num(0)), num(1), num(2), num(3), buffer_of(env, static_cast<uint32_t>(num(4))),
                           buffer_of(env, static_cast<uint32_t>(num(5))), static_cast<float*>(buffer_of(env, static_cast<uint32_t>(num(6)))),
                           static_cast<int>(num(7)), &ran);
  if (code != 0) throw fail(env);
  return Napi::Number::New(env, ran);
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("kernelNames", Napi::Function::New(env, KernelNames));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("upload", Napi::Function::New(env, Upload));
  exports.Set("launch", Napi::Function::New(env, Launch));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("memory", Napi::Function::New(env, Memory));
  exports.Set("emptyCache", Napi::Function::New(env, EmptyCache));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize));
  exports.Set("setMathMode", Napi::Function::New(env, SetMathMode));
  exports.Set("gemmProvider", Napi::Function::New(env, GemmProvider));
  exports.Set("loadCublas", Napi::Function::New(env, LoadCublas));
  exports.Set("preferOwnGemm", Napi::Function::New(env, PreferOwnGemm));
  exports.Set("emulated", Napi::Boolean::New(env, pj_is_emulated() != 0));
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Module)

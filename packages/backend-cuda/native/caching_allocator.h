// A caching allocator over a raw allocate/release pair (device memory, or host memory in the
// emulated build). Freed blocks go back to a size-ordered cache and are handed out again without
// a call to the device; all work runs on one stream, so a block freed after the kernels that use
// it were queued can serve the next request at once (stream order keeps them apart).
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <unordered_map>

class CachingAllocator {
 public:
  using RawAlloc = std::function<void*(size_t)>;  // nullptr when out of memory
  using RawFree = std::function<void(void*)>;

  CachingAllocator(RawAlloc alloc, RawFree release) : alloc_(std::move(alloc)), release_(std::move(release)) {}

  /** Rounded up: 512 bytes under 1 MiB, 1 MiB above, so freed blocks fit later requests. */
  static size_t round(size_t bytes) {
    const size_t unit = bytes < (size_t{1} << 20) ? 512 : (size_t{1} << 20);
    return (bytes + unit - 1) / unit * unit;
  }

  /** A block of at least `bytes`, or nullptr when even an emptied cache cannot make room. */
  void* allocate(size_t bytes) {
    const size_t size = round(bytes == 0 ? 1 : bytes);
    auto it = cache_.lower_bound(size);
    // a cached block at most twice the request, so a small tensor never pins a huge block
    if (it != cache_.end() && it->first <= size * 2) {
      void* p = it->second;
      cached_ -= it->first;
      live_[p] = it->first;
      used_ += it->first;
      cache_.erase(it);
      return p;
    }
    void* p = alloc_(size);
    if (!p) {
      empty();
      p = alloc_(size);
      if (!p) return nullptr;
    }
    live_[p] = size;
    used_ += size;
    return p;
  }

  /** false when `p` is not a live block of this allocator. */
  bool release(void* p) {
    auto it = live_.find(p);
    if (it == live_.end()) return false;
    used_ -= it->second;
    cached_ += it->second;
    cache_.emplace(it->second, p);
    live_.erase(it);
    return true;
  }

  void empty() {
    for (auto& [size, p] : cache_) release_(p);
    cache_.clear();
    cached_ = 0;
  }

  size_t used() const { return used_; }
  size_t cached() const { return cached_; }
  size_t blocks() const { return live_.size(); }

 private:
  RawAlloc alloc_;
  RawFree release_;
  std::multimap<size_t, void*> cache_;
  std::unordered_map<void*, size_t> live_;
  size_t used_ = 0;
  size_t cached_ = 0;
};

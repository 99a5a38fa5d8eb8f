// The scheduler behind cuda_emu.h: a block's threads are fibers with their own stacks, run round
// robin; a fiber gives the CPU back only at a barrier or when it returns. A barrier is a counter
// and a generation: the last thread to arrive opens it, the others yield until the generation moves.
#include "cuda_emu.h"

#include <sys/mman.h>

#include <stdexcept>
#include <string>
#include <vector>

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

#if defined(__x86_64__)
// switch_stack(from, to): saves the callee-saved registers and the FP control words on the current
// stack, stores the stack pointer in *from and resumes the context whose stack pointer is `to`.
extern "C" void emu_switch_stack(void** from, void* to);
asm(R"(
  .text
  .globl emu_switch_stack
  .type emu_switch_stack, @function
emu_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size emu_switch_stack, .-emu_switch_stack
  .section .note.GNU-stack,"",@progbits
  .text
)");
#define EMU_ASM_SWITCH 1
#else
#include <ucontext.h>
#endif

namespace emu {
namespace {

constexpr size_t kStackBytes = 256 * 1024;

struct Barrier {
  unsigned arrived = 0;
  unsigned live = 0;
  unsigned generation = 0;
};

struct Fiber {
  void* stack = nullptr;
#ifdef EMU_ASM_SWITCH
  void* sp = nullptr;
#else
  ucontext_t context;
#endif
  uint3 tid{0, 0, 0};
  int linear = 0;
  bool done = false;
  uint64_t slot = 0;  // shuffle exchange
};

struct Scheduler {
  std::vector<Fiber> fibers;
  std::vector<Barrier> warps;
  Barrier block;
  const std::function<void()>* body = nullptr;
  int current = -1;
#ifdef EMU_ASM_SWITCH
  void* main_sp = nullptr;
#else
  ucontext_t main_context;
#endif
  bool running = false;
};

thread_local Scheduler sched;

Fiber& self() { return sched.fibers[sched.current]; }

void to_scheduler() {
  Fiber& f = self();
#ifdef EMU_ASM_SWITCH
  emu_switch_stack(&f.sp, sched.main_sp);
#else
  swapcontext(&f.context, &sched.main_context);
#endif
}

void wait_at(Barrier& b) {
  unsigned generation = b.generation;
  if (++b.arrived >= b.live) {
    b.arrived = 0;
    b.generation++;
    return;
  }
  while (b.generation == generation) to_scheduler();
}

void leave(Barrier& b) {
  b.live--;
  if (b.arrived > 0 && b.arrived >= b.live) {
    b.arrived = 0;
    b.generation++;
  }
}

[[noreturn]] void fiber_main() {
  for (;;) {
    (*sched.body)();
    Fiber& f = self();
    f.done = true;
    leave(sched.block);
    leave(sched.warps[f.linear / kWarpSize]);
    to_scheduler();  // never resumed: the next block starts the fiber afresh
  }
}

#ifndef EMU_ASM_SWITCH
void fiber_entry_ucontext() { fiber_main(); }
#endif

void start_fiber(Fiber& f) {
  if (!f.stack) {
    void* p = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("emulated launch: cannot map a fiber stack");
    f.stack = p;
  }
#ifdef EMU_ASM_SWITCH
  // The frame emu_switch_stack pops: FP control words, r15..r12, rbx, rbp, then the return address.
  auto* top = reinterpret_cast<uintptr_t*>(static_cast<char*>(f.stack) + kStackBytes);
  top -= 3;  // the return-address slot 16-byte aligned, so fiber_main starts with rsp ≡ 8 (mod 16), as after a call
  uintptr_t* sp = top - 8;
  uint32_t control[2] = {0x1F80, 0x037F};  // default MXCSR and x87 control word
  std::memcpy(&sp[0], control, 8);
  for (int r = 1; r <= 6; r++) sp[r] = 0;
  sp[7] = reinterpret_cast<uintptr_t>(&fiber_main);
  f.sp = sp;
#else
  getcontext(&f.context);
  f.context.uc_stack.ss_sp = f.stack;
  f.context.uc_stack.ss_size = kStackBytes;
  f.context.uc_link = nullptr;
  makecontext(&f.context, fiber_entry_ucontext, 0);
#endif
}

void resume(int index) {
  sched.current = index;
  Fiber& f = sched.fibers[index];
  threadIdx = f.tid;
#ifdef EMU_ASM_SWITCH
  emu_switch_stack(&sched.main_sp, f.sp);
#else
  swapcontext(&sched.main_context, &f.context);
#endif
}

}  // namespace

void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
  if (sched.running) throw std::runtime_error("emulated launch: a kernel launched from inside a kernel");
  const unsigned threads = block.x * block.y * block.z;
  if (threads == 0 || threads > 1024) {
    throw std::runtime_error("emulated launch: invalid block of " + std::to_string(threads) + " threads");
  }
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;
  if (sched.fibers.size() < threads) sched.fibers.resize(threads);
  sched.warps.assign((threads + kWarpSize - 1) / kWarpSize, Barrier{});
  sched.body = &body;
  sched.running = true;
  gridDim = grid;
  blockDim = block;
  for (unsigned bz = 0; bz < grid.z; bz++) {
    for (unsigned by = 0; by < grid.y; by++) {
      for (unsigned bx = 0; bx < grid.x; bx++) {
        blockIdx = uint3{bx, by, bz};
        sched.block = Barrier{0, threads, 0};
        for (unsigned w = 0; w < sched.warps.size(); w++) {
          unsigned first = w * kWarpSize;
          sched.warps[w] = Barrier{0, std::min<unsigned>(kWarpSize, threads - first), 0};
        }
        for (unsigned t = 0; t < threads; t++) {
          Fiber& f = sched.fibers[t];
          f.tid = uint3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
          f.linear = static_cast<int>(t);
          f.done = false;
          start_fiber(f);
        }
        unsigned remaining = threads;
        while (remaining > 0) {
          remaining = 0;
          for (unsigned t = 0; t < threads; t++) {
            if (sched.fibers[t].done) continue;
            resume(static_cast<int>(t));
            if (!sched.fibers[t].done) remaining++;
          }
        }
      }
    }
  }
  sched.running = false;
  sched.current = -1;
}

void syncthreads() { wait_at(sched.block); }

void syncwarp() { wait_at(sched.warps[self().linear / kWarpSize]); }

int lane() { return self().linear % kWarpSize; }

uint64_t exchange(uint64_t value, int src) {
  Fiber& f = self();
  const int base = f.linear - f.linear % kWarpSize;
  f.slot = value;
  syncwarp();
  uint64_t out = sched.fibers[base + src].slot;
  syncwarp();
  return out;
}

}  // namespace emu

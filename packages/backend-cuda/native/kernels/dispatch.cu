// pj_launch's table: kernel id to host launcher.
#include "kernel_ids.h"

const char* const pj_kernel_names[PJ_KERNEL_COUNT] = {
#define PJ_NAME(name) #name,
    PJ_KERNELS(PJ_NAME)
#undef PJ_NAME
};

int pj_dispatch(int id, const PjArgs& a) {
  switch (id) {
#define PJ_CASE(name) \
  case PJ_K_##name:   \
    return pj_launch_##name(a);
    PJ_KERNELS(PJ_CASE)
#undef PJ_CASE
    default:
      return pj_set_error(1, "cuda: unknown kernel id");
  }
}

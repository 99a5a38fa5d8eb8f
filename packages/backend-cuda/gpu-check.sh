#!/usr/bin/env bash
# The CUDA backend's checks on a GPU machine in one call: the conformance suite on the real GPU
# (then on the emulated build, as a cross-check of the same kernels) and `bench cuda`.
#
# Prepare on a machine with Node and nvcc, from the repository root:
#   npm ci && npx turbo run build --filter=@peftjs/backend-cuda... --filter=@peftjs/bench...
#   node packages/backend-cuda/scripts/bundle-gpu-check.mjs
# then copy the repository with packages/backend-cuda/build/{Release,gpu} to the GPU machine and run
#   bash packages/backend-cuda/gpu-check.sh
# It needs the NVIDIA driver and a node binary on PATH there (the bundles need no node_modules);
# the bench also needs PyTorch with CUDA, transformers and peft.
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null || { echo "gpu-check: no node on PATH (copy a Node 20 binary to the machine)"; exit 2; }
nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader || echo "gpu-check: nvidia-smi failed"
export PEFTJS_CUDA_ADDON_DIR=$PWD/packages/backend-cuda/build/Release
export PEFTJS_GOLDEN_DIR=$PWD/packages/conformance/golden
status=0
echo "== conformance (cuda, then cuda-emulated)"
timeout 420 node packages/backend-cuda/build/gpu/conformance.mjs --emulated 2>&1 | grep -vE '^(ok|pass) ' | tail -80 || status=1
echo "== bench cuda"
(cd bench && timeout 300 node ../packages/backend-cuda/build/gpu/bench.mjs cuda "$@") 2>&1 | tail -60 || status=1
exit $status

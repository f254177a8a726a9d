#!/usr/bin/env bash
# Everything whittle needs on a fresh Debian/Ubuntu machine: system packages (only those missing), npm packages,
# the native addon (built against the libtorch found; cached) and the TypeScript build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
pkgs=()
# libtorch: keep one the user chose (LIBTORCH, or a Python torch) if find-libtorch sees it; else Debian's.
node scripts/find-libtorch.mjs >/dev/null 2>&1 || pkgs+=(libtorch-dev)
# OpenBLAS with pthreads: Debian's libtorch is ~25x slower on the reference BLAS.
# libgloo-dev: the Gloo headers that libtorch's c10d headers include (distributed training; the library is libtorch's).
for p in libopenblas0-pthread libgloo-dev dataset-fashion-mnist; do
  dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
done
if [ "${WHITTLE_WITH_PYTORCH:-0}" = 1 ]; then
  # Only for regenerating fixtures and running the PyTorch peers in bench/.
  for p in python3-torch python3-torchvision; do dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p"); done
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "whittle setup: installing ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi
npm run --silent build

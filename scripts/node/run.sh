#!/usr/bin/env bash
# dist-gpu/run.sh OUT_DIR [--quick] [kernels|train-step|embed|profile|counts …]
#
# The benchmarks on whatever Vulkan GPU this Linux x64 machine has, without a browser and
# without anything installed (not even Node): unpacks this folder's Node binary, dawn.node
# (WebGPU for Node), the bundled engine + suites + peers (bench.mjs) into a temp directory,
# finds a Vulkan loader and ICD, runs every suite (default: all five) one process each, and
# writes into OUT_DIR: <suite>[-quick].json, summary.txt (every table), run.log, status.txt.
#
# Vulkan loader: the system's libvulkan.so.1 when ldconfig knows one, else the libvulkan1
#   .deb carried here, unpacked with dpkg-deb -x (or ar + tar) into the temp directory
#   (DISCERN_BUNDLED_VULKAN=1 forces the .deb; the bundle test uses it).
# ICD (first match): $VK_ICD_FILENAMES as given; NVIDIA's nvidia_icd.json under
#   /usr/share/vulkan/icd.d, /usr/local/nvidia/share/vulkan/icd.d or /etc/vulkan/icd.d;
#   else the SwiftShader ICD carried here (a CPU "GPU": figures are then SwiftShader's).
# Exit: 0 when every suite exited 0; 1 otherwise (status.txt lists each suite's code:
#   1 failure, 2 usage, 3 implementations disagree / pool grows).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { echo "usage: $0 OUT_DIR [--quick] [kernels|train-step|embed|profile|counts …]" >&2; exit 2; }
[ $# -ge 1 ] || usage
case "$1" in -*) usage;; esac
OUT="$1"; shift
QUICK=""; SUITES=()
for a in "$@"; do
  case "$a" in
    --quick) QUICK=--quick;;
    kernels|train-step|embed|profile|counts) SUITES+=("$a");;
    *) usage;;
  esac
done
[ ${#SUITES[@]} -gt 0 ] || SUITES=(kernels train-step embed profile counts)
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)" || { echo "run.sh: cannot create $OUT" >&2; exit 1; }
: > "$OUT/status.txt"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/discern-gpu.XXXXXX")" || exit 1
NODE_PID=""
cleanup() { [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 143' TERM HUP
trap 'exit 130' INT # a stopped run.sh takes its running suite with it (EXIT trap)
say() { echo "[run.sh] $*" | tee -a "$OUT/run.log" >&2; }
die() { say "FAILED: $*"; echo "run.sh: FAILED: $*" >> "$OUT/summary.txt"; exit 1; }

say "unpacking $HERE into $WORK"
gzip -dc "$HERE/node.gz" > "$WORK/node" && chmod +x "$WORK/node" || die "cannot unpack node.gz (gzip missing?)"
mkdir -p "$WORK/app" && cp "$HERE/bench.mjs" "$WORK/app/" || die "cannot copy bench.mjs"
gzip -dc "$HERE/ort-wasm-simd-threaded.jsep.wasm.gz" > "$WORK/app/ort-wasm-simd-threaded.jsep.wasm" || die "cannot unpack the onnxruntime wasm"
gzip -dc "$HERE/dawn.node.gz" > "$WORK/dawn.node" || die "cannot unpack dawn.node.gz"

if [ "${DISCERN_BUNDLED_VULKAN:-0}" != 1 ] && ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  VULKAN="system libvulkan.so.1"
else
  DEB="$(ls "$HERE"/libvulkan1_*.deb 2>/dev/null | head -1)"
  [ -n "$DEB" ] || die "no libvulkan.so.1 on this machine and no libvulkan1 .deb in $HERE"
  mkdir -p "$WORK/vulkan"
  if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$DEB" "$WORK/vulkan" || die "dpkg-deb -x $DEB failed"
  else (cd "$WORK/vulkan" && ar x "$DEB" && tar -xf data.tar.* ) || die "cannot unpack $DEB (no dpkg-deb; ar/tar failed)"
  fi
  LIBDIR="$(dirname "$(find "$WORK/vulkan" -name 'libvulkan.so.1*' | head -1)")"
  export LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  VULKAN="libvulkan1 from $(basename "$DEB")"
fi

if [ -n "${VK_ICD_FILENAMES:-}" ]; then ICD_WHY="VK_ICD_FILENAMES as given"
else
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then VK_ICD_FILENAMES="$f"; ICD_WHY="NVIDIA driver"; break; fi
  done
fi
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  mkdir -p "$WORK/swiftshader"
  gzip -dc "$HERE/swiftshader/libvk_swiftshader.so.gz" > "$WORK/swiftshader/libvk_swiftshader.so" || die "no NVIDIA ICD and the SwiftShader ICD cannot be unpacked"
  cp "$HERE/swiftshader/vk_swiftshader_icd.json" "$WORK/swiftshader/"
  VK_ICD_FILENAMES="$WORK/swiftshader/vk_swiftshader_icd.json"; ICD_WHY="no NVIDIA ICD found: SwiftShader (CPU)"
fi
export VK_ICD_FILENAMES XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
say "Vulkan: $VULKAN; ICD $VK_ICD_FILENAMES ($ICD_WHY)"
{
  echo "# dist-gpu/run.sh $QUICK ${SUITES[*]} — $(date -u +%FT%TZ)"
  echo "machine: $(uname -srm), $(nproc) CPUs; $(command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | head -4 | tr '\n' ';' || echo 'no nvidia-smi')"
  echo "Vulkan: $VULKAN; ICD $VK_ICD_FILENAMES ($ICD_WHY); bundle $(cat "$HERE/MANIFEST.json" 2>/dev/null | grep -o '"commit": "[^"]*"' || true)"
  echo
} >> "$OUT/summary.txt"

FAILED=0
for s in "${SUITES[@]}"; do
  say "suite $s $QUICK"
  DISCERN_DAWN_NODE="$WORK/dawn.node" DISCERN_MODELS_DIR="$HERE/models" DISCERN_REPO_ROOT="$WORK" \
    "$WORK/node" "$WORK/app/bench.mjs" "$s" $QUICK --results "$OUT" --summary "$OUT/summary.txt" > >(tee -a "$OUT/run.log") 2>&1 &
  NODE_PID=$!
  wait "$NODE_PID"; rc=$?
  NODE_PID=""
  echo "$s: exit $rc" >> "$OUT/status.txt"
  [ "$rc" -eq 0 ] || FAILED=1
done
say "done: $(tr '\n' ' ' < "$OUT/status.txt")— results in $OUT"
exit $FAILED

#!/usr/bin/env bash
# The OpenCL device check in one call: correctness against the float64 reference and throughput (batched GEMM,
# layer W1-W4) on every OpenCL platform found, NVIDIA first. See gpu-opencl/device-check/README.md.
#
#   gpu-opencl/device-check/run.sh prepare        HERE (needs JDK 25 and the built jars): jlink a minimal runtime and
#                                                 pack it with the jars into gpu-opencl/device-check/bundle/ (~46 MiB)
#   gpu-opencl/device-check/run.sh OUT_DIR [opts] ON THE DEVICE MACHINE (no Java, Maven or network needed): run the
#                                                 packed runner; writes OUT_DIR/device-check.{json,md,log}
#   gpu-opencl/device-check/run.sh --local [OUT]  HERE / CI: prepare if stale, then the same runner on PoCL with small
#                                                 sizes (under two minutes); OUT defaults to gpu-opencl/device-check/target/local
#
# Runner options (after OUT_DIR): --platform NAME (only platforms whose name contains NAME), --no-measure (checks
# only). Exit status: the runner's (0 all checks passed and every measurement ran, 1 a failure, 3 no OpenCL device).
# prepare builds the jars with Maven only when they are missing (extra Maven arguments: $DEVICE_CHECK_MVN_ARGS);
# the JDK used for jlink is $JLINK_JDK, else /usr/lib/jvm/temurin-25-jdk* or java-25*.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUNDLE="$HERE/bundle"
MODULES="java.base,java.logging" # jdeps: JOCL needs java.logging; EJML's java.desktop use (a Swing viewer) is never loaded

# ldconfig is in /sbin, which is not on every user's PATH.
LDCONFIG="$(command -v ldconfig || echo /sbin/ldconfig)"

find_jdk25() {
  if [ -n "${JLINK_JDK:-}" ]; then echo "$JLINK_JDK"; return; fi
  local c
  for c in /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/java-25*; do
    [ -x "$c/bin/jlink" ] && { echo "$c"; return; }
  done
  echo "run.sh: no JDK 25 with jlink found (set JLINK_JDK)" >&2
  return 1
}

find_opencl_loader() {
  local p
  p=$("$LDCONFIG" -p 2>/dev/null | awk '/libOpenCL\.so\.1 .*x86-64/ {print $NF; exit}')
  [ -n "$p" ] && { readlink -f "$p"; return; }
  for p in /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 /usr/lib64/libOpenCL.so.1 /usr/local/lib/libOpenCL.so.1; do
    [ -e "$p" ] && { readlink -f "$p"; return; }
  done
  return 1
}

prepare() {
  local jdk jar t0
  t0=$(date +%s)
  jdk=$(find_jdk25)
  jar="$HERE/target/isqrt4j-device-check-0.1.0.jar"
  if [ ! -f "$jar" ] || [ ! -d "$HERE/target/lib" ]; then
    echo "[device-check] building the jars (mvn -pl gpu-opencl/device-check -am package -DskipTests)" >&2
    (cd "$ROOT" && mvn -B -ntp -q ${DEVICE_CHECK_MVN_ARGS:-} -pl gpu-opencl/device-check -am package -DskipTests)
  fi
  mkdir -p "$BUNDLE"
  local release
  release=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.runtime.version/ {print $2}')
  if [ ! -x "$BUNDLE/runtime/bin/java" ] || [ "$(cat "$BUNDLE/runtime.id" 2>/dev/null)" != "$release $MODULES" ]; then
    echo "[device-check] jlink $MODULES from $jdk ($release)" >&2
    rm -rf "$BUNDLE/runtime"
    "$jdk/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress zip-9 \
      --output "$BUNDLE/runtime"
    echo "$release $MODULES" > "$BUNDLE/runtime.id"
  fi
  rm -rf "$BUNDLE/lib" "$BUNDLE/native"
  mkdir -p "$BUNDLE/lib" "$BUNDLE/native"
  cp "$jar" "$HERE"/target/lib/*.jar "$BUNDLE/lib/"
  # A fallback OpenCL ICD loader (ocl-icd, ~70 KB) for machines that have a vendor driver but no loader; run.sh
  # only puts it on LD_LIBRARY_PATH when the system has none.
  local loader
  if loader=$(find_opencl_loader); then
    cp "$loader" "$BUNDLE/native/libOpenCL.so.1"
    ln -s libOpenCL.so.1 "$BUNDLE/native/libOpenCL.so"
  else
    echo "[device-check] no libOpenCL.so.1 here to pack as a fallback loader" >&2
  fi
  cp "$HERE/run.sh" "$BUNDLE/run.sh.copy" # what was packed with it, for the record
  {
    echo "packed: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "git: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "runtime: $release, modules $MODULES"
    echo "jars: $(cd "$BUNDLE/lib" && ls | tr '\n' ' ')"
    echo "size: $(du -sh "$BUNDLE" | cut -f1) ($(du -sb "$BUNDLE" | cut -f1) bytes)"
  } > "$BUNDLE/MANIFEST.txt"
  cat "$BUNDLE/MANIFEST.txt" >&2
  local bytes
  bytes=$(du -sb "$BUNDLE" | cut -f1)
  if [ "$bytes" -gt $((60 * 1024 * 1024)) ]; then
    echo "[device-check] the bundle is $bytes bytes: over the 60 MiB left for it of the device machine's 64 MiB" >&2
    return 1
  fi
  echo "[device-check] prepared in $(( $(date +%s) - t0 )) s" >&2
}

# True when the bundle is missing or older than its inputs (jars, this script).
stale() {
  [ -x "$BUNDLE/runtime/bin/java" ] || return 0
  [ -f "$BUNDLE/MANIFEST.txt" ] || return 0
  [ -n "$(find "$HERE/target" -maxdepth 2 -name '*.jar' -newer "$BUNDLE/MANIFEST.txt" 2>/dev/null)" ] && return 0
  [ "$HERE/run.sh" -nt "$BUNDLE/MANIFEST.txt" ] && return 0
  return 1
}

run_bundle() {
  local out="$1"
  shift
  local java="$BUNDLE/runtime/bin/java"
  [ -x "$java" ] || { echo "run.sh: $BUNDLE/runtime is missing: run 'run.sh prepare' where a JDK 25 is" >&2; return 1; }
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  echo "[device-check] bundle: $(grep -E '^(git|packed|size):' "$BUNDLE/MANIFEST.txt" | tr '\n' ';')"
  # The OpenCL loader: the system's, else the packed one.
  if ! find_opencl_loader >/dev/null; then
    echo "[device-check] no system libOpenCL.so.1: using the packed ocl-icd loader"
    export LD_LIBRARY_PATH="$BUNDLE/native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  # The ICD: containers often get the NVIDIA driver's libnvidia-opencl.so.1 mounted without /etc/OpenCL/vendors.
  if [ -z "${OCL_ICD_VENDORS:-}" ] && ! grep -qs nvidia /etc/OpenCL/vendors/*.icd; then
    local nv
    nv=$("$LDCONFIG" -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1 .*x86-64/ {print $NF; exit}')
    if [ -z "$nv" ]; then
      for c in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/nvidia/lib64 /usr/lib /usr/local/cuda/compat; do
        [ -e "$c/libnvidia-opencl.so.1" ] && { nv="$c/libnvidia-opencl.so.1"; break; }
      done
    fi
    if [ -n "$nv" ]; then
      local vendors
      vendors="$(mktemp -d "${TMPDIR:-/tmp}/isqrt4j-icd.XXXXXX")"
      cp /etc/OpenCL/vendors/*.icd "$vendors/" 2>/dev/null || true
      echo "$nv" > "$vendors/nvidia.icd"
      export OCL_ICD_VENDORS="$vendors"
      echo "[device-check] NVIDIA OpenCL driver $nv registered through OCL_ICD_VENDORS=$vendors"
    fi
  fi
  echo "[device-check] ICDs: $(cat /etc/OpenCL/vendors/*.icd ${OCL_ICD_VENDORS:+$OCL_ICD_VENDORS/*.icd} 2>/dev/null | tr '\n' ' ')"
  command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | sed 's/^/[device-check] /' || true
  # Signal chaining: PoCL's LLVM installs a SIGSEGV handler over the JVM's (see the root pom); harmless elsewhere.
  local jsig="$BUNDLE/runtime/lib/libjsig.so"
  [ -f "$jsig" ] && export LD_PRELOAD="$jsig${LD_PRELOAD:+:$LD_PRELOAD}"
  local t0 rc=0
  t0=$(date +%s)
  "$java" -Xss4m --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir="${TMPDIR:-/tmp}" -cp "$BUNDLE/lib/*" \
    org.isqrt4j.devicecheck.DeviceCheck "$out" "$@" 2>&1 | tee "$out/device-check.log" || rc=${PIPESTATUS[0]}
  echo "[device-check] runner finished with status $rc in $(( $(date +%s) - t0 )) s" | tee -a "$out/device-check.log"
  return "$rc"
}

case "${1:-}" in
  prepare)
    prepare
    ;;
  --local)
    shift
    OUT="${1:-$HERE/target/local}"
    [ $# -gt 0 ] && shift
    T0=$(date +%s)
    if stale; then prepare; fi
    rc=0
    run_bundle "$OUT" --local "$@" || rc=$?
    echo "[device-check] local mode: $(( $(date +%s) - T0 )) s in all, status $rc"
    exit "$rc"
    ;;
  ""|-h|--help)
    sed -n '2,17p' "$0"
    [ -n "${1:-}" ] || exit 2
    ;;
  *)
    OUT="$1"
    shift
    run_bundle "$OUT" "$@"
    ;;
esac

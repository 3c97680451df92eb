#!/usr/bin/env bash
# The benchmark report: builds the project, then runs the JMH benchmarks of bench/ through the report runner
# (org.isqrt4j.bench.Report) and prints markdown tables; writes latest.json, latest.md and latest.png.
#
#   bench/run.sh                    quick profile (W1-W3, short, in-process; a few minutes on 2 cores)
#   bench/run.sh --profile full     all workloads, 2 forks, proper warm-up and measurement (quiet machine!)
#   bench/run.sh --profile smoke    tiny shapes, every contender exercised and checked (CI)
#   bench/run.sh --help             all options
#   bench/run.sh --no-build --merge-device DEV.json --into REPORT.json
#                                   no run: a GPU device check's rows (gpu-opencl/device-check/run.sh) beside a
#                                   written report's CPU rows: REPORT-with-device.{json,md,png}
#
# JDK: $JAVA_HOME if set, else the java on PATH. --no-build skips the Maven build (CI builds first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD=1
ARGS=()
for a in "$@"; do
  if [ "$a" = "--no-build" ]; then BUILD=0; else ARGS+=("$a"); fi
done

if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="$(command -v java || true)"
fi
[ -n "$JAVA" ] && [ -x "$JAVA" ] || { echo "bench/run.sh: no java found (set JAVA_HOME or put java on PATH)" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then
  # package, not install: the reactor hands the modules to bench/ without touching ~/.m2.
  echo "[bench] building (mvn -q -B -Dstyle.color=never -DskipTests package) ..." >&2
  mvn -q -B -Dstyle.color=never -DskipTests package
fi
[ -d bench/target/classes ] && [ -d bench/target/lib ] || {
  echo "bench/run.sh: bench/target/classes or bench/target/lib missing: build first (drop --no-build)" >&2; exit 1; }

# Signal chaining: PoCL's OpenCL loads LLVM, which installs its own SIGSEGV handler over the JVM's; the JVM's
# safepoint polls fault on purpose, and two threads faulting at once under LLVM's handler kill the process
# (plain "Segmentation fault", no hs_err file). The JDK's libjsig keeps the JVM's handlers in front and chains the
# others. JMH forks and the OpenCL probe inherit the variable.
JSIG="$(dirname "$(dirname "$(readlink -f "$JAVA")")")/lib/libjsig.so"
if [ -f "$JSIG" ]; then
  export LD_PRELOAD="$JSIG${LD_PRELOAD:+:$LD_PRELOAD}"
fi

# JMH forks start with this JVM's class path and options, plus what the runner appends (the vector module,
# headless AWT, the scratch folder).
exec "$JAVA" --add-modules jdk.incubator.vector -Djava.awt.headless=true \
  -cp "bench/target/classes:bench/target/lib/*" org.isqrt4j.bench.Report ${ARGS[@]+"${ARGS[@]}"}

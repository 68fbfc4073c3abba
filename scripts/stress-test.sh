#!/bin/sh
# Runs the whole test suite RUNS times (default 3) while two CPU-bound processes run beside it,
# the loaded machine the suite must hold on (issue 10). Builds first, once. Prints each run's
# closing line and its duration, then a summary; exits 0 only if every run passed.
#
#   sh scripts/stress-test.sh [RUNS]
#
# The burners are plain `node -e` busy loops, started here and killed by their pid on exit.
set -u
cd "$(dirname "$0")/.." || exit 2
RUNS="${1:-3}"
npm run build >/dev/null || { echo "stress: build failed"; exit 2; }
npm run lint >/dev/null || { echo "stress: lint failed"; exit 2; }

BURNERS=""
cleanup() {
  for p in $BURNERS; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT INT TERM
for _ in 1 2; do
  node -e 'const end = Date.now() + 6 * 3600e3; let x = 0; while (Date.now() < end) x = (x * 1103515245 + 12345) % 2147483648;' &
  BURNERS="$BURNERS $!"
done

passed=0
i=1
while [ "$i" -le "$RUNS" ]; do
  out="test-artifacts/stress-run-$i.log"
  mkdir -p test-artifacts
  start=$(date +%s)
  node scripts/run-tests.mjs >"$out" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); verdict=PASS; else verdict=FAIL; fi
  echo "stress run $i/$RUNS: $verdict in ${secs} s (${line:-no closing line}; load average $load; log $out)"
  [ "$rc" -eq 0 ] || grep -E '^files with failures' "$out"
  i=$((i + 1))
done
echo "stress: $passed of $RUNS runs passed with two CPU-bound processes beside the suite"
[ "$passed" -eq "$RUNS" ]

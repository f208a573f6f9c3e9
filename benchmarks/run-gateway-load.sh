#!/usr/bin/env bash
# The gateway load run: the sidecar gateway with every filter layer on against the same proxy with
# the filter off, side by side in one JVM on an in-process broker, alternating measured rounds; prints
# requests/s, p50 and p99 of both and the throughput ratio (target >= 85 %, DESIGN.md §5).
# Arguments go to GatewayLoad: --connections 8 --rounds 6 --warmup 20s --round 10s
#   benchmarks/run-gateway-load.sh            # from the project root; builds the jar when missing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
jar=benchmarks/target/benchmarks.jar
if [[ ! -f $jar ]]; then
  ./mvnw -q -B -ntp -pl benchmarks -am package -Dmaven.test.skip=true
fi
exec java -Xms1g -Xmx1g -cp "$jar" io.tokenwatch.benchmarks.GatewayLoad "$@"

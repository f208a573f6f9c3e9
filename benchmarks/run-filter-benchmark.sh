#!/usr/bin/env bash
# Runs FilterBenchmark one algorithm at a time, so the four figures each ratio compares are measured
# seconds apart rather than minutes: on a shared machine the load drifts less between them. Then
# prints the ratio table. Extra arguments go to JMH (e.g. -f 3 -i 10).
#   benchmarks/run-filter-benchmark.sh            # from the project root, after building the jar
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
jar=benchmarks/target/benchmarks.jar
[[ -f $jar ]] || { echo "no $jar: run ./mvnw -q -B -ntp -pl benchmarks -am package -Dmaven.test.skip=true" >&2; exit 2; }
results=()
for alg in ${ALGS:-HS256 RS256 PS256 ES256 EdDSA}; do
  out=benchmarks/target/jmh-result-$alg.json
  java -jar "$jar" FilterBenchmark -p alg="$alg" -rf json -rff "$out" "$@"
  results+=("$out")
done
java -cp "$jar" io.tokenwatch.benchmarks.RatioReport "${results[@]}"

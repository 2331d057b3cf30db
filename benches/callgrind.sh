#!/usr/bin/env bash
# Instruction counts of one row for one implementation, with callgrind.
#
#   benches/callgrind.sh ROW IMPL [COMPARE_ARGS...]
#   e.g. benches/callgrind.sh call_rtt genserver --workers 1
#
# Runs the row twice in quick mode, at --scale 1 and 2,
# one round, no warm-up, in this process (no child for the spawn row), and
# prints the instructions per operation (difference of the two runs divided
# by the difference in operations, so start-up and runtime set-up cancel
# out), the same per source file (inlined code counts where it was
# written), and the functions with the highest self cost in the larger run.
# Profiles are left in benches/target/callgrind/ for callgrind_annotate or
# kcachegrind.
#
# Valgrind runs one thread at a time, so the scheduler's park/unpark paths
# weigh more than on real cores: compare implementations under the same
# conditions rather than reading absolute numbers. --fair-sched=yes makes
# the interleaving, and so the counts, repeatable to about 1%.
set -euo pipefail
row=${1:?usage: callgrind.sh ROW IMPL [COMPARE_ARGS...]}
impl=${2:?usage: callgrind.sh ROW IMPL [COMPARE_ARGS...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
cargo build --release --quiet --manifest-path "$here/Cargo.toml" 2>/dev/null ||
    cargo build --release --manifest-path "$here/Cargo.toml"
out="$here/target/callgrind"
mkdir -p "$out"

run() { # SCALE [COMPARE_ARGS...] -> prints "IR OPS"
    local s=$1 file="$out/$row.$impl.x$1.out" log
    shift
    log=$(valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file="$file" \
        "$here/target/release/compare" --quick --rounds 1 --no-warmup --in-process \
        --only "$row" --impl "$impl" --scale "$s" "$@" 2>&1 >/dev/null)
    local ir ops
    ir=$(grep -o 'Collected : [0-9]*' <<<"$log" | grep -o '[0-9]*$')
    ops=$(grep -o '[0-9]* ops per run' <<<"$log" | grep -o '^[0-9]*')
    echo "$ir $ops"
}

small_scale=1
large_scale=2
read -r ir1 ops1 < <(run "$small_scale" "$@")
read -r ir2 ops2 < <(run "$large_scale" "$@")
echo "$row / $impl: $ir1 instructions for $ops1 ops, $ir2 for $ops2 ops"
awk -v a="$ir1" -v b="$ir2" -v x="$ops1" -v y="$ops2" \
    'BEGIN { printf "instructions per op: %.0f\n", (b - a) / (y - x) }'
# Self cost per source file (inlined code counts where it was written),
# as the difference of the two runs per op.
by_file() {
    callgrind_annotate --inclusive=no --auto=no --threshold=100 "$1" 2>/dev/null |
        grep -E '^ *[0-9,]+ \( *[0-9.]+%\)  ' | grep -v 'PROGRAM TOTALS' |
        sed -E 's/^ *([0-9,]+) \( *[0-9.]+%\)  ([^:]*):.*/\1 \2/' |
        sed -E 's#^([0-9,]+) .*/(registry/src/[^/]*/|rustc/[0-9a-f]*/library/)#\1 #; s#^([0-9,]+) .*/(genserver-core/src/|benches/src/)#\1 \2#' |
        tr -d ,
}
echo
echo "instructions per op by source file (highest 30):"
join -a1 -a2 -e 0 -o 0,1.2,2.2 \
    <(by_file "$out/$row.$impl.x$small_scale.out" | awk '{ s[$2] += $1 } END { for (f in s) print f, s[f] }' | sort) \
    <(by_file "$out/$row.$impl.x$large_scale.out" | awk '{ s[$2] += $1 } END { for (f in s) print f, s[f] }' | sort) |
    awk -v x="$ops1" -v y="$ops2" '{ d = ($3 - $2) / (y - x); if (d >= 1) printf "%8.0f  %s\n", d, $1 }' |
    sort -rn | head -30
echo
echo "highest self cost by function, run with $ops2 ops ($out/$row.$impl.x$large_scale.out):"
callgrind_annotate --inclusive=no --auto=no "$out/$row.$impl.x$large_scale.out" 2>/dev/null |
    grep -E '^ *[0-9,]+ \( *[0-9.]+%\) ' | sed -n '2,31p' | cut -c1-200

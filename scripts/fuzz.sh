#!/usr/bin/env bash
# Fuzzes every target under Fuzz/ with libFuzzer: the drivers' framers/decoders/readers (one target per driver, named
# by it), the profile parser, the D-Bus message unmarshaller and the HTTP response path (HTTPResponse).
# usage: scripts/fuzz.sh [seconds-per-target] [target...]   (default 60 s, all targets)
# Builds with swiftc directly (no SwiftPM): the library modules the targets need, then each
# Fuzz/<target>/main.swift, all with -sanitize=fuzzer,address. Crashes land in
# Firmware-Fixtures/fuzz-crashes/<target>/ and are replayed by FuzzCrashRegressionTests.
# Exits 1 when any target crashed (or libFuzzer failed), so CI (scripts/test.sh) fails with it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
# Every folder under Fuzz/ with a main.swift is a target; its seed-corpus.sh seeds it (a new driver's fuzz target is
# its own folder, nothing to list here).
if [ ${#targets[@]} -eq 0 ]; then
    for main in Fuzz/*/main.swift; do targets+=("$(basename "$(dirname "$main")")"); done
fi

SWIFTC="${SWIFTC:-swiftc}"
out="fuzz-out"
mods="$out/modules"
mkdir -p "$mods"
flags=(-sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -package-name iomtd -g -I Sources/CSQLite -I Sources/CCurl)
# gold warns about every ASan helper symbol; lld (shipped with the toolchain) does not.
command -v ld.lld >/dev/null 2>&1 && flags+=(-use-ld=lld)

modules=(IoMTSystem IoMTCore IoMTSpirometry IoMTProfiles IoMTDrivers IoMTDBus IoMTStore IoMTFHIR IoMTHTTP IoMTForward)
build_module() { # name; its dependencies are already in $mods
    local name="$1"
    local sources testing=()
    # HTTPResponse reaches the OAuth2 token parser, which is internal to IoMTForward.
    [ "$name" = IoMTForward ] && testing=(-enable-testing)
    mapfile -t sources < <(find Sources/"$name" -name '*.swift' | sort)
    "$SWIFTC" "${flags[@]}" "${testing[@]}" -wmo -module-name "$name" -I "$mods" -emit-module -emit-module-path "$mods/$name.swiftmodule" \
        -c -o "$mods/$name.o" "${sources[@]}"
}

echo "== building modules"
for module in "${modules[@]}"; do build_module "$module"; done
objects=(); for module in "${modules[@]}"; do objects+=("$mods/$module.o"); done

seed_corpus() { # target corpus-dir
    local corpus="$2"
    # shellcheck source=/dev/null
    [ -f Fuzz/"$1"/seed-corpus.sh ] && source Fuzz/"$1"/seed-corpus.sh
    return 0
}
source scripts/fuzz-seeds.sh

summary=()
failed=()
for target in "${targets[@]}"; do
    echo "== $target: build"
    binary="$out/$target"
    "$SWIFTC" "${flags[@]}" -I "$mods" Fuzz/"$target"/main.swift "${objects[@]}" -lsqlite3 -lcurl -o "$binary"
    corpus="$out/corpus/$target"
    crashes="Firmware-Fixtures/fuzz-crashes/$target"
    mkdir -p "$corpus" "$crashes"
    seed_corpus "$target" "$corpus"
    echo "== $target: fuzzing for ${seconds}s"
    log="$out/$target.log"
    set +e
    extra=()
    for dict in Fuzz/"$target"/*.dict; do [ -f "$dict" ] && extra+=(-dict="$dict"); done
    before=$(find "$crashes" -type f ! -name '.gitkeep' | wc -l)
    "$binary" "${extra[@]}" -max_total_time="$seconds" -artifact_prefix="$crashes/" -print_final_stats=1 -rss_limit_mb=1024 "$corpus" > "$log" 2>&1
    status=$?
    set -e
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    speed=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo "?")
    found=$(find "$crashes" -type f ! -name '.gitkeep' | wc -l)
    summary+=("$target: exit $status, $runs executions, $speed exec/s, coverage $cov edges, $found crash file(s) in $crashes")
    if [ "$status" -ne 0 ] || [ "$found" -gt "$before" ]; then
        failed+=("$target (libFuzzer exit $status, $((found - before)) new crash file(s) in $crashes; log $log)")
        tail -30 "$log"
    fi
done
echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "== FAILED: fuzzing found crashes (replay with: $out/<target> <crash file>; keep the file as a regression input)"
    printf '  %s\n' "${failed[@]}"
    exit 1
fi

#!/usr/bin/env bash
# Fuzzes every fuzz target with libFuzzer: the drivers' framers/decoders/readers (each driver folder's
# Sources/IoMTDrivers/<Driver>/Fuzz/<Target>/), and Tests/Fuzz/<Target>/: the profile parser, the D-Bus message
# unmarshaller and the HTTP response path (HTTPResponse).
# usage: scripts/fuzz.sh [seconds-per-target] [target...]   (default 60 s, all targets)
# Builds with swiftc directly (no SwiftPM): the library modules the targets need (IoMTDrivers with the driver list
# DriverRegistryGenerator writes, as the build-tool plugin does in SwiftPM builds), then each target's main.swift, all with
# -sanitize=fuzzer,address. Crashes land in
# Firmware-Fixtures/fuzz-crashes/<target>/ and are replayed by FuzzCrashRegressionTests.
# Exits 1 when any target crashed (or libFuzzer failed), so CI (scripts/test.sh) fails with it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
# A target is a folder Fuzz/<Target>/ with a main.swift, in a driver's folder or in Tests/; its seed-corpus.sh seeds it,
# its *.dict files are libFuzzer dictionaries (a new driver's fuzz target is in its own folder, nothing to list here).
target_mains() { find Sources/IoMTDrivers/*/Fuzz Tests/Fuzz -mindepth 2 -maxdepth 2 -name main.swift 2>/dev/null | sort; }
target_folder() { # target -> its folder
    local main
    while read -r main; do
        [ "$(basename "$(dirname "$main")")" = "$1" ] && { dirname "$main"; return 0; }
    done < <(target_mains)
    echo "fuzz.sh: no fuzz target \"$1\" (expected a folder Sources/IoMTDrivers/<Driver>/Fuzz/$1/ or Tests/Fuzz/$1/ with a main.swift)" >&2
    return 1
}
if [ ${#targets[@]} -eq 0 ]; then
    while read -r main; do targets+=("$(basename "$(dirname "$main")")"); done < <(target_mains)
fi
for target in "${targets[@]}"; do target_folder "$target" >/dev/null; done

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
    # A driver folder's Fuzz/ holds programs, not module code (Package.swift excludes it too).
    mapfile -t sources < <(find Sources/"$name" -name '*.swift' -not -path '*/Fuzz/*' | sort)
    [ "$name" = IoMTDrivers ] && sources+=("$(generate_driver_registry "${sources[@]}")")
    "$SWIFTC" "${flags[@]}" "${testing[@]}" -wmo -module-name "$name" -I "$mods" -emit-module -emit-module-path "$mods/$name.swiftmodule" \
        -c -o "$mods/$name.o" "${sources[@]}"
}

# What DriverRegistryPlugin does for SwiftPM: the generator (built without sanitizers) writes IoMTDrivers' driver list.
generate_driver_registry() { # IoMTDrivers' sources; prints the generated file's path
    local generator="$out/DriverRegistryGenerator" generated="$out/generated/GeneratedDriverRegistrations.swift"
    "$SWIFTC" -O -swift-version 6 Sources/DriverRegistryGenerator/*.swift -o "$generator" >&2
    "$generator" Sources/IoMTDrivers "$generated" "$@" >&2
    echo "$generated"
}

echo "== building modules"
for module in "${modules[@]}"; do build_module "$module"; done
objects=(); for module in "${modules[@]}"; do objects+=("$mods/$module.o"); done

seed_corpus() { # target-folder corpus-dir; the seed script reads $target_dir (its own folder) and $corpus
    local target_dir="$1" corpus="$2"
    # shellcheck source=/dev/null
    [ -f "$target_dir"/seed-corpus.sh ] && source "$target_dir"/seed-corpus.sh
    return 0
}
source scripts/fuzz-seeds.sh

summary=()
failed=()
for target in "${targets[@]}"; do
    echo "== $target: build"
    folder="$(target_folder "$target")"
    binary="$out/$target"
    "$SWIFTC" "${flags[@]}" -I "$mods" "$folder"/main.swift "${objects[@]}" -lsqlite3 -lcurl -o "$binary"
    corpus="$out/corpus/$target"
    crashes="Firmware-Fixtures/fuzz-crashes/$target"
    mkdir -p "$corpus" "$crashes"
    seed_corpus "$folder" "$corpus"
    echo "== $target: fuzzing for ${seconds}s"
    log="$out/$target.log"
    set +e
    extra=()
    for dict in "$folder"/*.dict; do [ -f "$dict" ] && extra+=(-dict="$dict"); done
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

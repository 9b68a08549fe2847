#!/usr/bin/env bash
# Fuzzes the CMS50 and Nonin framers/decoders, the text-report parser, the profile parser, the six
# Bluetooth GATT health-profile decoders (GATT*) and the D-Bus message unmarshaller with libFuzzer.
# usage: scripts/fuzz.sh [seconds-per-target] [target...]   (default 60 s, all targets)
# Builds with swiftc directly (no SwiftPM): IoMTCore, IoMTProfiles, IoMTDrivers, IoMTDBus as modules, then each
# Fuzz/<target>/main.swift, all with -sanitize=fuzzer,address. Crashes land in
# Firmware-Fixtures/fuzz-crashes/<target>/ and are replayed by FuzzCrashRegressionTests.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(CMS50LegacyFramer CMS50V46Framer NoninFormat2Framer NoninFormat8Framer TextReportFramer ProfileParser
                                 GATTBloodPressure GATTPulseOximeter GATTHealthThermometer GATTWeightScale GATTHeartRate GATTGlucose DBusUnmarshaller)

SWIFTC="${SWIFTC:-swiftc}"
out="fuzz-out"
mods="$out/modules"
mkdir -p "$mods"
flags=(-sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -g)
# gold warns about every ASan helper symbol; lld (shipped with the toolchain) does not.
command -v ld.lld >/dev/null 2>&1 && flags+=(-use-ld=lld)

build_module() { # name; its dependencies are already in $mods
    local name="$1"
    local sources
    mapfile -t sources < <(find Sources/"$name" -name '*.swift' | sort)
    "$SWIFTC" "${flags[@]}" -wmo -module-name "$name" -I "$mods" -emit-module -emit-module-path "$mods/$name.swiftmodule" \
        -c -o "$mods/$name.o" "${sources[@]}"
}

echo "== building modules"
for module in IoMTCore IoMTProfiles IoMTDrivers IoMTDBus; do build_module "$module"; done

seed_corpus() { # target corpus-dir
    case "$1" in
        CMS50LegacyFramer|CMS50V46Framer)
            for capture in Firmware-Fixtures/cms50/*/capture.hex; do
                xxd -r -p "$capture" > "$2/seed-$(basename "$(dirname "$capture")")" 2>/dev/null || true
            done ;;
        NoninFormat2Framer|NoninFormat8Framer)
            for capture in Firmware-Fixtures/nonin/*/capture.hex; do
                xxd -r -p "$capture" > "$2/seed-$(basename "$(dirname "$capture")")" 2>/dev/null || true
            done ;;
        TextReportFramer)
            for capture in Firmware-Fixtures/spirometer-text/*/capture.hex; do
                xxd -r -p "$capture" > "$2/seed-$(basename "$(dirname "$capture")")" 2>/dev/null || true
            done ;;
        ProfileParser) cp DeviceProfiles/*.json "$2/" ;;
        GATT*)
            # Seeds: each fixture value behind a selector byte for each of the profile's characteristics.
            local folder
            folder="Firmware-Fixtures/ble-$(echo "${1#GATT}" | sed -E 's/([a-z])([A-Z])/\1-\2/g' | tr 'A-Z' 'a-z')"
            for capture in "$folder"/*/capture.hex; do
                for selector in 00 01 02 03 04 05 06; do
                    { printf "\\x$selector"; xxd -r -p "$capture"; } > "$2/seed-$selector-$(basename "$(dirname "$capture")")" 2>/dev/null || true
                done
            done ;;
        DBusUnmarshaller) # messages libdbus produced (captured with dbus-monitor --binary on a private bus)
            for seed in Fuzz/DBusUnmarshaller/seeds/*.hex; do
                xxd -r -p "$seed" > "$2/$(basename "$seed" .hex)" 2>/dev/null || true
            done ;;
    esac
}

summary=()
for target in "${targets[@]}"; do
    echo "== $target: build"
    binary="$out/$target"
    "$SWIFTC" "${flags[@]}" -I "$mods" Fuzz/"$target"/main.swift "$mods"/IoMTCore.o "$mods"/IoMTProfiles.o "$mods"/IoMTDrivers.o "$mods"/IoMTDBus.o -o "$binary"
    corpus="$out/corpus/$target"
    crashes="Firmware-Fixtures/fuzz-crashes/$target"
    mkdir -p "$corpus" "$crashes"
    seed_corpus "$target" "$corpus"
    echo "== $target: fuzzing for ${seconds}s"
    log="$out/$target.log"
    set +e
    extra=()
    [ -f Fuzz/"$target"/profile.dict ] && extra+=(-dict=Fuzz/"$target"/profile.dict)
    [ -f Fuzz/"$target"/report.dict ] && extra+=(-dict=Fuzz/"$target"/report.dict)
    "$binary" "${extra[@]}" -max_total_time="$seconds" -artifact_prefix="$crashes/" -print_final_stats=1 -rss_limit_mb=1024 "$corpus" > "$log" 2>&1
    status=$?
    set -e
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    speed=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo "?")
    found=$(find "$crashes" -type f ! -name '.gitkeep' | wc -l)
    summary+=("$target: exit $status, $runs executions, $speed exec/s, coverage $cov edges, $found crash file(s) in $crashes")
    [ "$status" -ne 0 ] && tail -30 "$log"
done
echo "== summary"
printf '%s\n' "${summary[@]}"

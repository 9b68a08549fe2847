#!/usr/bin/env bash
# Fuzzes the CMS50 and Nonin framers/decoders, the text-report parser, the profile parser, the six
# Bluetooth GATT health-profile decoders (GATT*), the Contec BLE spirometer and oximeter readers (ContecSpirometer, ContecOximeterBLE), the vendor live oximeters (LepuPC60FW, JumperJPD500F, Nonin3230), the D-Bus message unmarshaller and the HTTP response path
# (Retry-After, transaction-response JSON, OAuth2 token response: HTTPResponse) with libFuzzer.
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
[ ${#targets[@]} -eq 0 ] && targets=(CMS50LegacyFramer CMS50V46Framer NoninFormat2Framer NoninFormat8Framer NoninFormat13Framer TextReportFramer ProfileParser
                                 GATTBloodPressure GATTPulseOximeter GATTHealthThermometer GATTWeightScale GATTHeartRate GATTGlucose DBusUnmarshaller
                                 HTTPResponse ContecSpirometer ContecOximeterBLE LepuPC60FW JumperJPD500F Nonin3230)

SWIFTC="${SWIFTC:-swiftc}"
out="fuzz-out"
mods="$out/modules"
mkdir -p "$mods"
flags=(-sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -package-name iomtd -g -I Sources/CSQLite -I Sources/CCurl)
# gold warns about every ASan helper symbol; lld (shipped with the toolchain) does not.
command -v ld.lld >/dev/null 2>&1 && flags+=(-use-ld=lld)

modules=(IoMTSystem IoMTCore IoMTProfiles IoMTDrivers IoMTDBus IoMTStore IoMTFHIR IoMTHTTP IoMTForward)
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
    case "$1" in
        CMS50LegacyFramer|CMS50V46Framer)
            for capture in Firmware-Fixtures/cms50/*/capture.hex; do
                xxd -r -p "$capture" > "$2/seed-$(basename "$(dirname "$capture")")" 2>/dev/null || true
            done ;;
        NoninFormat2Framer|NoninFormat8Framer|NoninFormat13Framer)
            for capture in Firmware-Fixtures/nonin/*/capture.hex Firmware-Fixtures/nonin-df13/*/capture.hex; do
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
        HTTPResponse) cp Fuzz/HTTPResponse/seeds/* "$2/" ;;
        ContecSpirometer) # a whole sync's answers around each fixture notification, behind a control byte (size, mark)
            for capture in Firmware-Fixtures/contec-spirometer/*/capture.hex; do
                for control in 13 33; do
                    { printf "\\x$control"; printf '\xf0\x70\xf3\x00\x73\xf2\x01\x02\x03\x04\x05\x06\x07\xe4'
                      head -c 22 /dev/zero; printf '\xe0\x01\x00'; head -c 7 /dev/zero; xxd -r -p "$capture"; printf '\xe2\x01\x00\x00\x00'
                    } > "$2/seed-$control-$(basename "$(dirname "$capture")")" 2>/dev/null || true
                done
            done ;;
        ContecOximeterBLE) # each fixture notification, eight times, behind control bytes (notification size, spacing)
            for capture in Firmware-Fixtures/contec-oximeter-ble/*/capture.hex; do
                for control in 07 27 e7; do
                    { printf "\\x$control"; for _ in 1 2 3 4 5 6 7 8; do xxd -r -p "$capture"; done
                    } > "$2/seed-$control-$(basename "$(dirname "$capture")")" 2>/dev/null || true
                done
            done ;;
        LepuPC60FW|JumperJPD500F|Nonin3230) # each fixture notification, eight times, behind control bytes (notification size, spacing)
            local folder
            case "$1" in LepuPC60FW) folder=lepu-pc60fw ;; JumperJPD500F) folder=jumper-jpd500f ;; Nonin3230) folder=nonin-3230 ;; esac
            for capture in Firmware-Fixtures/"$folder"/*/capture.hex; do
                for control in 09 1f e3; do
                    { printf "\\x$control"; for _ in 1 2 3 4 5 6 7 8; do xxd -r -p "$capture"; done
                    } > "$2/seed-$control-$(basename "$(dirname "$capture")")" 2>/dev/null || true
                done
            done ;;
        DBusUnmarshaller) # messages libdbus produced (captured with dbus-monitor --binary on a private bus)
            for seed in Fuzz/DBusUnmarshaller/seeds/*.hex; do
                xxd -r -p "$seed" > "$2/$(basename "$seed" .hex)" 2>/dev/null || true
            done ;;
    esac
}

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

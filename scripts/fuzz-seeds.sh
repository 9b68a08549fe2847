# Helpers for the fuzz targets' seed-corpus.sh files (…/Fuzz/<Target>/seed-corpus.sh), sourced by scripts/fuzz.sh with
# $corpus set to the target's corpus and $target_dir to the target's folder.

# Each fixture case's capture.hex under the given Firmware-Fixtures folders, as one seed.
seed_captures() {
    local folder capture
    for folder in "$@"; do
        for capture in "$folder"/*/capture.hex; do
            xxd -r -p "$capture" > "$corpus/seed-$(basename "$(dirname "$capture")")" 2>/dev/null || true
        done
    done
}

# Each fixture value behind a selector byte for each of a GATT profile's characteristics.
seed_behind_selectors() {
    local capture selector
    for capture in "$1"/*/capture.hex; do
        for selector in 00 01 02 03 04 05 06; do
            { printf "\\x$selector"; xxd -r -p "$capture"; } > "$corpus/seed-$selector-$(basename "$(dirname "$capture")")" 2>/dev/null || true
        done
    done
}

# Each fixture notification eight times, behind each of the given control bytes (notification size, spacing).
seed_repeated() {
    local folder="$1" capture control
    shift
    for capture in "$folder"/*/capture.hex; do
        for control in "$@"; do
            { printf "\\x$control"; for _ in 1 2 3 4 5 6 7 8; do xxd -r -p "$capture"; done
            } > "$corpus/seed-$control-$(basename "$(dirname "$capture")")" 2>/dev/null || true
        done
    done
}

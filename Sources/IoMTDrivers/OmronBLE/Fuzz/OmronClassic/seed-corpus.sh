# Seeds the OmronClassic corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# An unlock answer, a start answer, then each fixture record inside a read answer on RX0/RX1, behind a control byte.
for capture in Firmware-Fixtures/omron-ble-classic/*/capture.hex; do
    for control in 00 04 01 06; do
        { printf "\\x$control"; printf '\x14\x81\x00'
          printf '\x84\x08\x80\x00\x00\x00\x10\x00\x18'
          printf '\x84\x10\x81\x00\x02\xac\x0e'; xxd -r -p "$capture" | head -c 9
        } > "$corpus/seed-$control-$(basename "$(dirname "$capture")")" 2>/dev/null || true
    done
done

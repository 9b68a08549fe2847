# Seeds the ContecSpirometer corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# a whole sync's answers around each fixture notification, behind a control byte (size, mark)
for capture in Firmware-Fixtures/contec-spirometer/*/capture.hex; do
    for control in 13 33; do
        { printf "\\x$control"; printf '\xf0\x70\xf3\x00\x73\xf2\x01\x02\x03\x04\x05\x06\x07\xe4'
          head -c 22 /dev/zero; printf '\xe0\x01\x00'; head -c 7 /dev/zero; xxd -r -p "$capture"; printf '\xe2\x01\x00\x00\x00'
        } > "$corpus/seed-$control-$(basename "$(dirname "$capture")")" 2>/dev/null || true
    done
done

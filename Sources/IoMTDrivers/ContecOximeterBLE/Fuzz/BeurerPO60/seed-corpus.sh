# Seeds the BeurerPO60 corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# Each PO60 fixture case as one stream: its "before" E9 packet, then its capture, behind a control byte:
# 16 = 23-byte notifications a second apart (an E9 whole, then its pulse packet), 56 = the same 3 s apart,
# 02 = 3-byte notifications (an E9 torn into pieces).
for case_dir in Firmware-Fixtures/contec-oximeter-ble/po60-*; do
    for control in 16 56 02; do
        { printf "\\x$control"
          python3 -c 'import json,sys; [print(b["hex"]) for b in json.load(open(sys.argv[1])).get("before", [])]' "$case_dir/case.json" | xxd -r -p
          xxd -r -p "$case_dir/capture.hex"
        } > "$corpus/seed-$control-$(basename "$case_dir")" 2>/dev/null || true
    done
done

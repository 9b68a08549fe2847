# Seeds the BeurerPO60 corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# each PO60 fixture's E9 packet (its "before" value) and notification, behind control bytes: size 23 then 3 would need
# one size per notification, so the seeds use whole-notification sizes 23 (0x16) and 3 (0x02), a second and 3 s apart
for case_dir in Firmware-Fixtures/contec-oximeter-ble/po60-*; do
    for control in 16 56 02; do
        { printf "\\x$control"
          python3 -c 'import json,sys; [print(b["hex"]) for b in json.load(open(sys.argv[1])).get("before", [])]' "$case_dir/case.json" | xxd -r -p
          xxd -r -p "$case_dir/capture.hex"
        } > "$corpus/seed-$control-$(basename "$case_dir")" 2>/dev/null || true
    done
done

# Seeds the ViatomOxy corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# each fixture notification, eight times, behind control bytes (notification size 20 and 1; with a resumed mark);
# plus a whole sync (session-sync.hex, from the published layout): info with one session, open, one block, close, real-time data
seed_repeated Firmware-Fixtures/viatom-oxy 13 00 33
[ -f "$target_dir/session-sync.hex" ] && { printf '\x13'; xxd -r -p "$target_dir/session-sync.hex"; } > "$corpus/seed-session-sync"
true

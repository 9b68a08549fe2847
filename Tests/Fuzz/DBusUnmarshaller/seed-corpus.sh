# Seeds the DBusUnmarshaller corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# messages libdbus produced (captured with dbus-monitor --binary on a private bus)
for seed in "$target_dir"/seeds/*.hex; do
    xxd -r -p "$seed" > "$corpus/$(basename "$seed" .hex)" 2>/dev/null || true
done

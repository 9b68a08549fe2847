# Seeds the ContecOximeterBLE corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# each fixture notification, eight times, behind control bytes (notification size, spacing)
seed_repeated Firmware-Fixtures/contec-oximeter-ble 07 27 e7

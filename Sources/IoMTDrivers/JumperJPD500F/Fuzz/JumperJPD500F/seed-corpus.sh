# Seeds the JumperJPD500F corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# each fixture notification, eight times, behind control bytes (notification size, spacing)
seed_repeated Firmware-Fixtures/jumper-jpd500f 09 1f e3

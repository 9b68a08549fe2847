# Seeds the NoninFormat8Framer corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
seed_captures Firmware-Fixtures/nonin Firmware-Fixtures/nonin-df13

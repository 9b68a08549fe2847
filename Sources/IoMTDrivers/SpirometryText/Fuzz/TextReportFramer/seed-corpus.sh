# Seeds the TextReportFramer corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
seed_captures Firmware-Fixtures/spirometer-text

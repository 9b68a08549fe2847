# Seeds the CMS50LegacyFramer corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
seed_captures Firmware-Fixtures/cms50

# Seeds the CMS50V46Framer corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
seed_captures Firmware-Fixtures/cms50

# Seeds the ProfileParser corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
cp DeviceProfiles/*.json "$corpus/"

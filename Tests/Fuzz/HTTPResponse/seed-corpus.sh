# Seeds the HTTPResponse corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
cp "$target_dir"/seeds/* "$corpus/"

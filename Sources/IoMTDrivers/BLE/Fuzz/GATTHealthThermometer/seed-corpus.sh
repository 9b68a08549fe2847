# Seeds the GATTHealthThermometer corpus (sourced by scripts/fuzz.sh with $corpus set; helpers in scripts/fuzz-seeds.sh).
# each fixture value behind a selector byte for each of the profile's characteristics
seed_behind_selectors Firmware-Fixtures/ble-health-thermometer

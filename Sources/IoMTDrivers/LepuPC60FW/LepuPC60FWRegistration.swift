/// The Lepu PC-60FW live oximeter: `LiveOximetryGATTReader` on `LepuPC60FWStream` (option: `reportIntervalMs`).
enum LepuPC60FWRegistration {
    static let all = [LiveOximetryGATTReader<LepuPC60FWStream>.registration(LepuPC60FWStream.profile.driverId)]
}

/// The Jumper JPD-500F live oximeter: `LiveOximetryGATTReader` on `JumperJPD500FStream` (option: `reportIntervalMs`).
enum JumperJPD500FRegistration {
    static let all = [LiveOximetryGATTReader<JumperJPD500FStream>.registration(JumperJPD500FStream.profile.driverId)]
}

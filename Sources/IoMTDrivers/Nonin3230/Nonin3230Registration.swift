/// The Nonin 3230 live oximeter: `LiveOximetryGATTReader` on `Nonin3230Stream` (option: `reportIntervalMs`).
enum Nonin3230Registration {
    static let all = [LiveOximetryGATTReader<Nonin3230Stream>.registration(Nonin3230Stream.profile.driverId)]
}

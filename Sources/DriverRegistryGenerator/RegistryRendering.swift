/// The Swift file the IoMTDrivers module compiles in place of a hand-written list of drivers.
enum RegistryRendering {
    static func swiftSource(_ files: [RegistrationFile]) -> String {
        let entries = files.sorted { $0.relativePath < $1.relativePath }
            .map { "    (folder: \"\($0.folder)\", registrations: \($0.typeName).all), // \($0.relativePath)" }
        return """
            // Generated at build time by DriverRegistryGenerator (Sources/DriverRegistryGenerator, run by the
            // DriverRegistryPlugin build-tool plugin) from every driver folder's <Name>Registration.swift. Do not edit.

            /// Each driver folder below Sources/IoMTDrivers with the registrations of one of its registration files,
            /// sorted by path.
            let generatedDriverRegistrations: [(folder: String, registrations: [DriverRegistration])] = [
            \(entries.joined(separator: "\n"))
            ]

            """
    }
}

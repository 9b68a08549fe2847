import Foundation

// usage: DriverRegistryGenerator <drivers-directory> <output.swift> <source.swift>...
// Writes the driver list of Sources/IoMTDrivers (see RegistrationConvention) to <output.swift>; exits 1 naming the file
// that breaks the convention. Run by the DriverRegistryPlugin build-tool plugin and by scripts/fuzz.sh.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: DriverRegistryGenerator <drivers-directory> <output.swift> <source.swift>...\n".utf8))
    exit(2)
}
let driversDirectory = arguments[0], output = arguments[1]
do {
    let files = try RegistrationConvention.registrationFiles(driversDirectory: driversDirectory, sources: Array(arguments.dropFirst(2)))
    guard !files.isEmpty else {
        throw ConventionViolation(path: driversDirectory, line: 1, expected: "at least one driver folder with a <Name>Registration.swift",
                                  found: "none among \(arguments.count - 2) source file(s)")
    }
    let source = RegistryRendering.swiftSource(files)
    // Rewritten only when it changed, so an unrelated edit does not recompile the module's registry for nothing.
    if (try? String(contentsOfFile: output, encoding: .utf8)) != source {
        try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try source.write(toFile: output, atomically: true, encoding: .utf8)
    }
} catch let violation as ConventionViolation {
    FileHandle.standardError.write(Data("\(violation)\n".utf8))
    FileHandle.standardError.write(Data("DriverRegistryGenerator: the driver registry of \(driversDirectory) cannot be generated (docs/CONTRIBUTING.md, \"Adding a driver\")\n".utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("\(output):1: error: expected a writable generated file; found \(error)\n".utf8))
    exit(1)
}

import Foundation

/// Runs a program to its end and returns (exit status, stdout and stderr together). The wait happens on a thread of its
/// own, never on a Swift concurrency thread: a test waiting for a child must not stall the others of a parallel run.
public enum ProgramRun {
    public static func run(_ path: String, _ arguments: [String], in directory: URL? = nil,
                           environment: [String: String] = [:]) async throws -> (Int32, String) {
        try await OwnThread.run { Result { try blocking(path, arguments, in: directory, environment: environment) } }.get()
    }

    private static func blocking(_ path: String, _ arguments: [String], in directory: URL? = nil,
                                environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IoMTLab
import IoMTTestSupport
import Testing

/// Runs the real executables (iomtd, iomt-lab) as child processes, as an installation would.
enum LabHarness {
    static var repositoryRoot: URL { RepositoryRoot.url }

    static let binDirectory: URL = {
        if let env = ProcessInfo.processInfo.environment["IOMT_BIN_DIR"] { return URL(fileURLWithPath: env) }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    static func temporaryDirectory(_ name: String) throws -> URL { try TemporaryDirectory.persistent("iomt-e2e-\(name)") }

    /// Starts an executable from the build with its output in `log`.
    static func launch(_ executable: String, _ arguments: [String], log: URL, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = binDirectory.appendingPathComponent(executable)
        guard FileManager.default.isExecutableFile(atPath: process.executableURL!.path) else {
            throw HarnessError("\(process.executableURL!.path) is missing: run `swift build` first (scripts/test.sh does)")
        }
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        try process.run()
        return process
    }

    /// Runs one of our executables to completion and returns (exit status, combined output).
    static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        try await runProgram(binDirectory.appendingPathComponent(executable).path, arguments)
    }

    /// Runs any program to completion (a system tool, or ours under another uid) and returns (exit status, combined output).
    /// The child is started, read and waited for on a thread of its own: reading to the end and waiting block for as
    /// long as the child runs, and a blocked cooperative-pool thread (2 on this machine) stalls every other test's
    /// real-time wait in the parallel pass.
    static func runProgram(_ path: String, _ arguments: [String], in directory: URL? = nil,
                           environment: [String: String] = [:]) async throws -> (Int32, String) {
        try await ProgramRun.run(path, arguments, in: directory, environment: environment)
    }

    /// Sends `signal`, waits up to 5 s for the process to exit, then kills it outright (awaited off the cooperative pool).
    static func stop(_ process: Process, signal: Int32 = SIGTERM) async { await ChildProcessWait.stop(process, signal: signal) }

    /// Waits up to `seconds` for `process` to exit (off the cooperative pool); returns whether it did.
    static func waitForExit(_ process: Process, seconds: Double) async -> Bool {
        await ChildProcessWait.exit(of: process, within: seconds)
    }

    /// An unused loopback TCP port.
    static func freePort() -> UInt16 { LoopbackPort.unused() }

    static func httpGet(port: UInt16, path: String) async -> (Int, Data)? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, data)
    }

    static func json(port: UInt16, path: String) async -> [String: Any]? {
        guard let (status, data) = await httpGet(port: port, path: path), status == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// Waits for an event with a load-scaled deadline (`Eventually.holds`, IoMTLab); returns whether it held.
    static func waitUntil(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        await Eventually.holds(within: seconds, pollMilliseconds: 100, condition)
    }

    static func readLog(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import Glibc
import IoMTTestSupport
import Testing
@testable import IoMTHTTP

/// Real TLS on loopback: `openssl s_server` with throw-away certificates made by the openssl CLI.
/// Checks that verification is on (an unknown CA fails), that a CA bundle, a key pin and a client
/// certificate (mutual TLS) are honoured. openssl is run and waited for on a thread of its own (`OwnThread`).
@Suite("CurlHTTPClient TLS against openssl s_server", .serialized)
final class TLSLoopbackTests {
    let directory: String
    var serverPid: pid_t = 0

    init() async throws {
        directory = NSTemporaryDirectory() + "iomt-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["server", "client"] {
            try await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", path("\(name)-key.pem"), "-out", path("\(name)-cert.pem"), "-days", "1",
                         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        }
    }

    deinit {
        if serverPid > 0 {
            kill(serverPid, SIGKILL)
            var status: Int32 = 0
            waitpid(serverPid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    @discardableResult
    func openssl(_ arguments: [String], input: Data? = nil) async throws -> Data {
        try await OwnThread.run { Result { try Self.opensslBlocking(arguments, input: input) } }.get()
    }

    static func opensslBlocking(_ arguments: [String], input: Data?) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(input) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    /// Starts s_server on a free loopback port and waits until it accepts connections: it prints `ACCEPT` once it
    /// listens (which is why it runs without -quiet), so the wait is for that line, not a polling loop.
    func startServer(requireClientCertificate: Bool = false) async throws -> UInt16 {
        let port = LoopbackServer.unusedPort()
        var arguments = ["/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", path("server-cert.pem"),
                         "-key", path("server-key.pem"), "-www"]
        if requireClientCertificate { arguments += ["-Verify", "1", "-CAfile", path("client-cert.pem")] }
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { throw HTTPError.other("cannot create a pipe for openssl s_server: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addclose(&actions, output[0])
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(output[1])
        guard spawned == 0 else { close(output[0]); throw HTTPError.other("cannot start openssl s_server") }
        serverPid = pid
        let reader = output[0]
        let printed = await OwnThread.run { () -> (text: String, listening: Bool) in
            var printed: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 256)
            while !String(decoding: printed, as: UTF8.self).contains("ACCEPT\n") {
                let count = read(reader, &buffer, buffer.count)
                guard count > 0 else { return (String(decoding: printed, as: UTF8.self), false) }
                printed += buffer[..<count]
            }
            return (String(decoding: printed, as: UTF8.self), true)
        }
        guard printed.listening else {
            close(reader)
            throw HTTPError.connect("openssl s_server did not start on port \(port): \(printed.text)")
        }
        // What it prints per connection is drained until it exits, so a full pipe never blocks it.
        Thread.detachNewThread {
            var sink = [UInt8](repeating: 0, count: 4096)
            while read(reader, &sink, sink.count) > 0 {}
            close(reader)
        }
        return port
    }

    func serverKeyPin() async throws -> String {
        let publicKey = try await openssl(["x509", "-in", path("server-cert.pem"), "-pubkey", "-noout"])
        let der = try await openssl(["pkey", "-pubin", "-outform", "der"], input: publicKey)
        let digest = try await openssl(["dgst", "-sha256", "-binary"], input: der)
        return "sha256//" + digest.base64EncodedString()
    }

    func get(_ client: CurlHTTPClient, _ port: UInt16) async -> Result<HTTPResponse, HTTPError> {
        do { return .success(try await client.send(HTTPRequest(method: "GET", url: "https://127.0.0.1:\(port)/", timeoutMilliseconds: 10_000))) }
        catch { return .failure(error) }
    }

    @Test func verifiesAgainstTheConfiguredCAAndRejectsAnUnknownOne() async throws {
        let port = try await startServer()
        let trusted = CurlHTTPClient(configuration: .init(caBundlePath: path("server-cert.pem")))
        #expect(try await get(trusted, port).get().status == 200)

        let systemStore = CurlHTTPClient()
        guard case let .failure(error) = await get(systemStore, port) else { Issue.record("self-signed peer accepted"); return }
        #expect(error.kind == "tls", "got \(error)")

        let wrongCA = CurlHTTPClient(configuration: .init(caBundlePath: path("client-cert.pem")))
        guard case let .failure(wrong) = await get(wrongCA, port) else { Issue.record("peer accepted with the wrong CA"); return }
        #expect(wrong.kind == "tls", "got \(wrong)")
    }

    @Test func honoursThePinnedPublicKey() async throws {
        let port = try await startServer()
        let pinned = CurlHTTPClient(configuration: .init(caBundlePath: path("server-cert.pem"), pinnedPublicKey: try await serverKeyPin()))
        #expect(try await get(pinned, port).get().status == 200)

        let otherPin = "sha256//" + Data(repeating: 7, count: 32).base64EncodedString()
        let mismatched = CurlHTTPClient(configuration: .init(caBundlePath: path("server-cert.pem"), pinnedPublicKey: otherPin))
        guard case let .failure(error) = await get(mismatched, port) else { Issue.record("pin mismatch accepted"); return }
        #expect(error.kind == "tls", "got \(error)")
    }

    @Test func presentsTheClientCertificateForMutualTLS() async throws {
        let port = try await startServer(requireClientCertificate: true)
        let client = CurlHTTPClient(configuration: .init(caBundlePath: path("server-cert.pem"),
                                                         clientCertificatePath: path("client-cert.pem"),
                                                         clientKeyPath: path("client-key.pem")))
        #expect(try await get(client, port).get().status == 200)
    }
}

import Foundation
import IoMTLab

/// Throw-away certificates made with the openssl CLI: a CA issuing a server certificate (127.0.0.1) and
/// a client certificate, plus an unrelated CA for "wrong CA" cases. Keys are mode 0600, as iomtd requires. openssl runs
/// on a thread of its own: twelve runs on a cooperative-pool thread (2 on this machine) stall every other test meanwhile.
struct TestPKI {
    let directory: URL

    init(in directory: URL) async throws {
        self.directory = directory.appendingPathComponent("pki")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        try await makeCA("ca", subject: "/CN=iomt test CA")
        try await makeCA("other-ca", subject: "/CN=unrelated test CA")
        try await issue("server", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try await issue("client", subject: "/CN=iomt-gateway-e2e", extensions: "extendedKeyUsage=clientAuth\n")
        for name in ["ca-key.pem", "other-ca-key.pem", "server-key.pem", "client-key.pem", "client-cert.pem"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path(name))
        }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var caCertificate: String { path("ca-cert.pem") }
    var otherCACertificate: String { path("other-ca-cert.pem") }
    var serverCertificate: String { path("server-cert.pem") }
    var serverKey: String { path("server-key.pem") }
    var clientCertificate: String { path("client-cert.pem") }
    var clientKey: String { path("client-key.pem") }

    /// `sha256//…` of the server's public key, as CURLOPT_PINNEDPUBLICKEY expects.
    func serverKeyPin() async throws -> String {
        let publicKey = try await openssl(["x509", "-in", serverCertificate, "-pubkey", "-noout"])
        let der = try await openssl(["pkey", "-pubin", "-outform", "der"], input: publicKey)
        return "sha256//" + (try await openssl(["dgst", "-sha256", "-binary"], input: der)).base64EncodedString()
    }

    private static let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    private func makeCA(_ name: String, subject: String) async throws {
        try await openssl(["req", "-x509"] + Self.newKey + ["-keyout", path("\(name)-key.pem"), "-out", path("\(name)-cert.pem"),
                                                      "-days", "1", "-subj", subject])
    }

    private func issue(_ name: String, subject: String, extensions: String) async throws {
        try await openssl(["req", "-new"] + Self.newKey + ["-keyout", path("\(name)-key.pem"), "-out", path("\(name).csr"), "-subj", subject])
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try await openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", caCertificate, "-CAkey", path("ca-key.pem"),
                     "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "1", "-extfile", path("\(name).ext"),
                     "-out", path("\(name)-cert.pem")])
    }

    @discardableResult
    private func openssl(_ arguments: [String], input: Data? = nil) async throws -> Data {
        try await LabChildProcess.offThePool { Result { try Self.opensslBlocking(arguments, input: input) } }.get()
    }

    private static func opensslBlocking(_ arguments: [String], input: Data?) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe(), inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(input) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let diagnostics = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(String(decoding: diagnostics, as: UTF8.self))")
        }
        return data
    }
}

import Foundation
import IoMTCore
import Testing

/// DOM over mutual TLS with a pinned key and OAuth2 bearer tokens, every piece a real process: the
/// receiver (libssl, client certificates required, token endpoint), the simulator and iomtd.
@Suite(.serialized) struct SecureDeliveryTests {
    static let clientId = "iomt-e2e-gateway"
    static let clientSecret = "e2e:secret-\(UInt32.random(in: 0...UInt32.max))"

    /// A receiver demanding client certificates (and bearer tokens with `oauth2`), with the simulator running.
    func secureLab(_ name: String, oauth2: Bool) async throws -> GatewayScenario {
        let lab = try GatewayScenario(name: name)
        lab.pki = try await TestPKI(in: lab.directory)
        lab.requireClientCertificate = true
        if oauth2 { lab.receiverOptions = ["--oauth2-client", "\(Self.clientId):\(Self.clientSecret)"] }
        try lab.startReceiver()
        try lab.startSimulator(["--generation", "legacy", "--script", "demo"])
        #expect(await lab.waitForReceiver(), "receiver did not come up\n\(lab.logs())")
        #expect(await lab.waitForDevice())
        return lab
    }

    /// The `dom` members of a correct secure configuration; each failure case spoils one of them.
    func domSecurity(_ lab: GatewayScenario, oauth2: Bool, caBundle: String? = nil, clientCertificate: Bool = true, pin: String? = nil) async throws -> String {
        let pki = try #require(lab.pki)
        let secretFile = lab.directory.appendingPathComponent("client-secret").path
        try FileIO.writeAtomically(Array((Self.clientSecret + "\n").utf8), to: secretFile, mode: 0o600)
        let pinned = if let pin { pin } else { try await pki.serverKeyPin() }
        var members = #", "caBundle": "\#(caBundle ?? pki.caCertificate)", "pinnedPublicKey": "\#(pinned)""#
        if clientCertificate {
            members += #", "clientCertificate": "\#(pki.clientCertificate)", "clientKey": "\#(pki.clientKey)""#
        }
        guard oauth2 else { return members }
        members += #", "oauth2": {"tokenURL": "\#(lab.baseURL)/token", "clientId": "\#(Self.clientId)", "clientSecretFile": "\#(secretFile)", "scope": "system/Observation.write"}"#
        return members
    }

    @Test func deliversOverMutualTLSWithPinnedKeyAndBearerToken() async throws {
        try await withGatewayScenario(await secureLab("secure", oauth2: true)) { lab in
            try lab.writeConfiguration(dom: try await domSecurity(lab, oauth2: true))
            try lab.startDaemon()
            let delivered = await LabHarness.waitUntil(seconds: 40) { (await lab.domObservationCount() ?? 0) >= 6 }
            #expect(delivered, "nothing delivered\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let stats = await lab.domStats()
            #expect(stats["tokensIssued"] as? Int == 1, "\(stats)")
            #expect(stats["unauthorizedRequests"] as? Int == 0, "\(stats)")
            let (_, store) = try await lab.storeSnapshot()
            #expect(store.quarantined == 0)
            #expect(store.failuresByKind.isEmpty, "\(store.failuresByKind)")
            let daemonLog = LabHarness.readLog(lab.directory.appendingPathComponent("iomtd-1.log"))
            #expect(daemonLog.contains("access token obtained"))
            #expect(!daemonLog.contains(Self.clientSecret), "the client secret reached the log")
            #expect(!daemonLog.contains("44051401359"), "the PESEL reached the log")
            try await FHIRValidator.validateRecordedBundles(lab)
        }
    }

    enum Misconfiguration: String, CaseIterable, Sendable {
        case noClientCertificate, wrongCA, pinMismatch
    }

    /// Each TLS mistake towards DOM (mutual TLS, no OAuth2) is a `tls` failure: rows stay pending, nothing is
    /// quarantined, nothing arrives. (The same mistake towards a token endpoint is an `auth-token` failure.)
    @Test(arguments: Misconfiguration.allCases)
    func tlsMistakesKeepRowsPending(_ mistake: Misconfiguration) async throws {
        try await withGatewayScenario(await secureLab("tls-\(mistake.rawValue)", oauth2: false)) { lab in
            let pki = try #require(lab.pki)
            let dom = switch mistake {
            case .noClientCertificate: try await domSecurity(lab, oauth2: false, clientCertificate: false)
            case .wrongCA: try await domSecurity(lab, oauth2: false, caBundle: pki.otherCACertificate)
            case .pinMismatch: try await domSecurity(lab, oauth2: false, pin: "sha256//" + Data(repeating: 7, count: 32).base64EncodedString())
            }
            try lab.writeConfiguration(dom: dom)
            try lab.startDaemon()
            // Until the receiver has seen three refused sessions (the backoff grows 0.5 s, 1 s, 2 s, …).
            let receiverLog = lab.directory.appendingPathComponent("receiver.log")
            let attempted = await LabHarness.waitUntil(seconds: 60) {
                LabHarness.readLog(receiverLog).split(separator: "\n").filter { $0.contains("TLS handshake failed") || $0.contains("TLS client left") }.count >= 3
            }
            #expect(attempted, "iomtd never tried\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            if let receiver = lab.receiver, !receiver.isRunning {
                Issue.record("the receiver exited (\(receiver.terminationReason == .uncaughtSignal ? "signal" : "status") \(receiver.terminationStatus))\n\(lab.logs())")
            }
            let (rows, stats) = try await lab.storeSnapshot()
            #expect(!rows.isEmpty, "no readings stored\n\(lab.logs())")
            #expect(stats.delivered == 0)
            #expect(stats.quarantined == 0)
            #expect(stats.backlog == rows.count)
            #expect(stats.failuresByKind["tls"] ?? 0 > 0, "\(stats.failuresByKind)\n\(lab.logs())")
            #expect(Set(stats.failuresByKind.keys) == ["tls"], "\(stats.failuresByKind)")
            #expect(await lab.domObservationCount() == 0)
        }
    }

    /// `https_proxy` in iomtd's environment: token request and bundles go through the proxy's CONNECT
    /// tunnel, with TLS (client certificate, pin) still end to end with DOM.
    @Test func tunnelsThroughTheProxyFromTheEnvironment() async throws {
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        try await withGatewayScenario(await secureLab("proxy", oauth2: true)) { lab in
            lab.daemonEnvironment = ["https_proxy": "http://127.0.0.1:\(proxy.port)", "HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)",
                                     "no_proxy": "", "NO_PROXY": "", "all_proxy": "", "ALL_PROXY": ""]
            try lab.writeConfiguration(dom: try await domSecurity(lab, oauth2: true))
            try lab.startDaemon()
            let delivered = await LabHarness.waitUntil(seconds: 40) { (await lab.domObservationCount() ?? 0) >= 3 }
            #expect(delivered, "nothing delivered through the proxy\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            #expect(proxy.tunnels.contains("127.0.0.1:\(lab.port)"), "\(proxy.tunnels)")
            let (_, store) = try await lab.storeSnapshot()
            #expect(store.failuresByKind.isEmpty, "\(store.failuresByKind)")
        }
    }

    /// Mutual TLS alone (no OAuth2): the client certificate is the only credential, and it is enough.
    @Test func deliversOverMutualTLSWithoutOAuth2() async throws {
        try await withGatewayScenario(await secureLab("mtls-only", oauth2: false)) { lab in
            try lab.writeConfiguration(dom: try await domSecurity(lab, oauth2: false))
            try lab.startDaemon()
            let delivered = await LabHarness.waitUntil(seconds: 40) { (await lab.domObservationCount() ?? 0) >= 3 }
            #expect(delivered, "nothing delivered\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            try await FHIRValidator.validateRecordedBundles(lab)
        }
    }
}

@Suite struct CredentialConfigurationTests {
    func baseConfiguration(_ directory: URL, dom: String) -> String {
        """
        {"stateDirectory": "\(directory.path)/state", "profilesDirectory": "\(LabHarness.repositoryRoot.path)/DeviceProfiles",
         "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "devices": [],
         "dom": \(dom)}
        """
    }

    @Test func credentialFilesReadableByOthersAreRefused() async throws {
        let directory = try LabHarness.temporaryDirectory("credentials")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("client.key").path
        let certificate = directory.appendingPathComponent("client.pem").path
        let secret = directory.appendingPathComponent("client-secret").path
        try FileIO.writeAtomically(Array("key".utf8), to: key, mode: 0o644)
        try FileIO.writeAtomically(Array("cert".utf8), to: certificate, mode: 0o600)
        try FileIO.writeAtomically(Array("s3cret".utf8), to: secret, mode: 0o644)
        let path = directory.appendingPathComponent("iomtd.json").path
        try baseConfiguration(directory, dom: """
            {"baseURL": "https://dom.example/fhir", "clientCertificate": "\(certificate)", "clientKey": "\(key)",
             "oauth2": {"tokenURL": "https://auth.example/token", "clientId": "gw", "clientSecretFile": "\(secret)"}}
            """).write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await LabHarness.run("iomtd", ["--config", path, "--check-config"])
        #expect(status == 2)
        for file in [key, secret] {
            #expect(output.contains("\(file): credential file has mode 644; expected 600 (run: chmod 600 \(file))"), "\(output)")
        }
        #expect(!output.contains(certificate), "a 0600 file was reported: \(output)")
        #expect(!output.contains("s3cret"))

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        let (fixed, fixedOutput) = try await LabHarness.run("iomtd", ["--config", path, "--check-config"])
        #expect(fixed == 0, "\(fixedOutput)")
    }

    @Test func oauth2AndPinMistakesNameTheFieldAndTheExpectation() async throws {
        let directory = try LabHarness.temporaryDirectory("oauth-config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("iomtd.json").path
        try baseConfiguration(directory, dom: """
            {"baseURL": "http://dom.example/fhir", "pinnedPublicKey": "sha1//abc",
             "oauth2": {"tokenURL": "http://auth.example/token", "clientSecretFile": "secret.txt", "grant": "password"}}
            """).write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await LabHarness.run("iomtd", ["--config", path, "--check-config"])
        #expect(status == 2)
        for fragment in ["\(path): dom.pinnedPublicKey: expected sha256// followed by the base64 SHA-256",
                         "\(path): dom.baseURL: expected an https:// URL, or http:// only to a literal loopback address (127.0.0.1 … 127.255.255.255 or [::1]), without user@, found \"http://dom.example/fhir\"",
                         "\(path): dom.oauth2.tokenURL: expected an https:// URL, or http:// only to a literal loopback address (127.0.0.1 … 127.255.255.255 or [::1]), without user@, found \"http://auth.example/token\" (http:// to auth.example, which is not a literal loopback address)",
                         "\(path): dom.oauth2.clientId: expected the OAuth2 client id DOM issued, found nothing",
                         "\(path): dom.oauth2.clientSecretFile: expected an absolute path",
                         "\(path): dom.oauth2.grant: expected one of clientId, clientSecretFile, scope, tokenURL, found unknown field"] {
            #expect(output.contains(fragment), "missing '\(fragment)' in:\n\(output)")
        }
    }
}

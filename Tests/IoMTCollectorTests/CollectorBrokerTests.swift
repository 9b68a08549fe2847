import Foundation
import IoMTLab
import IoMTTestSupport
import Testing

/// iomt-collector between Debian's real mosquitto (persistence on) and the lab's DOM receiver, as processes.
@Suite(.serialized, .enabled(if: mosquittoTools.shouldRun, "\(mosquittoTools.skipNote)"))
struct CollectorBrokerTests {
    /// The acknowledgement waits for DOM: a collector killed while DOM has not answered never acknowledged, so the
    /// broker delivers the message again and DOM gets the reading. (A collector that acknowledges on receipt — as
    /// libmosquitto 2.0.11 does before calling on_message — loses it: DOM ends with 0 readings.)
    @Test func aCollectorKilledBeforeDOMAcceptedLeavesTheMessageAtTheBroker() async throws {
        let lab = try await CollectorLab(name: "ack")
        lab.events.hold(sequence: 1)
        let first = try await lab.startCollector("collector-a")
        let (bundles, identifiers) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 3)
        try await lab.publish(bundles, gateway: "0A1B2C3D4E5F6071")
        #expect(await lab.events.waitForHeldRequest(seconds: 20), "the collector never POSTed the bundle: \(lab.log("collector-a"))")
        await lab.kill(first) // inside the message callback, DOM's answer outstanding
        lab.events.release.signal()
        #expect(lab.dom.observationCount == 0)
        try await lab.startCollector("collector-a") // systemd's Restart=, same client id and session
        let delivered = await lab.events.wait(seconds: 30) { lab.dom.observationCount == identifiers.count }
        #expect(delivered, "DOM holds \(lab.dom.observationCount) of \(identifiers.count) readings: \(lab.log("collector-a"))")
        #expect(Set(lab.storedIdentifiers()) == Set(identifiers), "DOM holds other readings than were published")
    }

    /// systemd's stop (SIGTERM) while DOM has not accepted the bundle: the collector exits without acknowledging,
    /// and the restarted instance relays the message.
    @Test func stoppingWhileDOMHasNotAcceptedLeavesTheMessageUnacknowledged() async throws {
        let lab = try await CollectorLab(name: "stop")
        lab.events.hold(sequence: 1)
        let first = try await lab.startCollector("collector-a")
        let (bundles, identifiers) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 2)
        try await lab.publish(bundles, gateway: "0A1B2C3D4E5F6071")
        #expect(await lab.events.waitForHeldRequest(seconds: 20))
        kill(first.processIdentifier, SIGTERM)
        lab.events.release.signal() // DOM answers 503; the collector must not wait for a retry, nor acknowledge
        #expect(await ChildProcessWait.exit(of: first, within: 20), "the collector did not stop: \(lab.log("collector-a"))")
        #expect(first.terminationStatus == 0)
        #expect(lab.dom.observationCount == 0)
        try await lab.startCollector("collector-a")
        #expect(await lab.events.wait(seconds: 30) { lab.dom.observationCount == identifiers.count },
                "DOM holds \(lab.dom.observationCount) of \(identifiers.count): \(lab.log("collector-a"))")
    }

    /// Two gateways stream to two collector instances sharing the subscription; one is SIGKILLed mid-stream and
    /// restarted (systemd's Restart=). DOM ends with every reading exactly once.
    @Test func twoCollectorsOneKilledMidStreamDOMHoldsEveryReadingOnce() async throws {
        let lab = try await CollectorLab(name: "share")
        lab.events.slowDown(milliseconds: 25) // 120 bundles over two instances: about 1.5 s of stream to cut into
        let a = try await lab.startCollector("collector-a")
        try await lab.startCollector("collector-b")
        lab.events.kill(a.processIdentifier, atRequest: 20) // mid-stream: some bundles are at DOM, most are not
        let gatewayOne = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 60, perBundle: 5)
        let gatewayTwo = gatewayBundles(systemId: "1122334455667788", count: 60, perBundle: 5)
        let expected = Set(gatewayOne.identifiers + gatewayTwo.identifiers)
        try await lab.publish(gatewayOne.bundles, gateway: "0A1B2C3D4E5F6071")
        try await lab.publish(gatewayTwo.bundles, gateway: "1122334455667788")
        #expect(await lab.events.wait(seconds: 30) { lab.events.requests >= 20 }, "DOM saw \(lab.events.requests) requests")
        await lab.kill(a) // reaps it
        let partial = lab.dom.observationCount
        try await lab.startCollector("collector-a")
        let complete = await lab.events.wait(seconds: 60) { lab.dom.observationCount >= expected.count }
        #expect(complete, "DOM holds \(lab.dom.observationCount) of \(expected.count) readings")
        let stored = lab.storedIdentifiers()
        #expect(stored.count == expected.count, "duplicates at DOM: \(stored.count - Set(stored).count)")
        #expect(expected.subtracting(stored).isEmpty, "\(expected.subtracting(stored).count) reading(s) lost")
        #expect(Set(stored).isSubset(of: expected), "DOM holds readings that were never published")
        #expect(partial < expected.count, "the kill came after the stream ended (\(partial) stored)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: lab.quarantineDirectory)) ?? []).isEmpty)
        for instance in ["collector-a", "collector-b"] {
            #expect(!lab.log(instance).contains(patient), "\(instance) logged a patient identifier")
        }
    }

    /// A bundle DOM refuses for its content is kept on disk and then acknowledged: nothing is lost, and it does not
    /// block the bundles behind it.
    @Test func aRefusedBundleIsQuarantinedToDiskThenAcknowledged() async throws {
        let lab = try await CollectorLab(name: "refuse")
        try await lab.startCollector("collector-a")
        let good = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 2, perBundle: 2)
        try await lab.publish([Array("{\"resourceType\":\"Patient\"}".utf8)] + good.bundles, gateway: "0A1B2C3D4E5F6071")
        #expect(await lab.events.wait(seconds: 30) { lab.dom.observationCount == good.identifiers.count })
        let files = (try? FileManager.default.contentsOfDirectory(atPath: lab.quarantineDirectory)) ?? []
        #expect(files.count == 1, "\(files)")
        let kept = files.first.flatMap { try? String(contentsOfFile: lab.quarantineDirectory + "/" + $0, encoding: .utf8) } ?? ""
        #expect(kept.contains("\"resourceType\":\"Patient\"") && kept.contains("not a FHIR transaction Bundle"))
        #expect(lab.log("collector-a").contains("kept in"))
        // The lab's broker takes anonymous logins; a deployment must not (docs/deployment.md): the startup log says so.
        #expect(lab.log("collector-a").contains("logs in anonymously"), "no startup warning about the anonymous login")
    }
}

/// The broker's certificate is verified against broker.caFile, host name included, with Debian's mosquitto on a TLS listener.
@Suite(.serialized, .enabled(if: mosquittoTools.shouldRun, "\(mosquittoTools.skipNote)"))
struct CollectorTLSTests {
    @Test func subscribesOnlyToABrokerWhoseCertificateAndNameVerify() async throws {
        let lab = try await CollectorLab(name: "tls")
        let pki = lab.directory.path + "/pki"
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true)
        func openssl(_ arguments: String) async throws {
            let (status, output) = try await ProgramRun.run("/usr/bin/openssl", arguments.split(separator: " ").map(String.init),
                                                            in: URL(fileURLWithPath: pki))
            guard status == 0 else { throw LabFailure("openssl \(arguments) failed: \(output)") }
        }
        try await openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=collector-test-CA")
        try await openssl("req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 -subj /CN=another-CA")
        for (name, san) in [("loopback", "IP:127.0.0.1"), ("misnamed", "DNS:broker.example")] {
            try "subjectAltName=\(san)\n".write(toFile: "\(pki)/\(name).ext", atomically: true, encoding: .utf8)
            try await openssl("req -newkey rsa:2048 -nodes -keyout \(name).key -out \(name).csr -subj /CN=\(name)")
            try await openssl("x509 -req -in \(name).csr -CA ca.pem -CAkey ca.key -CAcreateserial -out \(name).pem -days 2 -extfile \(name).ext")
        }
        let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        var listeners = ""
        var ports: [String: UInt16] = [:]
        for name in ["loopback", "misnamed"] {
            let port = try MosquittoBroker.freePort()
            ports[name] = port
            listeners += "listener \(port) 127.0.0.1\ncafile \(pki)/ca.pem\ncertfile \(pki)/\(name).pem\nkeyfile \(pki)/\(name).key\n"
        }
        try "user \(user)\nper_listener_settings false\nallow_anonymous true\n\(listeners)".write(toFile: "\(pki)/mosquitto.conf", atomically: true, encoding: .utf8)
        let broker = Process()
        broker.executableURL = URL(fileURLWithPath: MosquittoBroker.executable)
        broker.arguments = ["-c", "\(pki)/mosquitto.conf"]
        broker.standardOutput = FileHandle.nullDevice
        broker.standardError = FileHandle.nullDevice
        try broker.run()
        // SIGKILL: it keeps nothing the test needs, and a child of the test runner may inherit SIGTERM blocked.
        try await withAsyncCleanup({ await ChildProcessWait.stop(broker, signal: SIGKILL) }) {
            // The collector retries connecting by itself, so its READY=1 is the event to wait for.
            func configure(_ name: String, port: UInt16, ca: String) throws -> String {
                let path = "\(lab.directory.path)/\(name).json"
                try """
                {"broker": {"url": "mqtts://127.0.0.1:\(port)", "clientId": "\(name)", "topicPrefix": "\(topicPrefix)", "caFile": "\(pki)/\(ca).pem"},
                 "dom": {"baseURL": "http://127.0.0.1:\(lab.dom.port)/fhir"}, "stateDirectory": "\(lab.directory.path)/state-\(name)"}
                """.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            await #expect(throws: Never.self) { try await lab.startCollector("verified", config: try configure("verified", port: ports["loopback"]!, ca: "ca")) }
            await #expect(throws: LabFailure.self) { try await lab.startCollector("unknown-ca", config: try configure("unknown-ca", port: ports["loopback"]!, ca: "other"), within: 4) }
            await #expect(throws: LabFailure.self) { try await lab.startCollector("wrong-name", config: try configure("wrong-name", port: ports["misnamed"]!, ca: "ca"), within: 4) }
            #expect(lab.log("unknown-ca").contains("certificate verify failed"))
        }
    }
}

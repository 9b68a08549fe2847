import Foundation
import IoMTCore
import IoMTFHIR
import IoMTHTTP
import IoMTLab
import Testing

/// The receiver over real loopback HTTP (CurlHTTPClient), as the forwarder sees it.
@Suite struct DOMReceiverTests {
    let client = CurlHTTPClient()

    func post(_ port: UInt16, _ body: String) async throws -> HTTPResponse {
        try await client.send(HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/fhir",
                                          headers: [HTTPHeader("Content-Type", "application/fhir+json")], body: Array(body.utf8)))
    }

    func get(_ port: UInt16, _ path: String) async throws -> JSONValue {
        let response = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)"))
        #expect(response.status == 200)
        return try JSONValue.parse(bytes: response.body)
    }

    func bundle(_ range: Range<Int>) -> String {
        let builder = PHDBundleBuilder(gateway: GatewayIdentity(systemId: "0102030405060708", serialNumber: "GW", softwareVersion: "1"))
        return builder.transactionBundle(for: readings(range.count, startingAt: range.lowerBound).enumerated().map {
            BundleInput(storeId: Int64($0.offset), observation: $0.element)
        }).serialized()
    }

    /// A kill mid-write leaves a torn last line (never acknowledged). The restarted receiver reloads what came
    /// before, cuts the torn bytes off, and its next line starts on a line of its own: a third start reads all.
    @Test func tornLastLineIsCutOffAtRestart() async throws {
        let dataFile = FileManager.default.temporaryDirectory.appendingPathComponent("dom-torn-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: dataFile) }
        do {
            let first = DOMReceiver(configuration: DOMReceiverConfiguration(dataFile: dataFile))
            let port = try first.start()
            #expect(try await post(port, bundle(0..<2)).status == 200)
            first.stop()
        }
        let handle = try #require(FileHandle(forWritingAtPath: dataFile))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"resourceType":"Observation","id":"99","status":"fin"#.utf8))
        handle.closeFile()

        let second = DOMReceiver(configuration: DOMReceiverConfiguration(dataFile: dataFile))
        let port = try second.start()
        #expect(second.observationCount == 2)
        #expect(try await post(port, bundle(0..<3)).status == 200)
        #expect(second.observationCount == 3)
        #expect(second.observations().count == 3, "every stored range reads back as a resource")
        second.stop()

        let third = DOMReceiver(configuration: DOMReceiverConfiguration(dataFile: dataFile))
        _ = try third.start()
        defer { third.stop() }
        #expect(third.observationCount == 3)
        #expect(third.deviceCount == 2)
        let text = try String(contentsOfFile: dataFile, encoding: .utf8)
        #expect(!text.contains(#""status":"fin{"#) && !text.contains(#""id":"99""#), "the torn bytes are gone")
    }

    @Test func transactionCreatesThenMatchesAndResolvesReferences() async throws {
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let first = try await post(port, bundle(0..<2))
        #expect(first.status == 200)
        let response = try JSONValue.parse(bytes: first.body)
        #expect(response["type"]?.stringValue == "transaction-response")
        #expect(response["entry"]?.arrayValue?.compactMap { $0["response"]?["status"]?.stringValue }
                == ["201 Created", "201 Created", "201 Created", "201 Created"])
        let again = try JSONValue.parse(bytes: try await post(port, bundle(0..<3)).body)
        #expect(again["entry"]?.arrayValue?.compactMap { $0["response"]?["status"]?.stringValue }
                == ["200 OK", "200 OK", "200 OK", "200 OK", "201 Created"])
        #expect(again["entry"]?[2]?["response"]?["location"] == response["entry"]?[2]?["response"]?["location"])

        let stored = receiver.observations()
        #expect(stored.count == 3)
        let deviceReference = stored[0]["device"]?["reference"]?.stringValue ?? ""
        #expect(deviceReference.hasPrefix("Device/"))
        #expect(stored[0]["extension"]?[0]?["valueReference"]?["reference"]?.stringValue?.hasPrefix("Device/") == true)

        let stats = try await get(port, "/stats")
        #expect(stats.serialized() == #"{"observations":3,"devices":2,"bundles":2,"duplicatesSuppressed":4,"entryFailuresInjected":0}"#)
        #expect(try await get(port, "/fhir/Observation?_summary=count").serialized() == #"{"resourceType":"Bundle","type":"searchset","total":3}"#)
        #expect(try await get(port, "/fhir/Device?_summary=count")["total"]?.intValue == 2)
        let page = try await get(port, "/fhir/Observation?_count=2")
        #expect(page["total"]?.intValue == 3)
        #expect(page["entry"]?.arrayValue?.count == 2)
        let identifier = stored[1]["identifier"]![0]!
        let query = "identifier=" + ConditionalQuery.identifier(system: identifier["system"]!.stringValue!, value: identifier["value"]!.stringValue!)
            .dropFirst("identifier=".count).replacingOccurrences(of: "|", with: "%7C")
        let found = try await get(port, "/fhir/Observation?" + query)
        #expect(found["total"]?.intValue == 1)
        #expect(found["entry"]?[0]?["resource"]?["id"] == stored[1]["id"])
    }

    @Test func refusesWhatIsNotATransaction() async throws {
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        for body in ["not json", #"{"resourceType":"Patient"}"#, #"{"resourceType":"Bundle","type":"batch"}"#] {
            let response = try await post(port, body)
            #expect(response.status == 400)
            #expect(TransactionResponseParser.operationOutcomeText(body: response.body) != nil)
        }
        let missingStatus = bundle(0..<1).replacingOccurrences(of: "\"status\":\"final\",", with: "")
        #expect(try await post(port, missingStatus).status == 422)
        #expect(receiver.observationCount == 0)
        #expect(receiver.deviceCount == 0) // atomic: the devices of a refused transaction are not kept
        let health = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/health"))
        #expect(health.status == 200)
        let missing = try await client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/nowhere"))
        #expect(missing.status == 404)
    }

    @Test func concurrentSendersAreAllCounted() async throws {
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for sender in 0..<6 {
                let body = bundle((sender * 10)..<(sender * 10 + 10))
                group.addTask { try await post(port, body).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(receiver.observationCount == 60)
        #expect(receiver.deviceCount == 2)
    }

    @Test func droppedConnectionIsATransportError() async throws {
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { _ in .drop }))
        let port = try receiver.start()
        defer { receiver.stop() }
        await #expect(throws: HTTPError.self) { try await post(port, bundle(0..<1)) }
        #expect(receiver.observationCount == 0)
    }
}

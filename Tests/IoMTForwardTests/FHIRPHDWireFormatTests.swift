import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTStore
import Testing

@Suite struct FHIRPHDWireFormatTests {
    let format = FHIRPHDWireFormat(gateway: gateway)
    let batch = readings(3).enumerated().map { StoredObservation(id: Int64(10 + $0.offset), observation: $0.element, alertPriority: nil, attempts: 0) }

    @Test func perEntryOutcomesMapToRows() {
        // Entries: PHG, oximeter, then rows 10, 11, 12.
        let body = """
        {"resourceType":"Bundle","type":"transaction-response","entry":[
        {"response":{"status":"200 OK"}},{"response":{"status":"200 OK"}},
        {"response":{"status":"201 Created","location":"Observation/1"}},
        {"response":{"status":"400 Bad Request","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"bad unit"}]}}},
        {"response":{"status":"503 Service Unavailable"}}]}
        """
        let outcome = format.interpret(status: 200, body: Array(body.utf8), batch: batch)
        #expect(outcome.delivered == [10])
        #expect(outcome.quarantined == [QuarantinedRow(id: 11, reason: "400 Bad Request: error/invalid: bad unit")])
        #expect(outcome.retryable.map(\.id) == [12])
        #expect(outcome.retryable.first?.kind == "entry-503")
    }

    @Test func wholeRequestStatuses() {
        #expect(format.interpret(status: 422, body: [], batch: batch).splitAndRetry)
        #expect(format.interpret(status: 422, body: [], batch: [batch[0]]).quarantined.map(\.id) == [10])
        #expect(format.interpret(status: 503, body: [], batch: batch).retryable.map(\.kind) == ["http-503", "http-503", "http-503"])
        #expect(format.interpret(status: 408, body: [], batch: batch).retryable.count == 3)
        #expect(format.interpret(status: 200, body: Array("not json".utf8), batch: batch).retryable.first?.kind == "bad-response")
    }
}

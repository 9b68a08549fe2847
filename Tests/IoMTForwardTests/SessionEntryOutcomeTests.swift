import IoMTCore
import IoMTForward
import Testing

/// A stored row sent as several bundle entries (an overnight oximetry session: summary and two sample arrays) is
/// delivered only when DOM accepted every one of them.
@Suite struct SessionEntryOutcomeTests {
    static func response(_ statuses: [String]) -> [UInt8] {
        let entries = statuses.map { #"{"response":{"status":"\#($0)"}}"# }.joined(separator: ",")
        return Array(#"{"resourceType":"Bundle","type":"transaction-response","entry":[\#(entries)]}"#.utf8)
    }

    @Test func everyEntryOfARowMustBeAccepted() {
        let entryIds: [Int64?] = [nil, nil, 41, 41, 41, 42]
        let accepted = FHIRPHDWireFormat.interpretTransaction(status: 200, body: Self.response(["200 OK", "200 OK", "201 Created", "201 Created", "201 Created", "201 Created"]),
                                                              entryIds: entryIds, rowIds: [41, 42])
        #expect(accepted.delivered == [41, 42])
        let oneArrayFailed = FHIRPHDWireFormat.interpretTransaction(status: 200, body: Self.response(["200 OK", "200 OK", "201 Created", "500 Internal Server Error", "201 Created", "201 Created"]),
                                                                    entryIds: entryIds, rowIds: [41, 42])
        #expect(oneArrayFailed.delivered == [42] && oneArrayFailed.retryable.map(\.id) == [41] && oneArrayFailed.quarantined.isEmpty)
        let oneArrayRefused = FHIRPHDWireFormat.interpretTransaction(status: 200, body: Self.response(["200 OK", "200 OK", "201 Created", "500 Internal Server Error", "422 Unprocessable Entity", "201 Created"]),
                                                                     entryIds: entryIds, rowIds: [41, 42])
        #expect(oneArrayRefused.delivered == [42] && oneArrayRefused.quarantined.map(\.id) == [41] && oneArrayRefused.retryable.isEmpty)
    }
}

import IoMTCore
import Testing
@testable import IoMTFHIR

@Suite struct TransactionResponseParserTests {
    @Test func mapsEntriesBackToStoreIds() throws {
        let body = """
        {"resourceType":"Bundle","type":"transaction-response","entry":[
          {"response":{"status":"200 OK","location":"Device/1"}},
          {"response":{"status":"201 Created","location":"Observation/7/_history/1"}},
          {"response":{"status":"422 Unprocessable Entity","outcome":{"resourceType":"OperationOutcome",
             "issue":[{"severity":"error","code":"invalid","diagnostics":"Observation.code: unknown code"}]}}}
        ]}
        """
        let outcomes = try TransactionResponseParser().parse(Array(body.utf8), entryStoreIds: [nil, 41, 42])
        #expect(outcomes.map(\.storeId) == [nil, 41, 42])
        #expect(outcomes.map(\.statusCode) == [200, 201, 422])
        #expect(outcomes[1].location == "Observation/7/_history/1")
        #expect(outcomes[1].isSuccess)
        #expect(!outcomes[2].isSuccess)
        #expect(outcomes[2].outcomeText == "error/invalid: Observation.code: unknown code")
    }

    @Test func refusesMismatchedOrForeignBodies() {
        #expect(throws: TransactionResponseError.self) {
            try TransactionResponseParser().parse(Array(#"{"resourceType":"Bundle","type":"transaction-response","entry":[]}"#.utf8), entryStoreIds: [1])
        }
        #expect(throws: TransactionResponseError.self) {
            try TransactionResponseParser().parse(Array(#"{"resourceType":"OperationOutcome"}"#.utf8), entryStoreIds: [])
        }
        #expect(throws: TransactionResponseError.self) {
            try TransactionResponseParser().parse(Array("<html>".utf8), entryStoreIds: [])
        }
    }
}

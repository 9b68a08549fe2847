import IoMTCore

/// What the server said about one entry of our transaction.
public struct TransactionEntryOutcome: Sendable, Hashable {
    /// Position of the entry in the bundle we sent.
    public var index: Int
    /// Store row id for Observation entries; nil for Device entries.
    public var storeId: Int64?
    /// `response.status` as sent, e.g. "201 Created".
    public var status: String
    /// The leading status code of `status` (201), nil if it does not start with one.
    public var statusCode: Int?
    public var location: String?
    /// Text of an OperationOutcome in `response.outcome`, if any.
    public var outcomeText: String?

    public var isSuccess: Bool { (200..<300).contains(statusCode ?? 0) }
}

public struct TransactionResponseError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public var description: String { "transaction response: \(reason)" }
}

/// Parses a `transaction-response` Bundle (FHIR R4 §3.1.0.11.2: one entry per request entry, same order).
public struct TransactionResponseParser: Sendable {
    public init() {}

    public func parse(_ body: [UInt8], entryStoreIds: [Int64?]) throws(TransactionResponseError) -> [TransactionEntryOutcome] {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: body) } catch {
            throw TransactionResponseError(reason: "body is not JSON (\(error)); expected a transaction-response Bundle")
        }
        return try parse(json, entryStoreIds: entryStoreIds)
    }

    public func parse(_ json: JSONValue, entryStoreIds: [Int64?]) throws(TransactionResponseError) -> [TransactionEntryOutcome] {
        guard json["resourceType"]?.stringValue == "Bundle" else {
            throw TransactionResponseError(reason: "resourceType is \(json["resourceType"]?.stringValue ?? "missing"), expected Bundle")
        }
        guard json["type"]?.stringValue == "transaction-response" else {
            throw TransactionResponseError(reason: "Bundle.type is \(json["type"]?.stringValue ?? "missing"), expected transaction-response")
        }
        let entries = json["entry"]?.arrayValue ?? []
        guard entries.count == entryStoreIds.count else {
            throw TransactionResponseError(reason: "\(entries.count) response entries for \(entryStoreIds.count) request entries")
        }
        var outcomes: [TransactionEntryOutcome] = []
        for (index, entry) in entries.enumerated() {
            guard let response = entry["response"], let status = response["status"]?.stringValue else {
                throw TransactionResponseError(reason: "entry \(index) has no response.status")
            }
            outcomes.append(TransactionEntryOutcome(
                index: index, storeId: entryStoreIds[index], status: status, statusCode: Self.statusCode(status),
                location: response["location"]?.stringValue,
                outcomeText: response["outcome"].flatMap { Self.operationOutcomeText($0) }))
        }
        return outcomes
    }

    static func statusCode(_ status: String) -> Int? {
        Int(status.prefix { $0.isASCII && $0.isNumber })
    }

    /// Human text of an OperationOutcome: each issue's severity, code and diagnostics/details.
    public static func operationOutcomeText(_ json: JSONValue) -> String? {
        guard json["resourceType"]?.stringValue == "OperationOutcome", let issues = json["issue"]?.arrayValue else { return nil }
        let texts = issues.map { issue -> String in
            let detail = issue["diagnostics"]?.stringValue ?? issue["details"]?["text"]?.stringValue ?? ""
            let head = [issue["severity"]?.stringValue, issue["code"]?.stringValue].compactMap { $0 }.joined(separator: "/")
            return detail.isEmpty ? head : "\(head): \(detail)"
        }
        return texts.isEmpty ? nil : texts.joined(separator: "; ")
    }

    /// OperationOutcome text from a whole-request error body, or nil when it is not one.
    public static func operationOutcomeText(body: [UInt8]) -> String? {
        guard let json = try? JSONValue.parse(bytes: body) else { return nil }
        return operationOutcomeText(json)
    }
}

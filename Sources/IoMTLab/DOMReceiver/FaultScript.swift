import Synchronization

/// Scripted misbehaviour for `POST /fhir`, by the 1-based number of the transaction request:
///
///     1-3:503+retry-after=2,5:drop,7:slow=1500,9-:429
///
/// A rule is `<range>:<action>`; range `N`, `N-M`, `N-` (from N on) or `*`; action a status code
/// (optionally `+retry-after=SECONDS`), `drop` (close without answering) or `slow=MILLISECONDS`.
/// The first matching rule wins; other requests (GET, /stats, /health) are never affected.
public final class FaultScript: Sendable {
    struct Rule: Sendable, Hashable {
        let first: Int
        let last: Int?
        let fault: InjectedFault
    }

    private let rules: [Rule]
    private let transactions = Mutex(0)

    public init(_ text: String) throws(DOMReceiverError) {
        var rules: [Rule] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: ":", maxSplits: 1)
            guard pieces.count == 2 else { throw Self.error(part, "expected <range>:<action>") }
            let range = pieces[0].trimmingPrefixSpaces
            let first: Int, last: Int?
            if range == "*" {
                first = 1; last = nil
            } else if let dash = range.firstIndex(of: "-") {
                guard let low = Int(range[..<dash]) else { throw Self.error(part, "range start is not a number") }
                let tail = range[range.index(after: dash)...]
                first = low
                if tail.isEmpty { last = nil } else {
                    guard let high = Int(tail), high >= low else { throw Self.error(part, "range end is not a number ≥ its start") }
                    last = high
                }
            } else {
                guard let only = Int(range) else { throw Self.error(part, "range is not a number, N-M, N- or *") }
                first = only; last = only
            }
            rules.append(Rule(first: first, last: last, fault: try Self.action(pieces[1], part)))
        }
        self.rules = rules
    }

    /// The hook to put in `DOMReceiverConfiguration.faults`.
    public var hook: @Sendable (ReceivedRequestSummary) -> InjectedFault? {
        { [self] request in
            guard request.method == "POST", request.path == "/fhir" || request.path == "/fhir/" else { return nil }
            let number = transactions.withLock { count -> Int in count += 1; return count }
            return rules.first { number >= $0.first && number <= ($0.last ?? Int.max) }?.fault
        }
    }

    private static func action(_ text: Substring, _ rule: Substring) throws(DOMReceiverError) -> InjectedFault {
        if text == "drop" { return .drop }
        if text.hasPrefix("slow=") {
            guard let milliseconds = Int(text.dropFirst(5)), milliseconds >= 0 else { throw error(rule, "slow= expects milliseconds") }
            return .delay(milliseconds: milliseconds)
        }
        let parts = text.split(separator: "+", maxSplits: 1)
        guard let status = Int(parts[0]), (100...599).contains(status) else {
            throw error(rule, "action must be an HTTP status, drop or slow=MS")
        }
        var headers: [String: String] = [:]
        if parts.count == 2 {
            guard parts[1].hasPrefix("retry-after="), !parts[1].dropFirst(12).isEmpty else { throw error(rule, "expected +retry-after=SECONDS") }
            headers["Retry-After"] = String(parts[1].dropFirst(12))
        }
        let body = #"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient","diagnostics":"injected fault \#(status)"}]}"#
        return .respond(status: status, headers: headers, body: body)
    }

    private static func error(_ rule: Substring, _ reason: String) -> DOMReceiverError {
        DOMReceiverError(message: "fault rule \"\(rule)\": \(reason) (example: 1-3:503+retry-after=2,5:drop,7:slow=1500)")
    }
}

extension Substring {
    fileprivate var trimmingPrefixSpaces: Substring { drop { $0 == " " } }
}

import Foundation
import Synchronization

/// Scripted misbehaviour for `POST /fhir`, by the 1-based number of the transaction request:
///
///     1-3:503+retry-after=2,4:429+retry-after-date=1,5:drop,6:lost,7:slow=1500,8:garbage,9:truncated,10:entries=500/3,11-:429
///
/// A rule is `<range>:<action>`; range `N`, `N-M`, `N-` (from N on) or `*`. Actions:
/// - a status code answered without processing, optionally `+retry-after=SECONDS` (delta-seconds) or
///   `+retry-after-date=SECONDS` (an IMF-fixdate that many seconds after the moment of answering) or
///   `+retry-after-date-year=YEAR` (an IMF-fixdate in that year, e.g. 99999, for overflow tests);
/// - `drop`: close without answering and without processing;
/// - `slow=MILLISECONDS`: wait, then handle normally;
/// - `lost`, `garbage`, `truncated`: handle normally (DOM stores the resources), then close without an answer,
///   answer 200 with a non-JSON body, or answer 200 with the first half of the transaction-response;
/// - `entries=STATUS/N`: handle the transaction but refuse every N-th Observation entry with STATUS inside the
///   200 transaction-response (those entries are not stored).
/// Rules are separated by commas or line breaks; `#` starts a comment to the end of the line (script files,
/// `--fault-file`). The first matching rule wins; other requests (GET, /stats, /health) are never affected.
public final class FaultScript: Sendable {
    struct Rule: Sendable, Hashable {
        let first: Int
        let last: Int?
        let fault: InjectedFault
        /// For `+retry-after-date=`: seconds after answering, rendered as an HTTP-date when the rule fires.
        var retryAfterDateSeconds: Int? = nil
    }

    private let rules: [Rule]
    private let transactions = Mutex(0)

    public init(_ text: String) throws(DOMReceiverError) {
        var rules: [Rule] = []
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.prefix { $0 != "#" } }.joined(separator: ",")
        for part in uncommented.split(separator: ",") where !part.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            let pieces = part.split(separator: ":", maxSplits: 1)
            guard pieces.count == 2 else { throw Self.error(part, "expected <range>:<action>") }
            let range = pieces[0].trimmingBlanks
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
            let (fault, dateSeconds) = try Self.action(pieces[1].trimmingBlanks, part)
            rules.append(Rule(first: first, last: last, fault: fault, retryAfterDateSeconds: dateSeconds))
        }
        self.rules = rules
    }

    /// The hook to put in `DOMReceiverConfiguration.faults`.
    public var hook: @Sendable (ReceivedRequestSummary) -> InjectedFault? {
        { [self] request in
            guard request.method == "POST", request.path == "/fhir" || request.path == "/fhir/" else { return nil }
            let number = transactions.withLock { count -> Int in count += 1; return count }
            guard let rule = rules.first(where: { number >= $0.first && number <= ($0.last ?? Int.max) }) else { return nil }
            if let seconds = rule.retryAfterDateSeconds, case let .respond(status, headers, body) = rule.fault {
                var dated = headers
                dated["Retry-After"] = Self.httpDate(Date().addingTimeInterval(TimeInterval(seconds)))
                return .respond(status: status, headers: dated, body: body)
            }
            return rule.fault
        }
    }

    /// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. Rounded up to the next whole
    /// second so the date is never earlier than asked for.
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.up)))
    }

    private static func action(_ text: Substring, _ rule: Substring) throws(DOMReceiverError) -> (InjectedFault, Int?) {
        switch text {
        case "drop": return (.drop, nil)
        case "lost": return (.processThen(.drop), nil)
        case "garbage": return (.processThen(.garbage), nil)
        case "truncated": return (.processThen(.truncate), nil)
        default: break
        }
        if text.hasPrefix("slow=") {
            guard let milliseconds = Int(text.dropFirst(5)), milliseconds >= 0 else { throw error(rule, "slow= expects milliseconds") }
            return (.delay(milliseconds: milliseconds), nil)
        }
        if text.hasPrefix("entries=") {
            let parts = text.dropFirst(8).split(separator: "/")
            guard parts.count == 2, let status = Int(parts[0]), (200...599).contains(status), let every = Int(parts[1]), every >= 1 else {
                throw error(rule, "entries= expects STATUS/N, e.g. entries=500/3 (every 3rd Observation entry gets 500)")
            }
            return (.failEntries(status: status, every: every), nil)
        }
        let parts = text.split(separator: "+", maxSplits: 1)
        guard let status = Int(parts[0]), (100...599).contains(status) else {
            throw error(rule, "action must be an HTTP status, drop, lost, garbage, truncated, slow=MS or entries=STATUS/N")
        }
        var headers: [String: String] = [:]
        var dateSeconds: Int? = nil
        if parts.count == 2 {
            if parts[1].hasPrefix("retry-after-date=") {
                guard let seconds = Int(parts[1].dropFirst(17)), seconds >= 0 else { throw error(rule, "+retry-after-date= expects seconds from now") }
                dateSeconds = seconds
            } else if parts[1].hasPrefix("retry-after-date-year=") {
                // A date no real server sends (overflow tests): IMF-fixdate syntax with this year, digits as given.
                let year = parts[1].dropFirst(22)
                guard !year.isEmpty, year.allSatisfy(\.isASCII), year.allSatisfy(\.isNumber) else { throw error(rule, "+retry-after-date-year= expects a year") }
                headers["Retry-After"] = "Sun, 06 Nov \(year) 08:49:37 GMT"
            } else if parts[1].hasPrefix("retry-after="), !parts[1].dropFirst(12).isEmpty {
                headers["Retry-After"] = String(parts[1].dropFirst(12))
            } else {
                throw error(rule, "expected +retry-after=SECONDS, +retry-after-date=SECONDS or +retry-after-date-year=YEAR")
            }
        }
        let body = #"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient","diagnostics":"injected fault \#(status)"}]}"#
        return (.respond(status: status, headers: headers, body: body), dateSeconds)
    }

    private static func error(_ rule: Substring, _ reason: String) -> DOMReceiverError {
        DOMReceiverError(message: "fault rule \"\(rule)\": \(reason) (example: 1-3:503+retry-after=2,4:429+retry-after-date=1,5:drop,6:lost,7:slow=1500,8:garbage,9:truncated,10:entries=500/3)")
    }
}

extension Substring {
    fileprivate var trimmingBlanks: Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return drop(while: blank).reversed().drop(while: blank).reversed().reduce(into: Substring()) { $0.append($1) }
    }
}

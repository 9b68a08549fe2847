import IoMTCore

/// What the receiver holds: resources by type in arrival order, an identifier index for conditional
/// create, and counters. Value type, guarded by the receiver's mutex.
struct ReceiverRepository {
    private(set) var resources: [String: [JSONValue]] = [:]
    /// type → "system|value" → logical id
    private var identifierIndex: [String: [String: String]] = [:]
    private var nextId = 1
    var bundles = 0
    var duplicatesSuppressed = 0

    func count(_ type: String) -> Int { resources[type]?.count ?? 0 }

    func lookup(type: String, identifier: String) -> String? { identifierIndex[type]?[identifier] }

    /// Adds a resource that already carries its `id` (new or reloaded) and indexes its identifiers.
    mutating func insert(_ resource: JSONValue) {
        guard let type = resource["resourceType"]?.stringValue, let id = resource["id"]?.stringValue else { return }
        resources[type, default: []].append(resource)
        for identifier in resource["identifier"]?.arrayValue ?? [] {
            let key = "\(identifier["system"]?.stringValue ?? "")|\(identifier["value"]?.stringValue ?? "")"
            if identifierIndex[type]?[key] == nil { identifierIndex[type, default: [:]][key] = id }
        }
        if let numeric = Int(id), numeric >= nextId { nextId = numeric + 1 }
    }

    mutating func allocateId() -> String {
        defer { nextId += 1 }
        return String(nextId)
    }

    /// Searches a type by `identifier=system|value` (exact), newest last.
    func search(type: String, identifier: String?) -> [JSONValue] {
        let all = resources[type] ?? []
        guard let identifier else { return all }
        return all.filter { resource in
            (resource["identifier"]?.arrayValue ?? []).contains {
                "\($0["system"]?.stringValue ?? "")|\($0["value"]?.stringValue ?? "")" == identifier
            }
        }
    }
}

/// Why a transaction was refused as a whole (FHIR transactions are atomic: nothing is stored).
struct TransactionRejection: Error {
    let status: Int
    let message: String
}

/// The outcome of processing a transaction: the response entries and the new resources to persist.
struct TransactionPlan {
    var responseEntries: [JSONValue] = []
    var created: [JSONValue] = []
    var matched = 0
}

enum TransactionProcessor {
    /// Validates and plans a transaction against the repository; mutates only `repository.nextId` via allocation.
    static func plan(_ bundle: JSONValue, repository: inout ReceiverRepository) throws(TransactionRejection) -> TransactionPlan {
        guard case .object = bundle else { throw TransactionRejection(status: 400, message: "body is not a JSON object") }
        guard bundle["resourceType"]?.stringValue == "Bundle" else {
            throw TransactionRejection(status: 400, message: "resourceType is \(bundle["resourceType"]?.stringValue ?? "missing"), expected Bundle")
        }
        guard bundle["type"]?.stringValue == "transaction" else {
            throw TransactionRejection(status: 400, message: "Bundle.type is \(bundle["type"]?.stringValue ?? "missing"), expected transaction")
        }
        let entries = bundle["entry"]?.arrayValue ?? []
        var plan = TransactionPlan()
        var fullUrlTargets: [String: String] = [:]
        var pendingIdentifiers: [String: [String: String]] = [:]
        var outcomes: [(status: String, location: String, resource: JSONValue?)] = []

        for (index, entry) in entries.enumerated() {
            guard let resource = entry["resource"], let type = resource["resourceType"]?.stringValue else {
                throw TransactionRejection(status: 400, message: "entry[\(index)] has no resource with a resourceType")
            }
            guard entry["request"]?["method"]?.stringValue == "POST" else {
                throw TransactionRejection(status: 400, message: "entry[\(index)].request.method: only POST is supported")
            }
            guard entry["request"]?["url"]?.stringValue == type else {
                throw TransactionRejection(status: 400, message: "entry[\(index)].request.url must be \(type)")
            }
            try validate(resource, type: type, index: index)
            var existing: String? = nil
            var conditionKey: String? = nil
            if let condition = entry["request"]?["ifNoneExist"]?.stringValue {
                guard condition.hasPrefix("identifier="), condition.contains("|") else {
                    throw TransactionRejection(status: 400, message: "entry[\(index)].request.ifNoneExist: only identifier=system|value is supported")
                }
                let raw = condition.dropFirst("identifier=".count)
                let bar = raw.firstIndex(of: "|")!
                let key = percentDecode(raw[..<bar]) + "|" + percentDecode(raw[raw.index(after: bar)...])
                conditionKey = key
                existing = repository.lookup(type: type, identifier: key) ?? pendingIdentifiers[type]?[key]
            }
            if let existing {
                plan.matched += 1
                outcomes.append(("200 OK", "\(type)/\(existing)/_history/1", nil))
                if let fullUrl = entry["fullUrl"]?.stringValue { fullUrlTargets[fullUrl] = "\(type)/\(existing)" }
            } else {
                let id = repository.allocateId()
                if let conditionKey { pendingIdentifiers[type, default: [:]][conditionKey] = id }
                for identifier in resource["identifier"]?.arrayValue ?? [] {
                    let key = "\(identifier["system"]?.stringValue ?? "")|\(identifier["value"]?.stringValue ?? "")"
                    if pendingIdentifiers[type]?[key] == nil { pendingIdentifiers[type, default: [:]][key] = id }
                }
                if let fullUrl = entry["fullUrl"]?.stringValue { fullUrlTargets[fullUrl] = "\(type)/\(id)" }
                outcomes.append(("201 Created", "\(type)/\(id)/_history/1", withServerMetadata(resource, id: id, lastUpdated: SystemClock().now())))
            }
        }
        for outcome in outcomes {
            plan.responseEntries.append(.object([("response", .object([
                ("status", .string(outcome.status)), ("location", .string(outcome.location)),
            ]))]))
            if let resource = outcome.resource { plan.created.append(resolvingReferences(resource, fullUrlTargets)) }
        }
        return plan
    }

    static func validate(_ resource: JSONValue, type: String, index: Int) throws(TransactionRejection) {
        guard type == "Observation" else { return }
        guard resource["status"]?.stringValue != nil else {
            throw TransactionRejection(status: 422, message: "entry[\(index)] Observation.status is required")
        }
        guard resource["code"] != nil else {
            throw TransactionRejection(status: 422, message: "entry[\(index)] Observation.code is required")
        }
        if let quantity = resource["valueQuantity"], quantity["value"] != nil, quantity["value"]?.numberText == nil {
            throw TransactionRejection(status: 422, message: "entry[\(index)] Observation.valueQuantity.value must be a JSON number")
        }
    }

    /// Sets what a FHIR server assigns on create: the logical id and meta.lastUpdated (with
    /// milliseconds, which the benchmarks use to measure frame → accepted-at-DOM latency).
    static func withServerMetadata(_ resource: JSONValue, id: String, lastUpdated: Instant) -> JSONValue {
        guard case let .object(members) = resource else { return resource }
        var result = members.filter { $0.0 != "id" && $0.0 != "meta" }
        var meta = resource["meta"]?.objectValue?.filter { $0.0 != "lastUpdated" } ?? []
        meta.insert(("lastUpdated", .string(lastUpdated.iso8601)), at: 0)
        result.insert(("id", .string(id)), at: min(1, result.count))
        result.insert(("meta", .object(meta)), at: min(2, result.count))
        return .object(result)
    }

    /// Replaces `reference` values naming a bundle fullUrl (`urn:uuid:…`) with the resolved `Type/id`.
    static func resolvingReferences(_ value: JSONValue, _ targets: [String: String]) -> JSONValue {
        switch value {
        case let .object(members):
            return .object(members.map { key, member in
                if key == "reference", let text = member.stringValue, let target = targets[text] { return (key, .string(target)) }
                return (key, resolvingReferences(member, targets))
            })
        case let .array(items):
            return .array(items.map { resolvingReferences($0, targets) })
        default:
            return value
        }
    }

    static func operationOutcome(_ status: Int, _ message: String) -> String {
        let code = status == 422 ? "processing" : status >= 500 ? "transient" : "invalid"
        return JSONValue.object([
            ("resourceType", .string("OperationOutcome")),
            ("issue", .array([.object([
                ("severity", .string("error")), ("code", .string(code)), ("diagnostics", .string(message)),
            ])])),
        ]).serialized()
    }
}

import IoMTCore

/// What the receiver holds: for each type the byte ranges of its resources in arrival order (in the data
/// file, or in `memory` when nothing is persisted), an identifier index for conditional create, and counters.
/// Resources are kept encoded, never as parsed trees: a million observations stay a few hundred megabytes
/// of index instead of gigabytes of JSON nodes. Value type, guarded by the receiver's mutex.
struct ReceiverRepository {
    private var locations: [String: [ResourceLocation]] = [:]
    /// Encoded resources, one after another, when the receiver has no data file.
    private var memory: [UInt8] = []
    /// type → "system|value" → logical id
    private var identifierIndex: [String: IdentifierIndex] = [:]
    private(set) var nextId = 1
    var bundles = 0
    var duplicatesSuppressed = 0
    /// Entries refused by a scripted per-entry failure (`entries=STATUS/N`), for the tests' accounting.
    var entryFailuresInjected = 0

    func count(_ type: String) -> Int { locations[type]?.count ?? 0 }

    func lookup(type: String, identifier: String) -> String? { identifierIndex[type]?.lookup(identifier) }

    /// "system|value" of each identifier of a resource: the conditional-create keys.
    static func identifierKeys(_ resource: JSONValue) -> [String] {
        (resource["identifier"]?.arrayValue ?? []).map { "\($0["system"]?.stringValue ?? "")|\($0["value"]?.stringValue ?? "")" }
    }

    /// Records a resource that already carries its `id` (new or reloaded), its bytes at `location` moved on by `offset`.
    mutating func insert(_ resource: IndexedResource, shiftedBy offset: Int = 0) {
        locations[resource.type, default: []].append(ResourceLocation(offset: offset + resource.location.offset, length: resource.location.length))
        for key in resource.identifierKeys { identifierIndex[resource.type, default: IdentifierIndex()].insertIfAbsent(key, id: resource.id) }
        if let numeric = Int(resource.id), numeric >= nextId { nextId = numeric + 1 }
    }

    /// Keeps encoded lines in memory (no data file) and returns the offset of their first byte.
    mutating func keepInMemory(_ encoded: [UInt8]) -> Int {
        defer { memory += encoded }
        return memory.count
    }

    /// The resources of a type, oldest first, decoded from the data file (`log`) or memory.
    func resources(type: String, log: ResourceLog?) -> [JSONValue] {
        let wanted = locations[type] ?? []
        let encoded: [[UInt8]?] = log.map { $0.read(wanted) } ?? wanted.map { Array(memory[$0.offset..<($0.offset + $0.length)]) }
        return encoded.compactMap { bytes in bytes.flatMap { try? JSONValue.parse(bytes: $0) } }
    }

    /// Searches a type by `identifier=system|value` (exact), newest last.
    func search(type: String, identifier: String?, log: ResourceLog?) -> [JSONValue] {
        let all = resources(type: type, log: log)
        guard let identifier else { return all }
        return all.filter { Self.identifierKeys($0).contains(identifier) }
    }
}

/// A scripted per-entry failure: every `every`-th Observation entry is refused with `status`.
struct EntryFailures: Sendable, Hashable {
    let status: Int
    let every: Int
}

/// Why a transaction was refused as a whole (FHIR transactions are atomic: nothing is stored).
struct TransactionRejection: Error {
    let status: Int
    let message: String
}


struct TransactionPlan {
    var responseEntries: [JSONValue] = []
    /// New resources, encoded as stored (server metadata set, references resolved).
    /// The new resources, located in `encoded` (the repository shifts them to where `encoded` is kept).
    var created: [IndexedResource] = []
    /// The created resources' stored forms, one NDJSON line each, ready to append to the data file.
    var encoded: [UInt8] = []
    var matched = 0
    /// Entries refused by a scripted per-entry failure.
    var injectedFailures = 0
    /// The next free logical id once this transaction is committed.
    var nextId: Int
}

enum TransactionProcessor {
    /// Validates and plans a transaction against the repository without changing it (a refused
    /// transaction leaves no trace); the plan carries the ids it allocated from `repository.nextId` on.
    static func plan(_ bundle: JSONValue, repository: ReceiverRepository, entryFailures: EntryFailures? = nil) throws(TransactionRejection) -> TransactionPlan {
        guard case .object = bundle else { throw TransactionRejection(status: 400, message: "body is not a JSON object") }
        guard bundle["resourceType"]?.stringValue == "Bundle" else {
            throw TransactionRejection(status: 400, message: "resourceType is \(bundle["resourceType"]?.stringValue ?? "missing"), expected Bundle")
        }
        guard bundle["type"]?.stringValue == "transaction" else {
            throw TransactionRejection(status: 400, message: "Bundle.type is \(bundle["type"]?.stringValue ?? "missing"), expected transaction")
        }
        let entries = bundle["entry"]?.arrayValue ?? []
        var plan = TransactionPlan(nextId: repository.nextId)
        var fullUrlTargets: [String: String] = [:]
        var pendingIdentifiers: [String: [String: String]] = [:]
        var outcomes: [(response: JSONValue, created: (resource: JSONValue, type: String, id: String)?)] = []
        var observationNumber = 0
        // With milliseconds: the benchmarks measure frame → accepted-at-DOM latency from it.
        let lastUpdated = SystemClock().now().iso8601

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
            if type == "Observation" { observationNumber += 1 }
            if type == "Observation", let failures = entryFailures, observationNumber % failures.every == 0 {
                // A scripted per-entry failure: nothing stored, the reason in response.outcome.
                let status = "\(failures.status) \(HTTPWireResponse.reason(failures.status))"
                let outcome = (try? JSONValue.parse(operationOutcome(failures.status, "injected entry failure (entry[\(index)])"))) ?? .null
                outcomes.append((.object([("status", .string(status)), ("outcome", outcome)]), nil))
                plan.injectedFailures += 1
                continue
            }
            var existing: String? = nil
            var conditionKey: String? = nil
            if let condition = entry["request"]?["ifNoneExist"]?.stringValue {
                guard condition.hasPrefix("identifier="), condition.utf8.contains(UInt8(ascii: "|")) else {
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
                outcomes.append((Self.response("200 OK", "\(type)/\(existing)/_history/1"), nil))
                if let fullUrl = entry["fullUrl"]?.stringValue { fullUrlTargets[fullUrl] = "\(type)/\(existing)" }
            } else {
                let id = String(plan.nextId)
                plan.nextId += 1
                if let conditionKey { pendingIdentifiers[type, default: [:]][conditionKey] = id }
                for key in ReceiverRepository.identifierKeys(resource) where pendingIdentifiers[type]?[key] == nil {
                    pendingIdentifiers[type, default: [:]][key] = id
                }
                if let fullUrl = entry["fullUrl"]?.stringValue { fullUrlTargets[fullUrl] = "\(type)/\(id)" }
                outcomes.append((Self.response("201 Created", "\(type)/\(id)/_history/1"), (resource, type, id)))
            }
        }
        plan.encoded.reserveCapacity(outcomes.count * 1400)
        for outcome in outcomes {
            plan.responseEntries.append(.object([("response", outcome.response)]))
            if let (resource, type, id) = outcome.created {
                let start = plan.encoded.count
                StoredResourceWriter.append(resource, id: id, lastUpdated: lastUpdated, targets: fullUrlTargets, to: &plan.encoded)
                plan.created.append(IndexedResource(type: type, id: id, identifierKeys: ReceiverRepository.identifierKeys(resource),
                                                    location: ResourceLocation(offset: start, length: plan.encoded.count - start)))
                plan.encoded.append(10)
            }
        }
        return plan
    }

    static func response(_ status: String, _ location: String) -> JSONValue {
        .object([("status", .string(status)), ("location", .string(location))])
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

import IoMTCore

/// iomtd's `status` answer (`iomtctl status --json`; keys in docs/configuration.md, "Status and doctor").
public struct DaemonStatus: ControlPayload, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable { case home, clinic }

    public var version: String
    public var startedAt: Instant
    public var uptimeSeconds: Int64
    public var mode: Mode
    public var devices: [DeviceStatus]
    /// nil when the daemon runs without a pipeline (not in production).
    public var store: StoreWriteStatus?
    public var forwarder: ForwarderReport?
    public var delivery: DeliveryStatus
    /// Alerts of the last 24 h, newest first.
    public var recentAlerts: [RecentAlert]

    public init(version: String, startedAt: Instant, uptimeSeconds: Int64, mode: Mode, devices: [DeviceStatus], store: StoreWriteStatus?,
                forwarder: ForwarderReport?, delivery: DeliveryStatus, recentAlerts: [RecentAlert]) {
        self.version = version; self.startedAt = startedAt; self.uptimeSeconds = uptimeSeconds; self.mode = mode; self.devices = devices
        self.store = store; self.forwarder = forwarder; self.delivery = delivery; self.recentAlerts = recentAlerts
    }

    public var json: JSONValue {
        .object([
            ("version", .string(version)), ("startedAt", .string(startedAt.iso8601)), ("uptimeSeconds", .number(uptimeSeconds)),
            ("mode", .string(mode.rawValue)), ("devices", .array(devices.map(\.json))), ("store", store?.json ?? .null),
            ("forwarder", forwarder?.json ?? .null), ("delivery", delivery.json), ("recentAlerts", .array(recentAlerts.map(\.json))),
        ])
    }

    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "status answer") { r, root in
            DaemonStatus(version: r.string(root, "version") ?? "",
                         startedAt: r.instant(root, "startedAt") ?? Instant(millisecondsSinceEpoch: 0),
                         uptimeSeconds: r.integer(root, "uptimeSeconds"),
                         mode: r.choice(root, "mode", as: Mode.self) ?? .home,
                         devices: r.array(root, "devices") { r, value, path in DeviceStatus(value, path: path, &r) },
                         store: root["store"].flatMap { $0.isNull ? nil : StoreWriteStatus($0, path: "store", &r) },
                         forwarder: root["forwarder"].flatMap { $0.isNull ? nil : ForwarderReport($0, path: "forwarder", &r) },
                         delivery: DeliveryStatus(in: root, "delivery", &r),
                         recentAlerts: r.array(root, "recentAlerts") { r, value, path in RecentAlert(value, path: path, &r) })
        }
    }
}

/// How a device's connection stands.
public enum DeviceConnectionState: String, Sendable, Hashable, CaseIterable {
    case starting, connected, reconnecting, disconnected, failed
}

/// One device as `status` and `devices` report it.
public struct DeviceStatus: Sendable, Hashable {
    /// The detail of a connected port whose bytes never decode; `iomtctl doctor` reports it as a problem.
    public static let wrongProfileSuspected = "bytes but no frames — wrong profile?"

    public var key: String
    public var profile: String
    public var transport: String
    /// Port path or Bluetooth address.
    public var address: String
    public var state: DeviceConnectionState
    public var detail: String?
    public var since: Instant
    public var lastReading: Instant?
    public var readings: Int64
    /// Why the device's identity cannot be trusted (two adapters share a serial number), or nil.
    public var ambiguousIdentity: String?
    /// The latest device facts its driver reported (e.g. `session`: how the last spot-check session ended; `battery`).
    public var deviceInfo: [String: String]
    /// The keys of the device's parts that measure for different people (a two-user cuff's `…/user1`, `…/user2`), each
    /// listed and bound on its own; empty: the device is one.
    public var parts: [String]
    /// For a part: the device it is part of (whose connection it shares).
    public var partOf: String?

    public init(key: String, profile: String, transport: String, address: String, state: DeviceConnectionState, detail: String?, since: Instant,
                lastReading: Instant?, readings: Int64, ambiguousIdentity: String?, deviceInfo: [String: String] = [:], parts: [String] = [],
                partOf: String? = nil) {
        self.key = key; self.profile = profile; self.transport = transport; self.address = address; self.state = state; self.detail = detail
        self.since = since; self.lastReading = lastReading; self.readings = readings; self.ambiguousIdentity = ambiguousIdentity
        self.deviceInfo = deviceInfo; self.parts = parts; self.partOf = partOf
    }

    public var json: JSONValue {
        .object([
            ("key", .string(key)), ("profile", .string(profile)), ("transport", .string(transport)), ("address", .string(address)),
            ("state", .string(state.rawValue)), ("detail", .optional(detail)), ("since", .string(since.iso8601)),
            ("lastReading", .optional(lastReading)), ("readings", .number(readings)), ("ambiguousIdentity", .optional(ambiguousIdentity)),
            ("deviceInfo", .object(deviceInfo.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("parts", .array(parts.map { .string($0) })), ("partOf", .optional(partOf)),
        ])
    }

    init(_ value: JSONValue, path: String, _ r: inout ControlFieldReader) {
        key = r.string(value, "key", path: path) ?? ""
        profile = r.string(value, "profile", path: path) ?? ""
        transport = r.string(value, "transport", path: path) ?? ""
        address = r.string(value, "address", path: path) ?? ""
        state = r.choice(value, "state", path: path, as: DeviceConnectionState.self) ?? .failed
        detail = r.optionalString(value, "detail", path: path)
        since = r.instant(value, "since", path: path) ?? Instant(millisecondsSinceEpoch: 0)
        lastReading = r.instant(value, "lastReading", path: path, required: false)
        readings = r.integer(value, "readings", path: path)
        ambiguousIdentity = r.optionalString(value, "ambiguousIdentity", path: path)
        var info: [String: String] = [:]
        for (name, fact) in value["deviceInfo"]?.objectValue ?? [] { if let text = fact.stringValue { info[name] = text } }
        deviceInfo = info
        parts = value["parts"]?.arrayValue?.compactMap(\.stringValue) ?? []
        partOf = r.optionalString(value, "partOf", path: path)
    }
}

/// The `devices` answer.
public struct DeviceList: ControlPayload, Hashable {
    public var devices: [DeviceStatus]
    public init(devices: [DeviceStatus]) { self.devices = devices }
    public var json: JSONValue { .object([("devices", .array(devices.map(\.json)))]) }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "devices answer") { r, root in
            DeviceList(devices: r.array(root, "devices") { r, value, path in DeviceStatus(value, path: path, &r) })
        }
    }
}

/// The store's health: degraded while it refuses writes, with what waits in memory and what was lost.
public struct StoreWriteStatus: Sendable, Hashable {
    /// Why the store refuses writes; nil while it accepts them.
    public var problem: String?
    public var readingsWaiting: Int64
    public var readingsLost: Int64
    public var alertsWaiting: Int64
    public var alertsNotStored: Int64
    public var writable: Bool { problem == nil }

    public init(problem: String?, readingsWaiting: Int64, readingsLost: Int64, alertsWaiting: Int64, alertsNotStored: Int64) {
        self.problem = problem; self.readingsWaiting = readingsWaiting; self.readingsLost = readingsLost
        self.alertsWaiting = alertsWaiting; self.alertsNotStored = alertsNotStored
    }

    public var json: JSONValue {
        .object([("writable", .bool(writable)), ("problem", .optional(problem)), ("readingsWaiting", .number(readingsWaiting)),
                 ("readingsLost", .number(readingsLost)), ("alertsWaiting", .number(alertsWaiting)), ("alertsNotStored", .number(alertsNotStored))])
    }

    init(_ value: JSONValue, path: String, _ r: inout ControlFieldReader) {
        let writable = r.bool(value, "writable", path: path)
        problem = r.optionalString(value, "problem", path: path) ?? (writable ? nil : "refuses writes")
        readingsWaiting = r.integer(value, "readingsWaiting", path: path)
        readingsLost = r.integer(value, "readingsLost", path: path)
        alertsWaiting = r.integer(value, "alertsWaiting", path: path)
        alertsNotStored = r.integer(value, "alertsNotStored", path: path)
    }
}

/// The delivery loop's state for the primary destination.
public struct ForwarderReport: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        case delivering
        /// Failed attempts, waiting for the next.
        case backoff
        /// DOM refuses readings systemically (`dom-refusing`): one reading offered per probe interval.
        case paused
    }

    public var state: State
    public var pausedReason: String?
    public var pausedSince: Instant?
    public var nextAttempt: Instant?
    public var consecutiveFailures: Int64
    public var lastFailureKind: String?
    public var quarantined: Int64
    public var domRefusing: Bool { state == .paused }

    public init(state: State, pausedReason: String?, pausedSince: Instant?, nextAttempt: Instant?, consecutiveFailures: Int64,
                lastFailureKind: String?, quarantined: Int64) {
        self.state = state; self.pausedReason = pausedReason; self.pausedSince = pausedSince; self.nextAttempt = nextAttempt
        self.consecutiveFailures = consecutiveFailures; self.lastFailureKind = lastFailureKind; self.quarantined = quarantined
    }

    public var json: JSONValue {
        .object([("state", .string(state.rawValue)), ("domRefusing", .bool(domRefusing)), ("pausedReason", .optional(pausedReason)),
                 ("pausedSince", .optional(pausedSince)), ("nextAttempt", .optional(nextAttempt)), ("consecutiveFailures", .number(consecutiveFailures)),
                 ("lastFailureKind", .optional(lastFailureKind)), ("quarantined", .number(quarantined))])
    }

    init(_ value: JSONValue, path: String, _ r: inout ControlFieldReader) {
        state = r.choice(value, "state", path: path, as: State.self) ?? .delivering
        pausedReason = r.optionalString(value, "pausedReason", path: path)
        pausedSince = r.instant(value, "pausedSince", path: path, required: false)
        nextAttempt = r.instant(value, "nextAttempt", path: path, required: false)
        consecutiveFailures = r.integer(value, "consecutiveFailures", path: path)
        lastFailureKind = r.optionalString(value, "lastFailureKind", path: path)
        quarantined = r.integer(value, "quarantined", path: path)
    }
}

/// The delivery queue's counters for the primary destination.
public struct DeliveryStatus: Sendable, Hashable {
    public var destination: String
    public var baseURL: String?
    public var backlog: Int64
    public var oldestUndelivered: Instant?
    public var lastSuccess: Instant?
    public var delivered: Int64
    public var duplicates: Int64
    public var quarantined: Int64
    /// Readings held for want of a patient (no binding covered their time); a binding sends them.
    public var held: Int64
    /// Failure kind → count, sorted by kind.
    public var failuresByKind: [(kind: String, count: Int64)]

    public init(destination: String, baseURL: String?, backlog: Int64, oldestUndelivered: Instant?, lastSuccess: Instant?, delivered: Int64,
                duplicates: Int64, quarantined: Int64, held: Int64 = 0, failuresByKind: [(kind: String, count: Int64)]) {
        self.destination = destination; self.baseURL = baseURL; self.backlog = backlog; self.oldestUndelivered = oldestUndelivered
        self.lastSuccess = lastSuccess; self.delivered = delivered; self.duplicates = duplicates; self.quarantined = quarantined
        self.held = held
        self.failuresByKind = failuresByKind.sorted { $0.kind < $1.kind }
    }

    public static func == (lhs: DeliveryStatus, rhs: DeliveryStatus) -> Bool { lhs.json == rhs.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }

    public var json: JSONValue {
        .object([
            ("destination", .string(destination)), ("baseURL", .optional(baseURL)), ("backlog", .number(backlog)),
            ("oldestUndelivered", .optional(oldestUndelivered)), ("lastSuccess", .optional(lastSuccess)), ("delivered", .number(delivered)),
            ("duplicates", .number(duplicates)), ("quarantined", .number(quarantined)), ("held", .number(held)),
            ("failuresByKind", .object(failuresByKind.map { ($0.kind, .number($0.count)) })),
        ])
    }

    /// `parent[path]`, which must be an object.
    init(in parent: JSONValue, _ path: String, _ r: inout ControlFieldReader) {
        let object = r.fields.object(parent, path, path: "", required: true) ?? .object([])
        destination = r.string(object, "destination", path: path) ?? ""
        baseURL = r.optionalString(object, "baseURL", path: path)
        backlog = r.integer(object, "backlog", path: path)
        oldestUndelivered = r.instant(object, "oldestUndelivered", path: path, required: false)
        lastSuccess = r.instant(object, "lastSuccess", path: path, required: false)
        delivered = r.integer(object, "delivered", path: path)
        duplicates = r.integer(object, "duplicates", path: path)
        quarantined = r.integer(object, "quarantined", path: path)
        // Absent in answers of a daemon older than the held state: none counted there.
        held = r.optionalInteger(object, "held", path: path) ?? 0
        var failures: [(kind: String, count: Int64)] = []
        if let kinds = r.fields.object(object, "failuresByKind", path: path, required: true) {
            for (kind, _) in kinds.objectValue ?? [] { failures.append((kind, r.integer(kinds, kind, path: path + ".failuresByKind"))) }
        }
        failuresByKind = failures
    }
}

/// An alert of the last 24 h in the `status` answer.
public struct RecentAlert: Sendable, Hashable {
    public var id: Int64
    public var priority: String
    public var rule: String
    public var device: String
    public var measurement: String
    public var value: String?
    public var unit: String
    public var observedAt: Instant
    /// nil: a real alarm; "recorded"/"announced": fired by test data (issue 12.6).
    public var test: String?

    public init(id: Int64, priority: String, rule: String, device: String, measurement: String, value: String?, unit: String,
                observedAt: Instant, test: String?) {
        self.id = id; self.priority = priority; self.rule = rule; self.device = device; self.measurement = measurement
        self.value = value; self.unit = unit; self.observedAt = observedAt; self.test = test
    }

    public var json: JSONValue {
        .object([("id", .number(id)), ("priority", .string(priority)), ("rule", .string(rule)), ("device", .string(device)),
                 ("measurement", .string(measurement)), ("value", .optional(value)), ("unit", .string(unit)),
                 ("observedAt", .string(observedAt.iso8601)), ("test", .optional(test))])
    }

    init(_ value: JSONValue, path: String, _ r: inout ControlFieldReader) {
        id = r.integer(value, "id", path: path)
        priority = r.string(value, "priority", path: path) ?? ""
        rule = r.string(value, "rule", path: path) ?? ""
        device = r.string(value, "device", path: path) ?? ""
        measurement = r.string(value, "measurement", path: path) ?? ""
        self.value = r.optionalString(value, "value", path: path)
        unit = r.string(value, "unit", path: path) ?? ""
        observedAt = r.instant(value, "observedAt", path: path) ?? Instant(millisecondsSinceEpoch: 0)
        test = r.optionalString(value, "test", path: path)
    }
}

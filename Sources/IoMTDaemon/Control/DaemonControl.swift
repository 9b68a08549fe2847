import IoMTCore
import IoMTDrivers
import IoMTProfiles
import IoMTStore

/// Answers control requests from the daemon's live state: the device board, the store, the
/// configuration. Mutating commands are audited with the caller's uid (from the kernel, not the client).
public struct DaemonControl: Sendable {
    let store: Store
    let board: DeviceStatusBoard
    let configuration: DaemonConfiguration
    let startedAt: Instant
    let clock: any WallClock
    let profiles: [DeviceProfile]
    let pipeline: IngestPipeline?
    /// BlueZ access for scan/pair/forget (nil when Bluetooth is not configured).
    var bluetooth: BluetoothCoordinator? = nil
    static let destination = "dom"

    public init(store: Store, board: DeviceStatusBoard, configuration: DaemonConfiguration, startedAt: Instant, clock: any WallClock,
                profiles: [DeviceProfile] = [], pipeline: IngestPipeline? = nil) {
        self.store = store; self.board = board; self.configuration = configuration; self.startedAt = startedAt; self.clock = clock
        self.profiles = profiles; self.pipeline = pipeline
    }

    public func handle(_ request: ControlRequest, from peer: PeerCredentials) async -> ControlResponse {
        do {
            switch request.command {
            case "ping": return .ok(.object([("version", .string(GatewayDaemon.version))]))
            case "status": return .ok(try await status())
            case "devices": return .ok(.object([("devices", .array(board.snapshot.map(deviceJSON)))]))
            case "bindings": return .ok(try await bindings(showPatient: request.argument("showPatient")?.boolValue ?? false))
            case "bind": return try await bind(request, actor: "uid \(peer.uid)")
            case "unbind": return try await unbind(request, actor: "uid \(peer.uid)")
            case "replay": return try await replay(request, actor: "uid \(peer.uid)")
            case "install-profile": return try await installProfile(request, actor: "uid \(peer.uid)")
            case "scan", "pair", "forget": return await bluetoothCommand(request, actor: "uid \(peer.uid)")
            default:
                return .failure("unknown command '\(request.command)' (this iomtd is \(GatewayDaemon.version); is iomtctl newer?)", exitCode: 2)
            }
        } catch {
            return .failure("\(error)", exitCode: 1)
        }
    }

    private func status() async throws(StoreError) -> JSONValue {
        let now = clock.now()
        let stats = try await store.stats(destination: configuration.primaryDestination)
        let alerts = try await store.alerts(limit: 20).filter { now.milliseconds(since: $0.event.createdAt) < 86_400_000 }
        return .object([
            ("version", .string(GatewayDaemon.version)),
            ("startedAt", .string(startedAt.iso8601)),
            ("uptimeSeconds", .number(now.milliseconds(since: startedAt) / 1000)),
            ("mode", .string(configuration.patientId == nil ? "clinic" : "home")),
            ("devices", .array(board.snapshot.map(deviceJSON))),
            ("store", await pipeline?.storeHealth().json ?? .null),
            ("forwarder", await pipeline?.forwarder?.status.statusJSON(quarantined: stats.quarantined) ?? .null),
            ("delivery", .object([
                ("destination", .string(configuration.primaryDestination)),
                ("baseURL", configuration.dom.map { .string($0.baseURL) } ?? .null),
                ("backlog", .number(stats.backlog)),
                ("oldestUndelivered", stats.oldestUndelivered.map { .string($0.iso8601) } ?? .null),
                ("lastSuccess", stats.lastSuccess.map { .string($0.iso8601) } ?? .null),
                ("delivered", .number(stats.delivered)),
                ("duplicates", .number(stats.duplicates)),
                ("quarantined", .number(stats.quarantined)),
                ("held", .number(stats.held)),
                ("failuresByKind", .object(stats.failuresByKind.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
            ])),
            ("recentAlerts", .array(alerts.map { alert in
                .object([("id", .number(alert.id)), ("priority", .string(alert.event.priority.rawValue)), ("rule", .string(alert.event.ruleId)),
                         ("device", .string(alert.event.deviceKey)), ("measurement", .string(alert.event.measurement)),
                         ("value", alert.event.value.map { .string($0.description) } ?? .null), ("unit", .string(alert.event.unit)),
                         ("observedAt", .string(alert.event.observedAt.iso8601)),
                         // null: a real alarm; "recorded"/"announced": fired by test data (issue 12.6).
                         ("test", alert.event.test.map { .string($0.rawValue) } ?? .null)])
            })),
        ])
    }

    func deviceJSON(_ entry: DeviceStatusBoard.Entry) -> JSONValue {
        .object([
            ("key", .string(entry.key)), ("profile", .string(entry.profileId)), ("transport", .string(entry.transport)),
            ("address", .string(entry.address)), ("state", .string(entry.state.rawValue)), ("detail", entry.detail.map { .string($0) } ?? .null),
            ("since", .string(entry.since.iso8601)), ("lastReading", entry.lastReading.map { .string($0.iso8601) } ?? .null),
            ("readings", .number(entry.readings)), ("ambiguousIdentity", board.ambiguity(of: entry.key).map { .string($0) } ?? .null),
        ])
    }

    private func bindings(showPatient: Bool) async throws(StoreError) -> JSONValue {
        let now = clock.now()
        return .object([("bindings", .array(try await store.bindings().map { binding in
            .object([
                ("id", .number(binding.id)), ("device", .string(binding.deviceKey)),
                ("patient", .string(showPatient ? binding.patientId : PatientMask.mask(binding.patientId))),
                ("from", .string(binding.start.iso8601)), ("until", binding.end.map { .string($0.iso8601) } ?? .null),
                ("active", .bool(binding.covers(now))), ("createdBy", .string(binding.createdBy)),
            ])
        }))])
    }

    private func bind(_ request: ControlRequest, actor: String) async throws(StoreError) -> ControlResponse {
        if let patient = configuration.patientId, !patient.isEmpty {
            return .failure("this box is a home hub (patient.pesel in \(configuration.sourcePath)): every device is bound to that patient; remove patient to use clinic bindings", exitCode: 2)
        }
        guard let device = resolveDevice(request.argument("device")?.stringValue) else {
            return .failure("device: expected one of \(board.snapshot.map(\.key).joined(separator: ", ")) (see iomtctl devices), found \(request.argument("device")?.stringValue.map { "\"\($0)\"" } ?? "nothing")", exitCode: 2)
        }
        if let ambiguity = board.ambiguity(of: device) { return .failure("device \(device) cannot be bound: \(ambiguity)", exitCode: 2) }
        guard let patient = request.argument("patient")?.stringValue else { return .failure("patient: expected a PESEL", exitCode: 2) }
        do { _ = try PESEL.validate(patient) } catch { return .failure("patient: \(error)", exitCode: 2) }
        let start: Instant, end: Instant?
        switch (time(request.argument("from")), time(request.argument("until"))) {
        case (.failure(let problem), _), (_, .failure(let problem)): return .failure(problem.message, exitCode: 2)
        case let (.success(from), .success(until)): start = from ?? clock.now(); end = until
        }
        let releasingHeld = request.argument("releaseHeld")?.boolValue ?? false
        let result = try await store.bind(deviceKey: device, patientId: patient, from: start, until: end, releasingHeld: releasingHeld,
                                          actor: actor, at: clock.now())
        Log.notice("control: \(actor) bound device \(device) from \(start.iso8601) (binding #\(result.binding.id))", "control")
        return .ok(.object([("binding", .number(result.binding.id)), ("device", .string(device)), ("from", .string(start.iso8601)),
                            ("until", end.map { .string($0.iso8601) } ?? .null), ("releasedHeldReadings", .number(result.reattributed))]))
    }

    private func unbind(_ request: ControlRequest, actor: String) async throws(StoreError) -> ControlResponse {
        guard let device = resolveDevice(request.argument("device")?.stringValue) else {
            return .failure("device: expected one of \(board.snapshot.map(\.key).joined(separator: ", ")) (see iomtctl devices)", exitCode: 2)
        }
        let end: Instant
        switch time(request.argument("at")) {
        case let .failure(problem): return .failure(problem.message, exitCode: 2)
        case let .success(at): end = at ?? clock.now()
        }
        guard let ended = try await store.unbind(deviceKey: device, at: end, actor: actor, now: clock.now()) else {
            return .failure("device \(device) has no open binding (see iomtctl bindings)", exitCode: 1)
        }
        Log.notice("control: \(actor) unbound device \(device) at \(end.iso8601) (binding #\(ended.id))", "control")
        return .ok(.object([("binding", .number(ended.id)), ("device", .string(device)), ("until", .string(end.iso8601))]))
    }

    /// Validates a profile (fields, driver options, unique id) and writes it to the local profiles
    /// directory; used from the next start. Audited.
    private func installProfile(_ request: ControlRequest, actor: String) async throws(StoreError) -> ControlResponse {
        guard let name = request.argument("name")?.stringValue, let content = request.argument("content")?.stringValue else {
            return .failure("install-profile needs name and content", exitCode: 2)
        }
        let loader = ProfileLoader(knownDriverIds: DriverRegistry.driverIds)
        let profile: DeviceProfile
        do { profile = try loader.parse(bytes: Array(content.utf8), sourcePath: name) } catch { return .failure("\(error)", exitCode: 2) }
        do { try DriverRegistry.check(profile) } catch { return .failure("\(name): \(error)", exitCode: 2) }
        let directory = configuration.localProfilesDirectory
        let target = directory + "/" + profile.id + ".json"
        let replacing = request.argument("replace")?.boolValue ?? false
        if let existing = profiles.first(where: { $0.id == profile.id }), existing.sourcePath != target || !replacing {
            return .failure("\(name): id: expected an id no other profile uses, found \"\(profile.id)\", already used by \(existing.sourcePath ?? "a loaded profile")"
                            + (existing.sourcePath == target ? " (pass --replace to update it)" : ""), exitCode: 2)
        }
        do {
            try FileIO.createDirectory(directory, mode: 0o755)
            try FileIO.writeAtomically(Array(content.utf8), to: target, mode: 0o644)
        } catch {
            return .failure("cannot write \(target): \(error)", exitCode: 1)
        }
        try await store.audit(actor: actor, action: "install-profile", detail: "\(profile.id) from \(name) to \(target)", at: clock.now())
        Log.notice("control: \(actor) installed profile \(profile.id) (\(target))", "control")
        return .ok(.object([("profile", .string(profile.id)), ("path", .string(target)), ("restartNeeded", .bool(true)),
                            ("usbAdapters", .number(profile.match.usb.count))]))
    }

    /// A capture through the live pipeline (store, alerts, DOM), marked as test data; audited.
    private func replay(_ request: ControlRequest, actor: String) async throws(StoreError) -> ControlResponse {
        guard let pipeline else { return .failure("replay is not available in this daemon", exitCode: 1) }
        guard let profileId = request.argument("profile")?.stringValue, let profile = profiles.first(where: { $0.id == profileId }) else {
            return .failure("profile: expected one of \(profiles.map(\.id).sorted().joined(separator: ", ")), found \(request.argument("profile")?.serialized() ?? "nothing")", exitCode: 2)
        }
        guard let hex = request.argument("hex")?.stringValue, let bytes = try? Hex.bytes(from: hex), !bytes.isEmpty else {
            return .failure("hex: expected the capture's bytes in hex", exitCode: 2)
        }
        var patient = configuration.patientId
        if let given = request.argument("patient")?.stringValue {
            do { _ = try PESEL.validate(given) } catch { return .failure("patient: \(error)", exitCode: 2) }
            patient = given
        }
        let label = request.argument("label")?.stringValue ?? "capture"
        // Test alarms reach the exec hook, webhook and DOM only when asked for (issue 12.6); audited either way.
        let alarms = request.argument("alarms")?.boolValue ?? false
        let result: (observations: [Observation], rejectedFrames: Int)
        do { result = try CaptureReplay(profile: profile, bytes: bytes, patientId: patient, label: label).run(endingAt: clock.now()) } catch {
            return .failure("\(error)", exitCode: 2)
        }
        let ids = await pipeline.accept(result.observations, announceTestAlarms: alarms)
        guard ids.count == result.observations.count else {
            return .failure("the store refused the replayed readings (see the journal)", exitCode: 1)
        }
        let alarmNote = alarms ? "test alarms announced on every channel" : "test alarms recorded, not announced"
        try await store.audit(actor: actor, action: "replay", detail: "\(ids.count) test reading(s) from \(label) with profile \(profile.id); \(alarmNote)",
                              at: clock.now())
        Log.notice("control: \(actor) replayed \(label) with \(profile.id): \(ids.count) test reading(s); \(alarmNote)", "control")
        return .ok(.object([("profile", .string(profile.id)), ("bytes", .number(bytes.count)), ("readings", .number(ids.count)),
                            ("rejectedFrames", .number(result.rejectedFrames)), ("testData", .bool(true)), ("alarms", .bool(alarms)),
                            ("ids", .array(ids.map { .number($0) }))]))
    }

    /// A device by its full key, its port path or Bluetooth address, or a unique part of its key.
    private func resolveDevice(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        let entries = board.snapshot
        if let exact = entries.first(where: { $0.key == text || $0.address == text }) { return exact.key }
        // Otherwise any unique part of the key ("cms50", the serial number), ignoring case.
        let matching = entries.filter { $0.key.lowercased().contains(text.lowercased()) }
        return matching.count == 1 ? matching[0].key : nil
    }

    private func time(_ value: JSONValue?) -> Result<Instant?, TimeArgumentError> {
        guard let value else { return .success(nil) }
        guard let text = value.stringValue, let instant = Instant(iso8601: text) else {
            return .failure(TimeArgumentError(message: "time: expected ISO 8601 with an offset (2026-11-23T10:00:00+01:00), found \(value.serialized())"))
        }
        return .success(instant)
    }
}

struct TimeArgumentError: Error { let message: String }

/// Shows a patient identifier as its last two digits only (enough for a nurse to tell two apart).
public enum PatientMask {
    public static func mask(_ identifier: String) -> String {
        String(repeating: "•", count: max(0, identifier.count - 2)) + identifier.suffix(2)
    }
}

import IoMTConfiguration
import IoMTControl
import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTProfiles
import IoMTSpirometry
import IoMTStore

/// Answers control commands from the daemon's live state: the device board, the store, the
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

    public init(store: Store, board: DeviceStatusBoard, configuration: DaemonConfiguration, startedAt: Instant, clock: any WallClock,
                profiles: [DeviceProfile] = [], pipeline: IngestPipeline? = nil) {
        self.store = store; self.board = board; self.configuration = configuration; self.startedAt = startedAt; self.clock = clock
        self.profiles = profiles; self.pipeline = pipeline
    }

    public func handle(_ command: ControlCommand, from peer: PeerCredentials) async -> ControlReply {
        let actor = "uid \(peer.uid)"
        do {
            switch command {
            case .ping: return .ok(PingReply(version: GatewayDaemon.version))
            case .status: return .ok(try await status())
            case .devices: return .ok(DeviceList(devices: deviceStatuses()))
            case let .bindings(showPatient): return .ok(try await bindings(showPatient: showPatient))
            case let .bind(arguments): return try await bind(arguments, actor: actor)
            case let .unbind(device, at): return try await unbind(device, at: at, actor: actor)
            case let .replay(arguments): return try await replay(arguments, actor: actor)
            case let .installProfile(name, content, replace): return try await installProfile(name: name, content: content, replace: replace, actor: actor)
            case .scan, .pair, .forget: return await bluetoothCommand(command, actor: actor)
            case let .acknowledgeAlert(id): return try await recordAlertAction(alert: id, kind: .acknowledge, silenceMilliseconds: nil, actor: actor)
            case let .silenceAlert(id, milliseconds): return try await recordAlertAction(alert: id, kind: .silence, silenceMilliseconds: milliseconds, actor: actor)
            case let .requeueQuarantined(target): return try await requeue(target, actor: actor)
            case let .capture(device, seconds): return await capture(device: device, seconds: seconds, actor: actor)
            case let .captureProgress(device): return captureProgress(device: device)
            }
        } catch {
            return .failure("\(error)", .failed)
        }
    }

    private func status() async throws(StoreError) -> DaemonStatus {
        let now = clock.now()
        let stats = try await store.stats(destination: configuration.primaryDestination)
        let alerts = try await store.alerts(limit: 20).filter { now.milliseconds(since: $0.event.createdAt) < 86_400_000 }
        return DaemonStatus(
            version: GatewayDaemon.version, startedAt: startedAt, uptimeSeconds: now.milliseconds(since: startedAt) / 1000,
            mode: configuration.patientId == nil ? .clinic : .home, devices: deviceStatuses(),
            store: await pipeline?.storeHealth().report,
            forwarder: await pipeline?.forwarder?.status.report(quarantined: stats.quarantined),
            delivery: DeliveryStatus(destination: configuration.primaryDestination, baseURL: configuration.dom?.baseURL, backlog: Int64(stats.backlog),
                                     oldestUndelivered: stats.oldestUndelivered, lastSuccess: stats.lastSuccess, delivered: Int64(stats.delivered),
                                     duplicates: Int64(stats.duplicates), quarantined: Int64(stats.quarantined), held: Int64(stats.held),
                                     failuresByKind: stats.failuresByKind.map { ($0.key, Int64($0.value)) }),
            recentAlerts: alerts.map { alert in
                RecentAlert(id: alert.id, priority: alert.event.priority.rawValue, rule: alert.event.ruleId, device: alert.event.deviceKey,
                            measurement: alert.event.measurement, value: alert.event.value?.description, unit: alert.event.unit,
                            observedAt: alert.event.observedAt, test: alert.event.test?.rawValue)
            })
    }

    func deviceStatuses() -> [DeviceStatus] {
        board.snapshot.map { entry in
            DeviceStatus(key: entry.key, profile: entry.profileId, transport: entry.transport, address: entry.address, state: entry.state,
                         detail: entry.detail, since: entry.since, lastReading: entry.lastReading, readings: Int64(entry.readings),
                         ambiguousIdentity: board.ambiguity(of: entry.key), deviceInfo: entry.deviceInfo, parts: entry.parts, partOf: entry.partOf)
        }
    }

    private func bindings(showPatient: Bool) async throws(StoreError) -> BindingList {
        let now = clock.now()
        return BindingList(bindings: try await store.bindings().map { binding in
            BindingList.Binding(id: binding.id, device: binding.deviceKey, patient: showPatient ? binding.patientId : PatientMask.mask(binding.patientId),
                                from: binding.start, until: binding.end, active: binding.covers(now), createdBy: binding.createdBy,
                                demographics: binding.demographics.map { given in
                                    BindingList.Demographics(heightCm: DecimalValue(ReferenceValueError.format(given.heightCm)) ?? DecimalValue(0), sexAtBirth: given.sexAtBirth,
                                                             birthDate: showPatient ? given.birthDate.isoDate : nil)
                                })
        })
    }

    private func bind(_ arguments: ControlCommand.BindArguments, actor: String) async throws(StoreError) -> ControlReply {
        if let patient = configuration.patientId, !patient.isEmpty {
            return .failure("this box is a home hub (patient.pesel in \(configuration.sourcePath)): every device is bound to that patient; remove patient to use clinic bindings", .usage)
        }
        guard let device = resolveDevice(arguments.device) else {
            return .failure("device: expected one of \(board.snapshot.map(\.key).joined(separator: ", ")) (see iomtctl devices), found \"\(arguments.device)\"", .usage)
        }
        if let ambiguity = board.ambiguity(of: device) { return .failure("device \(device) cannot be bound: \(ambiguity)", .usage) }
        if let refusal = wholeDeviceWithParts(device) { return refusal }
        do { _ = try PESEL.validate(arguments.patient) } catch { return .failure("patient: \(error)", .usage) }
        var demographics: BindingDemographics?
        if let given = arguments.demographics {
            do {
                let checked = try GivenDemographics.check(pesel: arguments.patient, heightCm: given.heightCm.doubleValue, sexAtBirth: given.sexAtBirth,
                                                          birthDate: given.birthDate)
                demographics = BindingDemographics(heightCm: checked.heightCm, sexAtBirth: checked.sex.rawValue, birthDate: checked.birthDate)
            } catch { return .failure("\(error)", .usage) }
        }
        let start = arguments.from ?? clock.now(), end = arguments.until
        let result = try await store.bind(deviceKey: device, patientId: arguments.patient, from: start, until: end, releasingHeld: arguments.releaseHeld,
                                          demographics: demographics, actor: actor, at: clock.now())
        Log.notice("control: \(actor) bound device \(device) from \(start.iso8601) (binding #\(result.binding.id))", "control")
        return .ok(BindReply(binding: result.binding.id, device: device, from: start, until: end, releasedHeldReadings: Int64(result.reattributed)))
    }

    private func unbind(_ deviceText: String, at: Instant?, actor: String) async throws(StoreError) -> ControlReply {
        guard let device = resolveDevice(deviceText) else {
            return .failure("device: expected one of \(board.snapshot.map(\.key).joined(separator: ", ")) (see iomtctl devices)", .usage)
        }
        if let refusal = wholeDeviceWithParts(device) { return refusal }
        let end = at ?? clock.now()
        guard let ended = try await store.unbind(deviceKey: device, at: end, actor: actor, now: clock.now()) else {
            return .failure("device \(device) has no open binding (see iomtctl bindings)", .failed)
        }
        Log.notice("control: \(actor) unbound device \(device) at \(end.iso8601) (binding #\(ended.id))", "control")
        return .ok(UnbindReply(binding: ended.id, device: device, until: end))
    }

    /// Validates a profile (fields, driver options, unique id) and writes it to the local profiles
    /// directory; used from the next start. Audited.
    private func installProfile(name: String, content: String, replace replacing: Bool, actor: String) async throws(StoreError) -> ControlReply {
        let loader = ProfileLoader(knownDriverIds: DriverRegistry.driverIds)
        let profile: DeviceProfile
        do { profile = try loader.parse(bytes: Array(content.utf8), sourcePath: name) } catch { return .failure("\(error)", .usage) }
        do { try DriverRegistry.check(profile) } catch { return .failure("\(name): \(error)", .usage) }
        let directory = configuration.localProfilesDirectory
        let target = directory + "/" + profile.id + ".json"
        if let existing = profiles.first(where: { $0.id == profile.id }), existing.sourcePath != target || !replacing {
            return .failure("\(name): id: expected an id no other profile uses, found \"\(profile.id)\", already used by \(existing.sourcePath ?? "a loaded profile")"
                            + (existing.sourcePath == target ? " (pass --replace to update it)" : ""), .usage)
        }
        do {
            try FileIO.createDirectory(directory, mode: 0o755)
            try FileIO.writeAtomically(Array(content.utf8), to: target, mode: 0o644)
        } catch {
            return .failure("cannot write \(target): \(error)", .failed)
        }
        try await store.audit(actor: actor, action: "install-profile", detail: "\(profile.id) from \(name) to \(target)", at: clock.now())
        Log.notice("control: \(actor) installed profile \(profile.id) (\(target))", "control")
        return .ok(InstallProfileReply(profile: profile.id, path: target, usbAdapters: Int64(profile.match.usb.count)))
    }

    /// A capture through the live pipeline (store, alerts, DOM), marked as test data; audited.
    private func replay(_ arguments: ControlCommand.ReplayArguments, actor: String) async throws(StoreError) -> ControlReply {
        guard let pipeline else { return .failure("replay is not available in this daemon", .failed) }
        guard let profile = profiles.first(where: { $0.id == arguments.profile }) else {
            return .failure("profile: expected one of \(profiles.map(\.id).sorted().joined(separator: ", ")), found \"\(arguments.profile)\"", .usage)
        }
        guard let bytes = try? Hex.bytes(from: arguments.hex), !bytes.isEmpty || arguments.transcript != nil else {
            return .failure("hex: expected the capture's bytes in hex", .usage)
        }
        var patient = configuration.patientId
        if let given = arguments.patient {
            do { _ = try PESEL.validate(given) } catch { return .failure("patient: \(error)", .usage) }
            patient = given
        }
        let label = arguments.label ?? "capture"
        // Test alarms reach the exec hook, webhook and DOM only when asked for (issue 12.6); audited either way.
        let alarms = arguments.alarms
        let result: (observations: [Observation], rejectedFrames: Int)
        do {
            result = try CaptureReplay(profile: profile, bytes: bytes, patientId: patient, label: label, transcript: arguments.transcript)
                .run(endingAt: clock.now())
        } catch {
            return .failure("\(error)", .usage)
        }
        let ids = await pipeline.accept(result.observations, announceTestAlarms: alarms)
        guard ids.count == result.observations.count else {
            return .failure("the store refused the replayed readings (see the journal)", .failed)
        }
        let alarmNote = alarms ? "test alarms announced on every channel" : "test alarms recorded, not announced"
        try await store.audit(actor: actor, action: "replay", detail: "\(ids.count) test reading(s) from \(label) with profile \(profile.id); \(alarmNote)",
                              at: clock.now())
        Log.notice("control: \(actor) replayed \(label) with \(profile.id): \(ids.count) test reading(s); \(alarmNote)", "control")
        let replayedBytes = arguments.transcript.flatMap { try? CaptureTranscript.parse($0).bytesFromDevice } ?? bytes.count
        return .ok(ReplayReply(profile: profile.id, bytes: Int64(replayedBytes), readings: Int64(ids.count), rejectedFrames: Int64(result.rejectedFrames),
                               alarms: alarms, ids: ids))
    }

    /// A device whose parts measure for different people (a two-user cuff) is bound part by part: its readings are
    /// stored under its parts' keys, so a binding of the whole device would attribute none of them.
    func wholeDeviceWithParts(_ key: String) -> ControlReply? {
        guard let parts = board.entry(key)?.parts, !parts.isEmpty else { return nil }
        return .failure("device \(key) measures for \(parts.count) people, each bound on its own: expected one of \(parts.joined(separator: ", ")), found \(key)", .usage)
    }

    /// A device by its full key, its port path or Bluetooth address (the whole device, not one of its parts), or a
    /// unique part of its key.
    func resolveDevice(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        let entries = board.snapshot
        if let exact = entries.first(where: { $0.key == text || ($0.address == text && $0.partOf == nil) }) { return exact.key }
        // Otherwise any unique part of the key ("cms50", the serial number), ignoring case.
        let matching = entries.filter { $0.key.lowercased().contains(text.lowercased()) }
        return matching.count == 1 ? matching[0].key : nil
    }
}

/// Shows a patient identifier as its last two digits only (enough for a nurse to tell two apart).
public enum PatientMask {
    public static func mask(_ identifier: String) -> String {
        String(repeating: "•", count: max(0, identifier.count - 2)) + identifier.suffix(2)
    }
}

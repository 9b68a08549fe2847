import IoMTCore

/// Which patient a device measured for over a time window (clinic mode: many patients per box).
public struct PatientBinding: Sendable, Hashable {
    public let id: Int64
    public let deviceKey: String
    public let patientId: String
    public let start: Instant
    /// nil while the device is still bound.
    public let end: Instant?
    public let createdAt: Instant
    public let createdBy: String
    /// What the technician gave with the binding for the patient's spirometry reference values (nil: none given; the
    /// configuration's patients[] entry applies).
    public let demographics: BindingDemographics?

    public init(id: Int64, deviceKey: String, patientId: String, start: Instant, end: Instant?, createdAt: Instant, createdBy: String,
                demographics: BindingDemographics? = nil) {
        self.id = id; self.deviceKey = deviceKey; self.patientId = patientId; self.start = start; self.end = end
        self.createdAt = createdAt; self.createdBy = createdBy; self.demographics = demographics
    }

    /// Start inclusive, end exclusive, so back-to-back bindings never both claim a reading.
    public func covers(_ time: Instant) -> Bool { time >= start && (end.map { time < $0 } ?? true) }
}

/// Demographics given with a clinic binding (`iomtctl bind … --height CM`), as stored: the daemon checked them against the
/// patient's PESEL before binding (sex and birth date derived from it when not given), so they are the PESEL's.
public struct BindingDemographics: Sendable, Hashable {
    public let heightCm: Double
    /// "male" or "female".
    public let sexAtBirth: String
    public let birthDate: CivilTime

    public init(heightCm: Double, sexAtBirth: String, birthDate: CivilTime) {
        self.heightCm = heightCm; self.sexAtBirth = sexAtBirth; self.birthDate = birthDate
    }
}

/// The outcome of `bind`: the new binding and the readings it attributed that had been held back.
public struct BindingResult: Sendable {
    public let binding: PatientBinding
    public let reattributed: Int
}

extension Store {
    /// The quarantine reason of a reading no binding covered; `bind` re-queues exactly these.
    /// The quarantine reason of a reading whose time is not trusted (an unset or implausible device clock).
    public static let untrustedTimeReason = "the device's time for this reading is not trustworthy (device clock unset, or the corrected time lies in the future or long before the device was first seen); check the device clock and the reading, then requeue it"
    public static let heldBackReason = "no patient was bound to the device at the reading's time; bind the device (iomtctl bind) to send it"
    /// A queued reading without a patient reached the wire format (readings without one are stored held, so this is a
    /// fault): set aside for a human rather than sent to no one.
    public static let noPatientAtSendReason = "the reading had no patient when it was to be sent; bind the device (iomtctl bind), then requeue it"
    /// A stored recording its driver could not decode (`StatusFlag.unreadableRecording`): kept for audit, never sent.
    public static let unreadableRecordingReason = "a stored recording the device's driver could not decode: not sent; its raw file is kept for audit in the store (readings.raw_frame of this reading id); the device board (iomtctl devices, unreadableSession) and the log say which file and why"

    /// Every binding, or one device's, oldest first.
    public func bindings(deviceKey: String? = nil) throws(StoreError) -> [PatientBinding] {
        try bindingBook.bindings(deviceKey: deviceKey)
    }

    /// The patient bound to a device at a time (nil: none, the reading is held back).
    public func boundPatient(deviceKey: String, at time: Instant) -> String? {
        bindingBook.boundPatient(deviceKey: deviceKey, at: time)
    }

    /// Binds a device to a patient from `start` (until `end`, or open-ended). Refuses an overlap with
    /// another binding of the device, naming it. Every undelivered reading of the device inside the window is
    /// attributed again in the same transaction (held ones are queued again). Readings that were held for
    /// want of a patient are attributed only when `releasingHeld` says the technician checked them: a
    /// binding reaching back over them must not hand them to a patient silently.
    /// `demographics`: what the technician gave for the patient's reference values, kept with the binding.
    public func bind(deviceKey: String, patientId: String, from start: Instant, until end: Instant?, releasingHeld: Bool = false,
                     demographics: BindingDemographics? = nil, actor: String, at now: Instant) throws(StoreError) -> BindingResult {
        if let end, end <= start { throw .refused("the binding's end (\(end.iso8601)) must be after its start (\(start.iso8601))") }
        if let existing = bindingBook.overlapping(deviceKey: deviceKey, start: start, end: end) {
            throw .refused("device \(deviceKey) is already bound from \(existing.start.iso8601) to \(existing.end?.iso8601 ?? "now (open)") (binding #\(existing.id)); unbind it or choose a window that does not overlap")
        }
        let (binding, change) = try connection.transaction { () throws(StoreError) -> (PatientBinding, Reattribution) in
            let id = try bindingBook.insert(deviceKey: deviceKey, patientId: patientId, start: start, end: end, demographics: demographics,
                                            actor: actor, at: now)
            let change = try bindingBook.reattribute(deviceKey: deviceKey, from: start, until: end, releasingHeld: releasingHeld)
            // The audit names the device and window, never the patient.
            try auditTrail.record(actor: actor, action: "bind",
                                  detail: "binding #\(id): device \(deviceKey) from \(start.iso8601) until \(end?.iso8601 ?? "open"); \(change.attributed) held reading(s) attributed"
                                      + (demographics == nil ? "" : "; demographics given for reference values"),
                                  at: now)
            return (PatientBinding(id: id, deviceKey: deviceKey, patientId: patientId, start: start, end: end, createdAt: now, createdBy: actor,
                                   demographics: demographics), change)
        }
        bindingBook.remember(binding)
        publishBindings()
        deliveryQueue.adjustBacklog(change.backlogChange)
        return BindingResult(binding: binding, reattributed: change.attributed)
    }

    /// Ends the device's open binding at `end`. Undelivered readings from `end` on are held back again, even
    /// when `end` lies in the past; an end that would take already delivered readings from the patient is
    /// refused. Returns the ended binding, or nil when the device had no open binding.
    public func unbind(deviceKey: String, at end: Instant, actor: String, now: Instant) throws(StoreError) -> PatientBinding? {
        guard let open = bindingBook.cached(deviceKey: deviceKey).first(where: { $0.end == nil }) else { return nil }
        guard end > open.start else {
            throw .refused("device \(deviceKey) was bound from \(open.start.iso8601); the end (\(end.iso8601)) must be after that")
        }
        let change = try connection.transaction { () throws(StoreError) -> Reattribution in
            try bindingBook.end(bindingId: open.id, at: end)
            let change = try bindingBook.reattribute(deviceKey: deviceKey, from: end, until: nil, releasingHeld: false)
            try auditTrail.record(actor: actor, action: "unbind",
                                  detail: "binding #\(open.id): device \(deviceKey) ended at \(end.iso8601); \(change.unattributed) undelivered reading(s) held back again",
                                  at: now)
            return change
        }
        let ended = PatientBinding(id: open.id, deviceKey: deviceKey, patientId: open.patientId, start: open.start, end: end,
                                   createdAt: open.createdAt, createdBy: open.createdBy, demographics: open.demographics)
        bindingBook.replace(ended)
        publishBindings()
        deliveryQueue.adjustBacklog(change.backlogChange)
        return ended
    }

    /// Calls `observer` with every binding now, and again after every change (bind, unbind, the file opened after a
    /// degraded start), before the change's readings can be read: what follows a binding (the demographics a reading is
    /// assessed with, Sources/IoMTSpirometry/PatientDemographicsResolver.swift) never lags behind it.
    public func observeBindings(_ observer: @escaping @Sendable ([PatientBinding]) -> Void) {
        bindingsObserver = observer
        publishBindings()
    }

    func publishBindings() {
        bindingsObserver?(bindingBook.all)
    }
}


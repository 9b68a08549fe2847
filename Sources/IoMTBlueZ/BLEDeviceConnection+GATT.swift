import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTProfiles

/// The GATT part of a link: reads, the device clock, subscriptions and writes, and the D-Bus calls
/// they are made of (InProgress is waited out, bounded).
extension BLEDeviceConnection {
    /// After ServicesResolved: read-once values, the clock (read and reported before anything is set),
    /// StartNotify on every subscription, then the reader's link-up writes (RACP), in order. A clock that must be set
    /// (unset, or off by > 60 s, and writable) is set at once when no memory download follows, else after the
    /// download ended (`follow`): every record the old clock stamped arrives before the set.
    func setUp(_ plan: GATTConnectionPlan) async throws {
        for step in plan.reads {
            hand(.value(characteristic: step.uuid, bytes: try await readValue(step.path)))
        }
        var clockToSet: DBusObjectPath?
        for step in plan.clockReads {
            let (output, readAt) = hand(.value(characteristic: step.uuid, bytes: try await readValue(step.path)))
            guard let deviceClock = output.deviceClock else { continue }
            let zone = settings.deviceUTCOffsetMinutes
            sink.yield(.deviceClockRead(deviceClock.reading(readAt: readAt, assumingUTCOffsetMinutes: zone)))
            if settings.setDeviceClock, let writable = plan.currentTimeWritable,
               DeviceClockPolicy.shouldSet(deviceClock, readAt: readAt, utcOffsetMinutes: zone) {
                Log.notice("\(address): device clock \(deviceClock.dateTime.isClockUnset ? "unset" : "off by more than a minute"); it is set after the stored records are read", "bluetooth")
                clockToSet = writable
            }
            break // one clock is enough (Current Time preferred over Date Time)
        }
        if profile.quirks.contains(.dateTimeInService) {
            clockToSet = nil // the device's own Date Time is the clock it stamps with: written now, before its records
            try await setDateTimeInService(plan)
        }
        for step in plan.subscriptions {
            _ = try await callRetryingInProgress(step.path, BlueZ.gattCharacteristic, "StartNotify")
        }
        var downloading = false
        for write in hand(.linkUp).output.writes {
            guard let target = plan.target(of: write) else { continue } // e.g. no RACP: no stored records
            try await writeValue(target, write.value)
            downloading = true
        }
        if let clockToSet {
            if downloading { pendingClockSet = clockToSet } else { try await setDeviceClock(clockToSet) }
        }
    }

    /// After a streamed value: the reader's follow-up writes (a re-read after the numbering restarted), and the
    /// deferred clock set once the memory download is complete. A vendor reader that reads the device clock in its own
    /// protocol (an Omron cuff's settings, the Viatom info's CurTIME) reports it here, so the runner records its offset
    /// before the readings it stamped arrive; one that sets it after the records says so
    /// (`DriverEvent.deviceClockSetAfterRecords`).
    func follow(_ output: DeviceOutput, at: Instant, plan: GATTConnectionPlan) async throws {
        if let deviceClock = output.deviceClock {
            sink.yield(.deviceClockRead(deviceClock.reading(readAt: at, assumingUTCOffsetMinutes: settings.deviceUTCOffsetMinutes)))
        }
        if output.events.contains(.deviceClockSetAfterRecords) {
            Log.notice("\(address): device clock set by the device's own protocol", "bluetooth")
            sink.yield(.deviceClockSet(at: at))
        }
        for write in output.writes {
            guard let target = plan.target(of: write) else { continue }
            try await writeValue(target, write.value)
        }
        if output.transferComplete, let writable = pendingClockSet {
            pendingClockSet = nil
            try await setDeviceClock(writable)
        }
    }

    /// `date-time-in-service` (A&D, DEVICES.md §3.2): the device stamps the records it is about to send with the Date Time
    /// (0x2A08) of its health service, so the gateway's time is written there at every connection, before subscribing.
    /// The clock as read before (where readable) was reported first: records its old clock stamped are corrected with that
    /// offset, those after the set with none (`DeviceClockTrust`).
    private func setDateTimeInService(_ plan: GATTConnectionPlan) async throws {
        guard settings.setDeviceClock else { return }
        guard let writable = plan.dateTimeInServiceWritable else {
            Log.warning("\(address): no writable Date Time (0x2A08) in its health service although its profile says date-time-in-service; its records keep the device's own clock", "bluetooth")
            return
        }
        let setAt = clock.now()
        try await writeValue(writable, GATTCurrentTime(setting: setAt, utcOffsetMinutes: settings.deviceUTCOffsetMinutes).dateTime.bytes)
        Log.info("\(address): device clock set (Date Time in its health service)", "bluetooth")
        sink.yield(.deviceClockSet(at: setAt))
    }

    private func setDeviceClock(_ writable: DBusObjectPath) async throws {
        let setAt = clock.now()
        try await writeValue(writable, GATTCurrentTime(setting: setAt, utcOffsetMinutes: settings.deviceUTCOffsetMinutes).bytes)
        Log.notice("\(address): device clock set", "bluetooth")
        sink.yield(.deviceClockSet(at: setAt))
    }

    func call(_ path: DBusObjectPath, _ interface: String, _ member: String, _ body: [DBusValue] = [],
              timeout: Int64 = 25_000) async throws -> [DBusValue] {
        try await client.bus.call(destination: BlueZ.service, path: path, interface: interface, member: member, body: body,
                                  timeoutMilliseconds: timeout)
    }

    /// Calls, waiting and retrying while BlueZ answers InProgress (bounded).
    func callRetryingInProgress(_ path: DBusObjectPath, _ interface: String, _ member: String, _ body: [DBusValue] = [],
                                timeout: Int64 = 25_000) async throws -> [DBusValue] {
        var attempts = 0
        while true {
            do { return try await call(path, interface, member, body, timeout: timeout) } catch {
                attempts += 1
                guard case .waitAndRetry(let ms) = BlueZRecovery.classify(error), attempts < 30, !stopped else { throw error }
                await pause(ms)
            }
        }
    }

    /// Hands the reader one input now and passes what it produced on to the runner, in arrival order (an output with
    /// nothing in it is not queued); returns it, and the instant it stands for, for its writes and clock.
    @discardableResult
    func hand(_ input: DeviceInput) -> (output: DeviceOutput, at: Instant) {
        let now = clock.now()
        let output = reader.handle(input, at: now)
        if output != DeviceOutput() { sink.yield(.output(output, receivedAt: now)) }
        return (output, now)
    }

    func readValue(_ path: DBusObjectPath) async throws -> [UInt8] {
        let body = try await callRetryingInProgress(path, BlueZ.gattCharacteristic, "ReadValue", [.stringVariantDictionary([:])])
        guard let bytes = body.first?.bytesValue else {
            throw DBusError.unexpectedReply(member: "ReadValue", expected: "ay", found: body.map(\.type.signature).joined())
        }
        return bytes
    }

    /// WriteValue with a response ("type": "request"), as RACP and Current Time require.
    func writeValue(_ path: DBusObjectPath, _ bytes: [UInt8]) async throws {
        _ = try await callRetryingInProgress(path, BlueZ.gattCharacteristic, "WriteValue",
                                             [.byteArray(bytes), .stringVariantDictionary(["type": .string("request")])])
    }
}

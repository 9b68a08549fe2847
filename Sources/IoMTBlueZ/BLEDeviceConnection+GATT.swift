import IoMTCore
import IoMTDBus
import IoMTDrivers

/// The GATT part of a link: reads, the device clock, subscriptions and writes, and the D-Bus calls
/// they are made of (InProgress is waited out, bounded).
extension BLEDeviceConnection {
    /// After ServicesResolved: read-once values, the clock (set when unset or off by > 60 s and
    /// writable), StartNotify on every subscription, then the session's writes (RACP), in order.
    func setUp(_ plan: GATTConnectionPlan) async throws {
        for step in plan.reads {
            deliver(step.uuid, try await readValue(step.path))
        }
        for step in plan.clockReads {
            let value = try await readValue(step.path)
            let readAt = clock.now()
            let output = session.decode(characteristic: step.uuid, value: value, receivedAt: readAt)
            sink.yield(.output(output, receivedAt: readAt))
            guard let deviceClock = output.deviceClock else { continue }
            let zone = settings.deviceUTCOffsetMinutes
            if settings.setDeviceClock, let writable = plan.currentTimeWritable,
               DeviceClockPolicy.shouldSet(deviceClock, readAt: readAt, utcOffsetMinutes: zone) {
                try await writeValue(writable, GATTCurrentTime(setting: clock.now(), utcOffsetMinutes: zone).bytes)
                Log.notice("\(address): device clock set (it was \(deviceClock.dateTime.isClockUnset ? "unset" : "off by more than a minute"))", "bluetooth")
                sink.yield(.clockOffset(0))
            } else {
                sink.yield(.clockOffset(deviceClock.clockOffsetMilliseconds(readAt: readAt, assumingUTCOffsetMinutes: zone)))
            }
            break // one clock is enough (Current Time preferred over Date Time)
        }
        for step in plan.subscriptions {
            _ = try await callRetryingInProgress(step.path, BlueZ.gattCharacteristic, "StartNotify")
        }
        for write in session.connected(at: clock.now()).writes {
            guard let target = plan.writable[write.characteristic] else { continue } // e.g. no RACP: no stored records
            try await writeValue(target, write.value)
        }
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

    func deliver(_ uuid: UInt16, _ value: [UInt8]) {
        let now = clock.now()
        sink.yield(.output(session.decode(characteristic: uuid, value: value, receivedAt: now), receivedAt: now))
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

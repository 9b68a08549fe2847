import IoMTControl
import IoMTCore
import IoMTDrivers
import IoMTStore

/// `iomtctl capture`: the device's `CaptureTap` records for the asked seconds on the daemon's clock while the device is
/// read as always (readings stored, alarms evaluated). One capture per device at a time. The reply carries readings, so
/// nothing of it is logged but counts, and the audit names the device, never a patient.
extension DaemonControl {
    func capture(device text: String, seconds: Int, actor: String) async -> ControlReply {
        // A part of a device (a cuff's user) is captured as the device: one connection, one tap.
        guard let found = resolveDevice(text), let key = Optional(board.entry(found)?.partOf ?? found), let entry = board.entry(key) else {
            return .failure("device: expected one of \(board.snapshot.map(\.key).joined(separator: ", ")) (see iomtctl devices), found \"\(text)\"", .usage)
        }
        guard let tap = board.captures.existing(key) else {
            return .failure("device \(key) is not read through a driver in this daemon; nothing to capture", .failed)
        }
        guard let clock = clock as? any SchedulingClock else { return .failure("capture needs the daemon's scheduling clock", .failed) }
        let startedAt = clock.now()
        guard tap.start(at: startedAt) else {
            let since = tap.progress.map { " since \($0.startedAt.iso8601)" } ?? ""
            return .failure("device \(key): a capture is already running\(since); wait for it to end, then capture again", .failed)
        }
        Log.notice("control: \(actor) started a \(seconds) s capture of device \(key)", "control")
        // Cancelled (the daemon stopping): end the capture now and answer with what was recorded.
        try? await clock.sleep(for: .seconds(seconds))
        let endedAt = clock.now()
        guard let result = tap.finish(at: endedAt) else { return .failure("device \(key): the capture was lost", .failed) }
        let limitNote = result.limitReached ? "; limit reached, \(result.droppedEvents) event(s) not recorded" : ""
        let summary = "\(result.transcript.entries.count) event(s), \(result.transcript.bytesFromDevice) byte(s) from the device\(limitNote)"
        Log.notice("control: capture of device \(key) ended: \(summary)", "control")
        do { try await store.audit(actor: actor, action: "capture", detail: "device \(key), \(seconds) s: \(summary)", at: endedAt) } catch {
            Log.error("control: the capture of device \(key) was not audited: \(error)", "control")
        }
        return .ok(CaptureReply(device: key, profiles: entry.profileId.split(separator: "+").map(String.init), transport: entry.transport,
                                seconds: Int64(seconds), startedAt: startedAt, endedAt: endedAt, events: Int64(result.transcript.entries.count),
                                bytesFromDevice: Int64(result.transcript.bytesFromDevice), limitReached: result.limitReached,
                                droppedEvents: Int64(result.droppedEvents), maxEvents: Int64(result.limits.maxEvents),
                                maxBytes: Int64(result.limits.maxBytes), transcript: result.transcript.text))
    }

    func captureProgress(device text: String) -> ControlReply {
        guard let key = resolveDevice(text) else {
            return .failure("device: expected one of \(board.snapshot.map(\.key).joined(separator: ", ")) (see iomtctl devices), found \"\(text)\"", .usage)
        }
        let progress = board.captures.existing(key)?.progress
        return .ok(CaptureProgressReply(device: key, running: progress != nil, events: Int64(progress?.events ?? 0), bytes: Int64(progress?.bytes ?? 0),
                                        limitReached: progress?.limitReached ?? false))
    }
}

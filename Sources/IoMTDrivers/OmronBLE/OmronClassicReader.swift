import IoMTCore

/// A sync with an Omron cuff on the classic stack, as a state machine (README.md): link up → unlock with the key (or,
/// when the cuff refuses it and is in pairing mode, program the key first) → start → read the settings' index bytes
/// (every user's write cursor) and time bytes (the device clock, reported before anything is set) → for each user
/// area in turn: read its marked record to check it is still there, then only the slots after it → set the clock when
/// it is off → end. Each user area is a part of the device (`user1`, `user2`: `subDevices`) with its own binding and
/// its own mark: a record becomes readings of its user's part, with its device time, and carries that user's mark (the
/// slot after it) committed with them. The unread counters and the records are never reset or deleted. Every request
/// is resent after `answerTimeoutMilliseconds` on the handed instants (ticks), at most `maxRetries` times, then the
/// sync is ended. A model on the FE4A stack (`OmronMemoryMap.Stack.fe4a`) is reached through one TX and one RX channel
/// carrying whole packets and unlocked with a token instead of the key (README.md "The FE4A stack"); the rest is the
/// same. Pure.
public struct OmronClassicReader: DeviceReader {
    public struct Options: Sendable, Hashable {
        public var map: OmronMemoryMap
        /// On a home hub (one patient): the user area that patient measures as; the other user's records are held.
        public var homeHubUser = 1
        public var unlockKey: [UInt8] = OmronClassicReader.defaultUnlockKey
        /// When the cuff refuses the key: try to program it (answered only in pairing mode, "-P-" blinking).
        public var programKeyWhenRefused = true
        public var setClock = true
        public var clockUTCOffsetMinutes = 0
        public var answerTimeoutMilliseconds: Int64 = 1000
        public var maxRetries = 5
        /// Attempts at entering key programming while the OS bonding completes (omblepy tries 10 times).
        public var keyProgrammingAttempts = 10
        public init(map: OmronMemoryMap) { self.map = map }
    }

    /// The key iomtd programs and unlocks with (README.md "Unlock key"): one fixed key, not a secret.
    public static let defaultUnlockKey: [UInt8] = Array("iomtd-omron-key1".utf8)

    enum Step: Sendable, Hashable {
        case idle
        case unlocking(afterProgramming: Bool)
        case enteringKeyProgramming(attempt: Int)
        case programmingKey
        case awaiting(OmronPacket, Purpose)
        case ended
    }

    enum Purpose: Sendable, Hashable {
        case start, index, time, markedRecord(user: Int, slot: Int), record(user: Int, slot: Int), setClock, end
    }

    public let options: Options
    public var needs: DeviceNeeds { .gatt(isFE4A ? OmronFE4AGATT.profile : OmronClassicGATT.profile) }
    private var isFE4A: Bool { options.map.stack == .fe4a }
    /// The FE4A token (README.md "The FE4A stack"): the cuff only echoes it and it protects nothing, so it is fixed —
    /// a recorded sync replays (`iomtctl replay`, capture fixtures) with the same bytes it was recorded with.
    public static let fe4aToken: [UInt8] = Array("iomt".utf8)
    private var token: [UInt8] { Self.fe4aToken }
    var step = Step.idle
    private var assembler = OmronPacketAssembler()
    /// The committed marks, by user.
    private var committedMarks: [Int: DeviceRecordMark] = [:]
    private var sentAt: Instant?
    private var retries = 0
    /// Each user's write cursor, as the index bytes gave it (users whose cursor was not valid are absent).
    private var cursors: [Int: Int] = [:]
    /// The users still to read after the current one, in order.
    private var usersToRead: [Int] = []
    private var user = 1
    private var timeBytes: [UInt8] = []
    private var deviceClock: GATTCurrentTime?
    private var clockReadAt: Instant?
    /// Slots of the current user still to read, in order.
    private var queue: [Int] = []
    /// Reading every slot: the first one read (the write cursor's) tells whether the ring has wrapped.
    private var probingWrap = false

    public init(options: Options) { self.options = options }

    /// The part of the cuff a user area is (its readings and its mark go under `<device key>/user<N>`).
    public static func subDevice(user: Int) -> String { "user\(user)" }

    public var subDevices: [String] { options.map.users.indices.map { Self.subDevice(user: $0 + 1) } }
    public var homePatientSubDevice: String? { Self.subDevice(user: options.homeHubUser) }

    /// A device-wide mark is not used: each user area has its own (`resume(subDeviceMarks:)`).
    public mutating func resume(from mark: DeviceRecordMark?) {}

    public mutating func resume(subDeviceMarks marks: [String: DeviceRecordMark]) {
        committedMarks = [:]
        for user in options.map.users.indices.map({ $0 + 1 }) { committedMarks[user] = marks[Self.subDevice(user: user)] }
    }

    private func slotCount(_ user: Int) -> Int { options.map.users[user - 1].records }
    private var slotCount: Int { slotCount(user) }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp:
            assembler.reset(); queue = []; timeBytes = []; deviceClock = nil; retries = 0; probingWrap = false; cursors = [:]; usersToRead = []
            return unlock(at: time, afterProgramming: false)
        case let .value(characteristic, bytes):
            if characteristic == OmronClassicGATT.unlock { return unlockAnswer(bytes, at: time) }
            if isFE4A { return wholeAnswer(characteristic, bytes, at: time) }
            guard let channel = OmronClassicGATT.receive.firstIndex(of: characteristic) else {
                return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not one the Omron cuff notifies (RX0-RX3, unlock)")])
            }
            guard let whole = assembler.receive(channel: channel, bytes) else { return DeviceOutput() }
            do throws(OmronPacket.Problem) {
                return answer(try OmronPacket.parse(whole), at: time)
            } catch {
                return DeviceOutput(events: [.rejectedFrame(reason: error.description)])
            }
        case .tick:
            return checkTimeout(at: time)
        case .linkDown:
            var output = DeviceOutput()
            if assembler.isHoldingPieces { output.events.append(.rejectedFrame(reason: "Omron packet: pieces of an answer at link down (torn)")) }
            if case .awaiting = step { output.events.append(.rejectedFrame(reason: "Omron sync: link down \(stepDescription); what was stored stays marked, the rest is read next time")) }
            assembler.reset(); step = .idle; queue = []; usersToRead = []
            return output
        case .bytes:
            return DeviceOutput(events: [.rejectedFrame(reason: "a byte stream for the GATT driver \(OmronClassicRegistration.driverId)")])
        }
    }

    /// FE4A: one notification on RX is one whole packet (its first byte says how long).
    private mutating func wholeAnswer(_ characteristic: BluetoothUUID, _ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        guard characteristic == OmronFE4AGATT.receive else {
            return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not one the Omron FE4A cuff notifies (RX, unlock)")])
        }
        do throws(OmronPacket.Problem) {
            return answer(try OmronPacket.parse(Array(bytes.prefix(Int(bytes.first ?? 0)))), at: time)
        } catch {
            return DeviceOutput(events: [.rejectedFrame(reason: error.description)])
        }
    }

    // MARK: Unlock

    /// The unlock request of this stack: the key (classic) or this link's token (FE4A).
    private var unlockCommand: DeviceCommand {
        isFE4A ? OmronFE4AGATT.unlockWrite(OmronFE4AGATT.tokenRequest(token))
            : OmronClassicGATT.unlockWrite(OmronClassicGATT.unlockRequest(options.unlockKey))
    }

    private mutating func unlock(at time: Instant, afterProgramming: Bool) -> DeviceOutput {
        step = .unlocking(afterProgramming: afterProgramming); sentAt = time
        return DeviceOutput(commands: [unlockCommand])
    }

    private mutating func unlockAnswer(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        let answer = Array(bytes.prefix(2))
        if isFE4A, case .unlocking = step {
            guard OmronFE4AGATT.isTokenAccepted(bytes, token: token) else {
                return finish(DeviceOutput(events: [.rejectedFrame(reason: "Omron FE4A unlock: the cuff did not accept the token (answer \(Hex.string(Array(bytes.prefix(6)), separator: " ")), expected 91 00 and the 4 bytes sent); pair it again (hold the Bluetooth button until -P- blinks) so the OS bond is renewed")]))
            }
            retries = 0
            return send(.start, for: .start, at: time)
        }
        switch step {
        case let .unlocking(afterProgramming):
            if answer == [0x81, 0x00] {
                retries = 0
                return send(.start, for: .start, at: time)
            }
            guard options.programKeyWhenRefused, !afterProgramming else {
                return finish(DeviceOutput(events: [.rejectedFrame(reason: "Omron unlock: the cuff refused the key (answer \(Hex.string(answer, separator: " ")), expected 81 00); put it in pairing mode (hold the Bluetooth button until -P- blinks) and sync again, iomtd then programs its key")]))
            }
            return enterKeyProgramming(attempt: 1, at: time)
        case let .enteringKeyProgramming(attempt):
            if answer == [0x82, 0x00] {
                step = .programmingKey; sentAt = time
                return DeviceOutput(commands: [OmronClassicGATT.unlockWrite(OmronClassicGATT.programKey(options.unlockKey))])
            }
            // Not (yet) in key programming: the next tick asks again, until the attempts run out.
            step = .enteringKeyProgramming(attempt: attempt); sentAt = time
            return DeviceOutput()
        case .programmingKey:
            guard answer == [0x80, 0x00] else {
                return finish(DeviceOutput(events: [.rejectedFrame(reason: "Omron pairing: the cuff did not store the key (answer \(Hex.string(answer, separator: " ")), expected 80 00)")]))
            }
            var output = unlock(at: time, afterProgramming: true)
            output.events.insert(.deviceInfo(key: "unlockKey", value: "programmed"), at: 0)
            return output
        default:
            return DeviceOutput(events: [.rejectedFrame(reason: "Omron unlock: an unlock answer \(Hex.string(answer, separator: " ")) \(stepDescription)")])
        }
    }

    private mutating func enterKeyProgramming(attempt: Int, at time: Instant) -> DeviceOutput {
        step = .enteringKeyProgramming(attempt: attempt); sentAt = time
        var output = DeviceOutput(commands: [OmronClassicGATT.unlockWrite(OmronClassicGATT.enterKeyProgramming)])
        if attempt == 1 { output.events.append(.deviceInfo(key: "unlockKey", value: "refused; trying key programming (pairing mode)")) }
        return output
    }

    // MARK: Transactions

    private mutating func send(_ packet: OmronPacket, for purpose: Purpose, at time: Instant) -> DeviceOutput {
        step = .awaiting(packet, purpose); sentAt = time
        assembler.reset()
        return DeviceOutput(commands: writes(packet))
    }

    private func writes(_ packet: OmronPacket) -> [DeviceCommand] {
        isFE4A ? [OmronFE4AGATT.write(packet)] : OmronClassicGATT.writes(packet)
    }

    private mutating func answer(_ packet: OmronPacket, at time: Instant) -> DeviceOutput {
        guard case let .awaiting(request, purpose) = step else {
            return DeviceOutput(events: [.rejectedFrame(reason: "Omron sync: an unasked \(packet.kind.name) \(stepDescription)")])
        }
        guard packet.kind == request.kind.answer, request.kind == .start || request.kind == .end || packet.address == request.address else {
            // A late answer to a request already resent and answered: not this request's.
            return DeviceOutput(events: [.rejectedFrame(reason: "Omron sync: \(packet.kind.name) at \(Hex.word(packet.address, uppercase: true)) does not answer the \(request.kind.name) at \(Hex.word(request.address, uppercase: true)); ignored")])
        }
        retries = 0
        let map = options.map
        switch purpose {
        case .start:
            return send(.read(map.settingsReadAddress &+ UInt16(map.indexRange.lowerBound), size: map.indexRange.count), for: .index, at: time)
        case .index:
            return index(packet.data, at: time)
        case .time:
            timeBytes = packet.data
            var output = DeviceOutput()
            if let clock = OmronDeviceClock.read(packet.data, layout: map.timeLayout) {
                deviceClock = GATTCurrentTime(dateTime: clock, dayOfWeek: 0, fractions256: 0, adjustReason: 0)
                clockReadAt = time
                output.deviceClock = deviceClock
            }
            output.append(nextUser(at: time))
            return output
        case let .markedRecord(user, slot):
            return markedRecord(packet.data, user: user, slot: slot, at: time)
        case let .record(user, slot):
            return record(packet.data, user: user, slot: slot, at: time)
        case .setClock:
            var output = end(DeviceOutput(), at: time)
            output.events.insert(.deviceClockSetAfterRecords, at: 0)
            return output
        case .end:
            step = .ended
            var output = DeviceOutput()
            if packet.status != 0 { output.events.append(.rejectedFrame(reason: "Omron end: the cuff reported error code \(packet.status)")) }
            output.transferComplete = true
            return output
        }
    }

    /// Every user's write cursor from the index bytes (the unread counters are reported, never changed); a user whose
    /// cursor is not valid is not read (named), the others are.
    private mutating func index(_ data: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        var unread: [String] = []
        for user in options.map.users.indices.map({ $0 + 1 }) {
            guard let found = options.map.cursor(user: user, in: data), found.writeCursor <= slotCount(user) else {
                output.events.append(.rejectedFrame(reason: "Omron settings: user \(user)'s write cursor is not 0-\(slotCount(user)) in \(Hex.string(data, separator: " ")); user \(user)'s records are not read"))
                continue
            }
            cursors[user] = found.writeCursor % slotCount(user)
            usersToRead.append(user)
            unread.append("user \(user): \(found.unread)")
        }
        guard !usersToRead.isEmpty else { return end(output, at: time) }
        output.events.append(.deviceInfo(key: "unreadRecords", value: unread.joined(separator: ", ") + " (left as the cuff has it)"))
        let map = options.map
        output.append(send(.read(map.settingsReadAddress &+ UInt16(map.timeRange.lowerBound), size: map.timeRange.count), for: .time, at: time))
        return output
    }

    /// The next user area, starting after its committed mark (checked first: is the marked record still in its slot?),
    /// or at every slot when it has none; after the last user, the clock or the end.
    private mutating func nextUser(at time: Instant) -> DeviceOutput {
        guard !usersToRead.isEmpty else { return afterRecords(at: time) }
        user = usersToRead.removeFirst()
        if let mark = committedMarks[user], Int(mark.sequenceNumber) < slotCount {
            let marked = (Int(mark.sequenceNumber) + slotCount - 1) % slotCount
            return read(slot: marked, for: .markedRecord(user: user, slot: marked), at: time)
        }
        return readEverySlot(at: time)
    }

    private var cursor: Int { cursors[user] ?? 0 }

    private mutating func readEverySlot(at time: Instant) -> DeviceOutput {
        probingWrap = true
        queue = (0..<slotCount).map { (cursor + $0) % slotCount }
        return next(at: time)
    }

    private mutating func read(slot: Int, for purpose: Purpose, at time: Instant) -> DeviceOutput {
        let address = options.map.address(user: user, slot: slot) ?? 0
        return send(.read(address, size: options.map.recordSize), for: purpose, at: time)
    }

    private mutating func markedRecord(_ data: [UInt8], user: Int, slot: Int, at time: Instant) -> DeviceOutput {
        let record = try? OmronRecord.decode(data, map: options.map, user: user)
        guard let mark = committedMarks[user], let record, mark.deviceTime == nil || record.deviceTime == mark.deviceTime else {
            var output = readEverySlot(at: time)
            output.events.insert(.deviceInfo(key: "recordNumbering", value: "user \(user): the marked record is gone from slot \(slot) (memory cleared or overwritten); every stored record of user \(user) is read again"), at: 0)
            return output
        }
        let first = (slot + 1) % slotCount
        let count = (cursor - first + slotCount) % slotCount
        queue = (0..<count).map { (first + $0) % slotCount }
        return next(at: time)
    }

    private mutating func record(_ data: [UInt8], user: Int, slot: Int, at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        do throws(OmronRecord.Problem) {
            let record = try OmronRecord.decode(data, map: options.map, user: user)
            let part = Self.subDevice(user: user)
            output.measurements = record.measurements.map { measurement in
                var measurement = measurement
                measurement.subDevice = part
                return measurement
            }
            output.subDeviceMarks[part] = DeviceRecordMark(sequenceNumber: UInt16((slot + 1) % slotCount), deviceTime: record.deviceTime)
        } catch {
            if case .emptySlot = error {
                // The write cursor's own slot empty: the ring never wrapped, so the slots after it are empty too.
                if probingWrap, slot == cursor { queue = queue.filter { $0 < cursor } }
            } else {
                output.events.append(.rejectedFrame(reason: "\(error.description) (user \(user), slot \(slot))"))
            }
        }
        probingWrap = false
        output.append(next(at: time))
        return output
    }

    /// The current user's next slot, or the next user.
    private mutating func next(at time: Instant) -> DeviceOutput {
        if !queue.isEmpty {
            let slot = queue.removeFirst()
            return read(slot: slot, for: .record(user: user, slot: slot), at: time)
        }
        return nextUser(at: time)
    }

    /// Every user read: the clock when it is off, then the end.
    private mutating func afterRecords(at time: Instant) -> DeviceOutput {
        guard options.setClock, let clock = deviceClock, let readAt = clockReadAt,
              DeviceClockPolicy.shouldSet(clock, readAt: readAt, utcOffsetMinutes: options.clockUTCOffsetMinutes) else {
            return end(DeviceOutput(), at: time)
        }
        let now = CivilTime(instant: time, utcOffsetMinutes: options.clockUTCOffsetMinutes)
        guard let bytes = OmronDeviceClock.setting(timeBytes, to: now, layout: options.map.timeLayout) else {
            return end(DeviceOutput(events: [.deviceInfo(key: "deviceClock", value: "not set: the gateway's time cannot be stored (years 2000-2255)")]), at: time)
        }
        let map = options.map
        return send(.write(map.settingsWriteAddress &+ UInt16(map.timeRange.lowerBound), bytes), for: .setClock, at: time)
    }

    private mutating func end(_ output: DeviceOutput, at time: Instant) -> DeviceOutput {
        var output = output
        output.append(send(.end, for: .end, at: time))
        return output
    }

    /// Ends the sync without the end transaction (nothing was started, or the cuff stopped answering).
    private mutating func finish(_ output: DeviceOutput) -> DeviceOutput {
        var output = output
        step = .ended; queue = []; usersToRead = []
        output.transferComplete = true
        return output
    }

    // MARK: Timeouts

    private mutating func checkTimeout(at time: Instant) -> DeviceOutput {
        guard let since = sentAt, time.milliseconds(since: since) >= options.answerTimeoutMilliseconds else { return DeviceOutput() }
        switch step {
        case .idle, .ended:
            return DeviceOutput()
        case let .enteringKeyProgramming(attempt):
            guard attempt < options.keyProgrammingAttempts else {
                return finish(DeviceOutput(events: [.rejectedFrame(reason: "Omron pairing: the cuff refused the key and did not enter key programming after \(attempt) attempts; hold its Bluetooth button until -P- blinks and sync again")]))
            }
            return enterKeyProgramming(attempt: attempt + 1, at: time)
        case .unlocking, .programmingKey, .awaiting:
            retries += 1
            guard retries <= options.maxRetries else {
                return finish(DeviceOutput(events: [.rejectedFrame(reason: "Omron sync: no answer \(stepDescription) after \(options.maxRetries) retries; the sync is ended (what was stored stays marked)")]))
            }
            sentAt = time
            assembler.reset()
            switch step {
            case .unlocking:
                return DeviceOutput(commands: [unlockCommand])
            case .programmingKey:
                return DeviceOutput(commands: [OmronClassicGATT.unlockWrite(OmronClassicGATT.programKey(options.unlockKey))])
            case let .awaiting(packet, _):
                return DeviceOutput(commands: writes(packet))
            default:
                return DeviceOutput()
            }
        }
    }

    private var stepDescription: String {
        switch step {
        case .idle: "before the sync"
        case .unlocking: "to the unlock request"
        case .enteringKeyProgramming: "to the key-programming request"
        case .programmingKey: "to the new key"
        case let .awaiting(packet, _): "to the \(packet.kind.name) at \(Hex.word(packet.address, uppercase: true))"
        case .ended: "after the sync ended"
        }
    }
}

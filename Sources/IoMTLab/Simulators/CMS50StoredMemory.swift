/// A CMS50 (v4.6 / V7.0 protocol) recording memory answering the host's commands as the Contec document [12] says
/// (Table 7), with the lab's own encoder (`CMS50Frame`). Pure: the pty simulator and the driver tests share it.
public struct CMS50StoredMemory: Sendable {
    public var segments: [CMS50StoredSegment]
    /// Samples the first segment gains before every sync after the first (a recording that went on between syncs).
    public var growthPerSync: Int
    /// Stored-data transfers started (A6).
    public private(set) var transfers = 0
    /// B2 / B1 commands received (command code and parameters).
    public private(set) var clockSettings: [[UInt8]] = []
    /// Delete commands (AE) received: the gateway must never send one.
    public private(set) var deleteRequests = 0

    public init(segments: [CMS50StoredSegment], growthPerSync: Int = 0) { self.segments = segments; self.growthPerSync = growthPerSync }

    /// What the device does with one command.
    public enum Reaction: Sendable, Hashable {
        /// Answer bytes to send at once (maybe none).
        case answer([UInt8])
        /// Start sending these data packages (A6), paced by the device.
        case sendData([[UInt8]])
        /// Stop sending data (A7) and answer.
        case stopData([UInt8])
        /// Live data on (A1) or off (A2, with its answer).
        case live(Bool, [UInt8])
    }

    public mutating func react(to code: UInt8, parameters: [UInt8]) -> Reaction {
        let (user, number) = (parameters.first ?? 0, Int(parameters.dropFirst().first ?? 0))
        let segment = user == 0 && number < segments.count ? segments[number] : nil
        switch code {
        case 0xA1: return .live(true, [])
        case 0xA2: return .live(false, CMS50Frame.answer(.free, []))
        case 0xAF: return .answer([])
        case 0xA3:
            if transfers > 0, growthPerSync > 0, var first = segments.first {
                first.samples += Array(repeating: first.samples.last ?? .init(spo2: 97, pulseRate: 64), count: growthPerSync)
                segments[0] = first
            }
            return .answer(CMS50Frame.answer(.segmentAmount, [user, UInt8(user == 0 ? segments.count : 0)]))
        case 0xA4: return .answer(CMS50Frame.dataLength(user: user, segment: UInt8(number), samples: segment?.samples.count ?? 0))
        case 0xA5:
            guard let segment else { return .answer(CMS50Frame.answer(.commandFeedback, [code, 0x05])) }
            return .answer(CMS50Frame.startTime(user: user, segment: UInt8(number), segment.start))
        case 0xA6:
            transfers += 1
            return .sendData(segment.map { CMS50Frame.storedData($0.samples) } ?? [])
        case 0xA7: return .stopData(CMS50Frame.answer(.free, []))
        case 0xB1, 0xB2:
            clockSettings.append([code] + parameters)
            return .answer(CMS50Frame.answer(.commandFeedback, [code, 0x00]))
        case 0xAE:
            deleteRequests += 1
            return .answer(CMS50Frame.answer(.commandFeedback, [code, 0x05]))
        default: return .answer(CMS50Frame.answer(.commandFeedback, [code, 0x05]))
        }
    }
}

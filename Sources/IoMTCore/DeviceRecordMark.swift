/// A record a device numbered, by which a download resumes: its sequence number and, when known, the time
/// it carried (a record with the same number but another time tells that the numbering restarted).
public struct DeviceRecordMark: Sendable, Hashable {
    public var sequenceNumber: UInt16
    public var deviceTime: CivilTime?
    public init(sequenceNumber: UInt16, deviceTime: CivilTime?) { self.sequenceNumber = sequenceNumber; self.deviceTime = deviceTime }
}

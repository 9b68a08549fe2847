/// What a decoder produces: a measurement in the common model, before the gateway adds device
/// identity, patient binding and its own clock. Decoders are pure functions from bytes to these.
public struct DecodedMeasurement: Sendable, Hashable {
    public var type: MeasurementType
    public var value: DecimalValue?
    /// UCUM unit; a decoder sets it when the device chose the unit (kPa vs mm[Hg]).
    public var unit: String
    public var components: [ObservationComponent]
    public var status: MeasurementStatus
    public var deviceTime: CivilTime?
    /// The gateway-clock instant the measurement stands for, when the driver knows it better than the moment its
    /// output was delivered: an oximetry window's end on the reporting grid. Without it, two windows closed by one
    /// late chunk shared a receipt time (and, with equal values, a PHD identifier). nil: the receipt time.
    public var takenAt: Instant?
    /// The frame(s) this measurement came from.
    public var rawFrame: [UInt8]
    /// The profile that decoded it, when a device is read through several on one connection (`MultiServiceReader`);
    /// nil: the device's own profile.
    public var sourceProfileId: String?
    /// The part of the device whose record this is, when its parts measure for different people (a two-user cuff's
    /// `user2`; `DeviceIdentity.subDevice`); nil: the whole device.
    public var subDevice: String?

    public init(type: MeasurementType, value: DecimalValue?, unit: String? = nil, components: [ObservationComponent] = [],
                status: MeasurementStatus = [], deviceTime: CivilTime? = nil, takenAt: Instant? = nil, rawFrame: [UInt8]) {
        self.type = type; self.value = value; self.unit = unit ?? type.defaultUnit
        self.components = components; self.status = status; self.deviceTime = deviceTime; self.takenAt = takenAt
        self.rawFrame = rawFrame
    }
}

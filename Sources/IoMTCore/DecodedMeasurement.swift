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
    /// The frame(s) this measurement came from.
    public var rawFrame: [UInt8]

    public init(type: MeasurementType, value: DecimalValue?, unit: String? = nil, components: [ObservationComponent] = [],
                status: MeasurementStatus = [], deviceTime: CivilTime? = nil, rawFrame: [UInt8]) {
        self.type = type; self.value = value; self.unit = unit ?? type.defaultUnit
        self.components = components; self.status = status; self.deviceTime = deviceTime; self.rawFrame = rawFrame
    }
}

/// What was measured, coded in IEEE 11073-10101 (MDC) with its LOINC equivalent and canonical UCUM unit.
///
/// After the decoder nothing downstream knows the vendor: drivers name a `MeasurementType`
/// and every later stage (alerts, FHIR, CLI) works from these codes.
public struct MeasurementType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// MDC reference id, e.g. `MDC_PULS_OXIM_SAT_O2`.
    public let mdcRefId: String
    /// MDC numeric code (partition × 65536 + term code), e.g. 150456.
    public let mdcCode: UInt32
    /// LOINC code where one exists.
    public let loinc: String?
    /// LOINC display text (for FHIR coding.display).
    public let display: String
    /// UCUM unit the value is reported in by default.
    public let defaultUnit: String

    public init(mdcRefId: String, mdcCode: UInt32, loinc: String?, display: String, defaultUnit: String) {
        self.mdcRefId = mdcRefId; self.mdcCode = mdcCode; self.loinc = loinc
        self.display = display; self.defaultUnit = defaultUnit
    }

    public var description: String { mdcRefId }
}

extension MeasurementType {
    // Pulse oximetry (IEEE 11073-10404).
    public static let spo2 = MeasurementType(mdcRefId: "MDC_PULS_OXIM_SAT_O2", mdcCode: 150456, loinc: "2708-6",
                                             display: "Oxygen saturation in Arterial blood", defaultUnit: "%")
    public static let pulseRateOximetry = MeasurementType(mdcRefId: "MDC_PULS_OXIM_PULS_RATE", mdcCode: 149530, loinc: "8867-4",
                                                          display: "Heart rate", defaultUnit: "/min")
    public static let perfusionIndex = MeasurementType(mdcRefId: "MDC_PULS_OXIM_PERF_REL", mdcCode: 150448, loinc: "61006-3",
                                                       display: "Perfusion index", defaultUnit: "%")
    // Blood pressure (IEEE 11073-10407): one compound observation with three components.
    public static let bloodPressure = MeasurementType(mdcRefId: "MDC_PRESS_BLD_NONINV", mdcCode: 150020, loinc: "85354-9",
                                                      display: "Blood pressure panel", defaultUnit: "mm[Hg]")
    public static let systolic = MeasurementType(mdcRefId: "MDC_PRESS_BLD_NONINV_SYS", mdcCode: 150021, loinc: "8480-6",
                                                 display: "Systolic blood pressure", defaultUnit: "mm[Hg]")
    public static let diastolic = MeasurementType(mdcRefId: "MDC_PRESS_BLD_NONINV_DIA", mdcCode: 150022, loinc: "8462-4",
                                                  display: "Diastolic blood pressure", defaultUnit: "mm[Hg]")
    public static let meanArterial = MeasurementType(mdcRefId: "MDC_PRESS_BLD_NONINV_MEAN", mdcCode: 150023, loinc: "8478-0",
                                                     display: "Mean blood pressure", defaultUnit: "mm[Hg]")
    public static let pulseRateBloodPressure = MeasurementType(mdcRefId: "MDC_PULS_RATE_NON_INV", mdcCode: 149546, loinc: "8867-4",
                                                               display: "Heart rate", defaultUnit: "/min")
    public static let heartRate = MeasurementType(mdcRefId: "MDC_ECG_HEART_RATE", mdcCode: 147842, loinc: "8867-4",
                                                  display: "Heart rate", defaultUnit: "/min")
    public static let bodyTemperature = MeasurementType(mdcRefId: "MDC_TEMP_BODY", mdcCode: 150364, loinc: "8310-5",
                                                        display: "Body temperature", defaultUnit: "Cel")
    public static let bodyWeight = MeasurementType(mdcRefId: "MDC_MASS_BODY_ACTUAL", mdcCode: 188736, loinc: "29463-7",
                                                   display: "Body weight", defaultUnit: "kg")
    // Spirometry: IEEE 11073-10421 (peak flow) names and codes for PEF (21512) and FEV1 (21514) in
    // partition 2 (SCADA, 2 × 65536 + term); FVC, FEV1/FVC and FEF25-75 are IEEE 11073-10101 terms.
    public static let fev1 = MeasurementType(mdcRefId: "MDC_VOL_AWAY_EXP_FORCED_1S", mdcCode: 152586, loinc: "20150-9",
                                             display: "FEV1", defaultUnit: "L")
    public static let fvc = MeasurementType(mdcRefId: "MDC_VOL_AWAY_EXP_FORCED_CAPACITY", mdcCode: 188928, loinc: "19868-9",
                                            display: "FVC", defaultUnit: "L")
    public static let pef = MeasurementType(mdcRefId: "MDC_FLOW_AWAY_EXP_FORCED_PEAK", mdcCode: 152584, loinc: "19935-6",
                                            display: "Peak expiratory flow", defaultUnit: "L/s")
    public static let fev1FvcRatio = MeasurementType(mdcRefId: "MDC_RATIO_AWAY_EXP_FORCED_1S_FVC", mdcCode: 188948, loinc: "19926-5",
                                                     display: "FEV1/FVC", defaultUnit: "%")
    public static let fef2575 = MeasurementType(mdcRefId: "MDC_FLOW_AWAY_EXP_FORCED_25_75_FVC", mdcCode: 188960, loinc: "19927-3",
                                                display: "FEF 25-75%", defaultUnit: "L/s")
    // Further IEEE 11073-10101 spirometry terms (partition 2; codes confirmed against an MDC terminology server by the
    // MII lung-function audit that DEVICES.md §1.5 cites). No LOINC code was confirmed for these: none is given.
    public static let fev05 = MeasurementType(mdcRefId: "MDC_VOL_AWAY_EXP_FORCED_0_5S", mdcCode: 188940, loinc: nil,
                                              display: "FEV0.5", defaultUnit: "L")
    public static let fev3 = MeasurementType(mdcRefId: "MDC_VOL_AWAY_EXP_FORCED_3S", mdcCode: 189044, loinc: nil,
                                             display: "FEV3", defaultUnit: "L")
    public static let fev6 = MeasurementType(mdcRefId: "MDC_VOL_AWAY_EXP_FORCED_6S", mdcCode: 152587, loinc: nil,
                                             display: "FEV6", defaultUnit: "L")
    /// Flow when 25 % of the FVC has been exhaled (MEF75 in the European naming).
    public static let fef25 = MeasurementType(mdcRefId: "MDC_FLOW_AWAY_EXP_FORCED_25_FVC", mdcCode: 188964, loinc: nil,
                                              display: "FEF 25%", defaultUnit: "L/s")
    public static let fef50 = MeasurementType(mdcRefId: "MDC_FLOW_AWAY_EXP_FORCED_50_FVC", mdcCode: 188968, loinc: nil,
                                              display: "FEF 50%", defaultUnit: "L/s")
    /// Flow when 75 % of the FVC has been exhaled (MEF25 in the European naming).
    public static let fef75 = MeasurementType(mdcRefId: "MDC_FLOW_AWAY_EXP_FORCED_75_FVC", mdcCode: 188972, loinc: nil,
                                              display: "FEF 75%", defaultUnit: "L/s")
    /// Time to peak expiratory flow (a manoeuvre-quality figure).
    public static let timeToPeakFlow = MeasurementType(mdcRefId: "MDC_FLOW_AWAY_EXP_PEAK_TIME", mdcCode: 189124, loinc: nil,
                                                       display: "Time to peak expiratory flow", defaultUnit: "ms")
    /// Back-extrapolated volume (a manoeuvre-quality figure: a hesitant start).
    public static let extrapolatedVolume = MeasurementType(mdcRefId: "MDC_VOL_AWAY_EXTRAP", mdcCode: 189020, loinc: nil,
                                                           display: "Back-extrapolated volume", defaultUnit: "mL")

    /// Every type the gateway knows, for lookup by reference id (rules, CLI arguments, stored rows).
    public static let all: [MeasurementType] = [
        .spo2, .pulseRateOximetry, .perfusionIndex, .bloodPressure, .systolic, .diastolic, .meanArterial,
        .pulseRateBloodPressure, .heartRate, .bodyTemperature, .bodyWeight, .fev1, .fvc, .pef,
        .fev1FvcRatio, .fef2575, .fev05, .fev3, .fev6, .fef25, .fef50, .fef75, .timeToPeakFlow, .extrapolatedVolume,
    ] + bluetoothHealthTypes

    public static func byRefId(_ refId: String) -> MeasurementType? { all.first { $0.mdcRefId == refId } }
}

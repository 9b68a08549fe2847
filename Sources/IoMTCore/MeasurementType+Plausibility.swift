/// Physiologically possible ranges per measurement type and unit. A value outside is a device or decoding fault,
/// not a patient state: it is stored flagged `implausible` + `invalid`, fires no threshold rule and raises the
/// `device-fault` technical alarm. The ranges are deliberately wide (survivable extremes, not normal ranges):
/// they must never hide a real critical value.
extension MeasurementType {
    public struct PlausibleRange: Sendable, Hashable {
        public let unit: String
        public let lowest: DecimalValue
        public let highest: DecimalValue
        public func contains(_ value: DecimalValue) -> Bool { !(value < lowest) && !(highest < value) }
    }

    /// The ranges known for this type, one per unit it is reported in (empty: no check).
    public var plausibleRanges: [PlausibleRange] { Self.plausibility[mdcRefId] ?? [] }

    /// True when `value` in `unit` lies outside the type's range for that unit (a unit without a range: never).
    public func isImplausible(_ value: DecimalValue, unit: String) -> Bool {
        guard let range = plausibleRanges.first(where: { $0.unit == unit }) else { return false }
        return !range.contains(value)
    }

    private static func range(_ unit: String, _ lowest: String, _ highest: String) -> PlausibleRange {
        PlausibleRange(unit: unit, lowest: DecimalValue(lowest)!, highest: DecimalValue(highest)!)
    }

    private static let pulseRanges = [range("/min", "20", "350")]
    private static let temperatureRanges = [range("Cel", "25", "45"), range("[degF]", "77", "113")]
    private static let glucoseRanges = [range("mg/dL", "5", "2700"), range("mmol/L", "0.3", "150")]

    /// Sources: SpO2 and ratios are fractions (0–100 % by definition); pulse 20–350 /min and systolic 40–300 mm[Hg]
    /// as in issue 12 (beyond the displayed range of ISO 80601-2-61 / IEC 80601-2-30 monitors); diastolic 10–250 and
    /// MAP 20–270 mm[Hg] bracket the systolic range; temperature 25–45 °C (survived accidental hypothermia near 13.7 °C
    /// is left to hospital equipment, home thermometers measure 32–43 °C); weight 0.2–700 kg, height 0.2–2.8 m, BMI 5–200
    /// (recorded human extremes); glucose 5–2700 mg/dL (0.3–150 mmol/L; 2656 mg/dL is the highest recorded survival);
    /// HbA1c 2–25 %; RR interval 170–3000 ms (350 and 20 /min); spirometry: FEV1 0.1–10 L, FVC 0.1–12 L, PEF 0.2–20 L/s,
    /// FEF25-75 0.05–15 L/s (beyond GLI-2012 reference extremes), FEV0.5 0.05–10 L, FEV3 and FEV6 as FVC, FEF25/50/75 from
    /// 0.05/0.02/0.01 L/s to 20/20/15 L/s (PEF's upper bound), time to PEF 1–10000 ms, back-extrapolated
    /// volume 0–5000 mL (quality figures: only a device fault lies outside); cuff pressure 0–350 mm[Hg] (cuffs deflate above 300).
    static let plausibility: [String: [PlausibleRange]] = [
        MeasurementType.spo2.mdcRefId: [range("%", "0", "100")],
        MeasurementType.pulseRateOximetry.mdcRefId: pulseRanges,
        MeasurementType.pulseRateBloodPressure.mdcRefId: pulseRanges,
        MeasurementType.heartRate.mdcRefId: pulseRanges,
        MeasurementType.perfusionIndex.mdcRefId: [range("%", "0", "100")],
        MeasurementType.systolic.mdcRefId: [range("mm[Hg]", "40", "300"), range("kPa", "5.3", "40")],
        MeasurementType.diastolic.mdcRefId: [range("mm[Hg]", "10", "250"), range("kPa", "1.3", "33.3")],
        MeasurementType.meanArterial.mdcRefId: [range("mm[Hg]", "20", "270"), range("kPa", "2.7", "36")],
        MeasurementType.cuffPressure.mdcRefId: [range("mm[Hg]", "0", "350"), range("kPa", "0", "46.7")],
        MeasurementType.bodyTemperature.mdcRefId: temperatureRanges,
        MeasurementType.temperatureAxilla.mdcRefId: temperatureRanges,
        MeasurementType.temperatureEar.mdcRefId: temperatureRanges,
        MeasurementType.temperatureFinger.mdcRefId: temperatureRanges,
        MeasurementType.temperatureGastrointestinal.mdcRefId: temperatureRanges,
        MeasurementType.temperatureOral.mdcRefId: temperatureRanges,
        MeasurementType.temperatureRectal.mdcRefId: temperatureRanges,
        MeasurementType.temperatureToe.mdcRefId: temperatureRanges,
        MeasurementType.temperatureTympanic.mdcRefId: temperatureRanges,
        MeasurementType.bodyWeight.mdcRefId: [range("kg", "0.2", "700"), range("[lb_av]", "0.4", "1545")],
        MeasurementType.bodyHeight.mdcRefId: [range("m", "0.2", "2.8"), range("[in_i]", "8", "110")],
        MeasurementType.bodyMassIndex.mdcRefId: [range("kg/m2", "5", "200")],
        MeasurementType.rrInterval.mdcRefId: [range("ms", "170", "3000")],
        MeasurementType.glucoseCapillaryWholeBlood.mdcRefId: glucoseRanges,
        MeasurementType.glucoseCapillaryPlasma.mdcRefId: glucoseRanges,
        MeasurementType.glucoseVenousWholeBlood.mdcRefId: glucoseRanges,
        MeasurementType.glucoseVenousPlasma.mdcRefId: glucoseRanges,
        MeasurementType.glucoseArterialWholeBlood.mdcRefId: glucoseRanges,
        MeasurementType.glucoseArterialPlasma.mdcRefId: glucoseRanges,
        MeasurementType.glucoseControlSolution.mdcRefId: glucoseRanges,
        MeasurementType.glucoseInterstitialFluid.mdcRefId: glucoseRanges,
        MeasurementType.glucoseGeneral.mdcRefId: glucoseRanges,
        MeasurementType.hba1c.mdcRefId: [range("%", "2", "25")],
        MeasurementType.fev1.mdcRefId: [range("L", "0.1", "10")],
        MeasurementType.fvc.mdcRefId: [range("L", "0.1", "12")],
        MeasurementType.pef.mdcRefId: [range("L/s", "0.2", "20"), range("L/min", "12", "1200")],
        MeasurementType.fev1FvcRatio.mdcRefId: [range("%", "10", "100")],
        MeasurementType.fef2575.mdcRefId: [range("L/s", "0.05", "15")],
        MeasurementType.fev05.mdcRefId: [range("L", "0.05", "10")],
        MeasurementType.fev3.mdcRefId: [range("L", "0.1", "12")],
        MeasurementType.fev6.mdcRefId: [range("L", "0.1", "12")],
        MeasurementType.fef25.mdcRefId: [range("L/s", "0.05", "20")],
        MeasurementType.fef50.mdcRefId: [range("L/s", "0.02", "20")],
        MeasurementType.fef75.mdcRefId: [range("L/s", "0.01", "15")],
        MeasurementType.timeToPeakFlow.mdcRefId: [range("ms", "1", "10000")],
        MeasurementType.extrapolatedVolume.mdcRefId: [range("mL", "0", "5000")],
    ]
}

extension MeasurementStatus {
    /// The status with `implausible` and `invalid` added when the value is outside its type's plausible range.
    public func checkingPlausibility(of value: DecimalValue?, type: MeasurementType, unit: String) -> MeasurementStatus {
        guard let value, type.isImplausible(value, unit: unit) else { return self }
        return union([.implausible, .invalid])
    }
}

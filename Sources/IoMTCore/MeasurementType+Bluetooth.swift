/// Types the Bluetooth SIG health profiles report beyond the serial drivers' set.
///
/// Codes are MDC partition 2 (SCADA, 2 × 65536 + term code) from IEEE 11073-10101 as used by the
/// device specialisations (10407 blood pressure, 10408 thermometer, 10415 weighing scale, 10417
/// glucose) and the HL7 PHD IG; LOINC where the PHD IG / vital-signs profile names one.
extension MeasurementType {
    /// Cuff pressure while a blood-pressure measurement runs (Intermediate Cuff Pressure 0x2A36).
    public static let cuffPressure = MeasurementType(mdcRefId: "MDC_PRESS_CUFF", mdcCode: 150300, loinc: nil,
                                                     display: "Cuff pressure", defaultUnit: "mm[Hg]")

    // Body temperature by site (IEEE 11073-10408; Bluetooth Temperature Type 0x2A1D). Sites without a
    // LOINC code of their own keep the generic body-temperature code 8310-5.
    public static let temperatureAxilla = MeasurementType(mdcRefId: "MDC_TEMP_AXILLA", mdcCode: 188452, loinc: "8328-7",
                                                          display: "Axillary temperature", defaultUnit: "Cel")
    public static let temperatureEar = MeasurementType(mdcRefId: "MDC_TEMP_EAR", mdcCode: 188428, loinc: "8310-5",
                                                       display: "Body temperature (ear)", defaultUnit: "Cel")
    public static let temperatureFinger = MeasurementType(mdcRefId: "MDC_TEMP_FINGER", mdcCode: 188432, loinc: "8310-5",
                                                          display: "Body temperature (finger)", defaultUnit: "Cel")
    public static let temperatureGastrointestinal = MeasurementType(mdcRefId: "MDC_TEMP_GIT", mdcCode: 188456, loinc: "8310-5",
                                                                    display: "Body temperature (gastrointestinal tract)", defaultUnit: "Cel")
    public static let temperatureOral = MeasurementType(mdcRefId: "MDC_TEMP_ORAL", mdcCode: 188424, loinc: "8331-1",
                                                        display: "Oral temperature", defaultUnit: "Cel")
    public static let temperatureRectal = MeasurementType(mdcRefId: "MDC_TEMP_RECT", mdcCode: 188420, loinc: "8332-9",
                                                          display: "Rectal temperature", defaultUnit: "Cel")
    public static let temperatureToe = MeasurementType(mdcRefId: "MDC_TEMP_TOE", mdcCode: 188448, loinc: "8310-5",
                                                       display: "Body temperature (toe)", defaultUnit: "Cel")
    public static let temperatureTympanic = MeasurementType(mdcRefId: "MDC_TEMP_TYMP", mdcCode: 150392, loinc: "8333-7",
                                                            display: "Tympanic membrane temperature", defaultUnit: "Cel")

    // Weighing scale (IEEE 11073-10415).
    public static let bodyHeight = MeasurementType(mdcRefId: "MDC_LEN_BODY_ACTUAL", mdcCode: 188740, loinc: "8302-2",
                                                   display: "Body height", defaultUnit: "m")
    public static let bodyMassIndex = MeasurementType(mdcRefId: "MDC_RATIO_MASS_BODY_LEN_SQ", mdcCode: 188752, loinc: "39156-5",
                                                      display: "Body mass index (BMI) [Ratio]", defaultUnit: "kg/m2")

    /// RR interval (IEEE 11073-10102 MDC_ECG_TIME_PD_RR_GL, 2:16000); no LOINC code is used for it.
    public static let rrInterval = MeasurementType(mdcRefId: "MDC_ECG_TIME_PD_RR_GL", mdcCode: 147072, loinc: nil,
                                                   display: "RR interval", defaultUnit: "ms")

    // Glucose (IEEE 11073-10417): one MDC code per sample type. LOINC distinguishes mass (mg/dL) from
    // substance (mmol/L) concentration, so each sample type has a mass-unit type (in `all`, found by
    // reference id) and a molar twin with the same MDC code (stored with its full coding).
    public static let glucoseCapillaryWholeBlood = MeasurementType(mdcRefId: "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD", mdcCode: 160184, loinc: "41653-7",
                                                                   display: "Glucose [Mass/volume] in Capillary blood by Glucometer", defaultUnit: "mg/dL")
    public static let glucoseCapillaryPlasma = MeasurementType(mdcRefId: "MDC_CONC_GLU_CAPILLARY_PLASMA", mdcCode: 160188, loinc: "2345-7",
                                                               display: "Glucose [Mass/volume] in Serum or Plasma", defaultUnit: "mg/dL")
    public static let glucoseVenousWholeBlood = MeasurementType(mdcRefId: "MDC_CONC_GLU_VENOUS_WHOLEBLOOD", mdcCode: 160192, loinc: "2339-0",
                                                                display: "Glucose [Mass/volume] in Blood", defaultUnit: "mg/dL")
    public static let glucoseVenousPlasma = MeasurementType(mdcRefId: "MDC_CONC_GLU_VENOUS_PLASMA", mdcCode: 160196, loinc: "2345-7",
                                                            display: "Glucose [Mass/volume] in Serum or Plasma", defaultUnit: "mg/dL")
    public static let glucoseArterialWholeBlood = MeasurementType(mdcRefId: "MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD", mdcCode: 160200, loinc: "2339-0",
                                                                  display: "Glucose [Mass/volume] in Blood", defaultUnit: "mg/dL")
    public static let glucoseArterialPlasma = MeasurementType(mdcRefId: "MDC_CONC_GLU_ARTERIAL_PLASMA", mdcCode: 160204, loinc: "2345-7",
                                                              display: "Glucose [Mass/volume] in Serum or Plasma", defaultUnit: "mg/dL")
    public static let glucoseControlSolution = MeasurementType(mdcRefId: "MDC_CONC_GLU_CONTROL", mdcCode: 160208, loinc: nil,
                                                               display: "Glucose in control solution", defaultUnit: "mg/dL")
    public static let glucoseInterstitialFluid = MeasurementType(mdcRefId: "MDC_CONC_GLU_ISF", mdcCode: 160212, loinc: nil,
                                                                 display: "Glucose in interstitial fluid", defaultUnit: "mg/dL")
    /// Sample type "undetermined" (whole blood or plasma).
    public static let glucoseGeneral = MeasurementType(mdcRefId: "MDC_CONC_GLU_GEN", mdcCode: 160020, loinc: "2339-0",
                                                       display: "Glucose [Mass/volume] in Blood", defaultUnit: "mg/dL")
    public static let hba1c = MeasurementType(mdcRefId: "MDC_CONC_HBA1C", mdcCode: 160220, loinc: "4548-4",
                                              display: "Hemoglobin A1c/Hemoglobin.total in Blood", defaultUnit: "%")

    /// The same sample type in mmol/L with the substance-concentration LOINC code (nil where none fits).
    public var molarGlucose: MeasurementType {
        let loinc: String?, display: String
        switch mdcRefId {
        case "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD": (loinc, display) = ("14743-9", "Glucose [Moles/volume] in Capillary blood by Glucometer")
        case "MDC_CONC_GLU_CAPILLARY_PLASMA", "MDC_CONC_GLU_VENOUS_PLASMA", "MDC_CONC_GLU_ARTERIAL_PLASMA":
            (loinc, display) = ("14749-6", "Glucose [Moles/volume] in Serum or Plasma")
        case "MDC_CONC_GLU_VENOUS_WHOLEBLOOD", "MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD", "MDC_CONC_GLU_GEN":
            (loinc, display) = ("15074-8", "Glucose [Moles/volume] in Blood")
        default: (loinc, display) = (nil, self.display)
        }
        return MeasurementType(mdcRefId: mdcRefId, mdcCode: mdcCode, loinc: loinc, display: display, defaultUnit: "mmol/L")
    }

    static let bluetoothHealthTypes: [MeasurementType] = [
        .cuffPressure, .temperatureAxilla, .temperatureEar, .temperatureFinger, .temperatureGastrointestinal,
        .temperatureOral, .temperatureRectal, .temperatureToe, .temperatureTympanic, .bodyHeight, .bodyMassIndex,
        .rrInterval, .glucoseCapillaryWholeBlood, .glucoseCapillaryPlasma, .glucoseVenousWholeBlood, .glucoseVenousPlasma,
        .glucoseArterialWholeBlood, .glucoseArterialPlasma, .glucoseControlSolution, .glucoseInterstitialFluid,
        .glucoseGeneral, .hba1c,
    ]
}

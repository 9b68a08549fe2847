/// Bluetooth SIG assigned numbers (Assigned Numbers document: GATT services and characteristics) the health
/// drivers use.
public enum GATTService {
    public static let healthThermometer: UInt16 = 0x1809
    public static let heartRate: UInt16 = 0x180D
    public static let bloodPressure: UInt16 = 0x1810
    public static let glucose: UInt16 = 0x1808
    public static let weightScale: UInt16 = 0x181D
    public static let pulseOximeter: UInt16 = 0x1822
    public static let currentTime: UInt16 = 0x1805
}

public enum GATTCharacteristic {
    public static let dateTime: UInt16 = 0x2A08
    public static let currentTime: UInt16 = 0x2A2B
    public static let recordAccessControlPoint: UInt16 = 0x2A52

    public static let bloodPressureMeasurement: UInt16 = 0x2A35
    public static let intermediateCuffPressure: UInt16 = 0x2A36
    public static let bloodPressureFeature: UInt16 = 0x2A49

    public static let plxSpotCheckMeasurement: UInt16 = 0x2A5E
    public static let plxContinuousMeasurement: UInt16 = 0x2A5F
    public static let plxFeatures: UInt16 = 0x2A60

    public static let temperatureMeasurement: UInt16 = 0x2A1C
    public static let temperatureType: UInt16 = 0x2A1D
    public static let intermediateTemperature: UInt16 = 0x2A1E

    public static let weightMeasurement: UInt16 = 0x2A9D
    public static let weightScaleFeature: UInt16 = 0x2A9E

    public static let heartRateMeasurement: UInt16 = 0x2A37

    public static let glucoseMeasurement: UInt16 = 0x2A18
    public static let glucoseMeasurementContext: UInt16 = 0x2A34
    public static let glucoseFeature: UInt16 = 0x2A51
}

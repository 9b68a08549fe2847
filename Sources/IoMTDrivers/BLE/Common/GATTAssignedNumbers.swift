import IoMTCore

/// Bluetooth SIG assigned numbers (Assigned Numbers document: GATT services and characteristics) the health
/// drivers use.
public enum GATTService {
    public static let healthThermometer: BluetoothUUID = 0x1809
    public static let heartRate: BluetoothUUID = 0x180D
    public static let bloodPressure: BluetoothUUID = 0x1810
    public static let glucose: BluetoothUUID = 0x1808
    public static let weightScale: BluetoothUUID = 0x181D
    public static let pulseOximeter: BluetoothUUID = 0x1822
    public static let currentTime: BluetoothUUID = 0x1805
}

public enum GATTCharacteristic {
    public static let dateTime: BluetoothUUID = 0x2A08
    public static let currentTime: BluetoothUUID = 0x2A2B
    public static let recordAccessControlPoint: BluetoothUUID = 0x2A52

    public static let bloodPressureMeasurement: BluetoothUUID = 0x2A35
    public static let intermediateCuffPressure: BluetoothUUID = 0x2A36
    public static let bloodPressureFeature: BluetoothUUID = 0x2A49

    public static let plxSpotCheckMeasurement: BluetoothUUID = 0x2A5E
    public static let plxContinuousMeasurement: BluetoothUUID = 0x2A5F
    public static let plxFeatures: BluetoothUUID = 0x2A60

    public static let temperatureMeasurement: BluetoothUUID = 0x2A1C
    public static let temperatureType: BluetoothUUID = 0x2A1D
    public static let intermediateTemperature: BluetoothUUID = 0x2A1E

    public static let weightMeasurement: BluetoothUUID = 0x2A9D
    public static let weightScaleFeature: BluetoothUUID = 0x2A9E

    public static let heartRateMeasurement: BluetoothUUID = 0x2A37

    public static let glucoseMeasurement: BluetoothUUID = 0x2A18
    public static let glucoseMeasurementContext: BluetoothUUID = 0x2A34
    public static let glucoseFeature: BluetoothUUID = 0x2A51

    /// The SIG names, for declarations, logs and errors.
    public static let names: [BluetoothUUID: String] = [
        dateTime: "Date Time", currentTime: "Current Time", recordAccessControlPoint: "Record Access Control Point",
        bloodPressureMeasurement: "Blood Pressure Measurement", intermediateCuffPressure: "Intermediate Cuff Pressure",
        bloodPressureFeature: "Blood Pressure Feature", plxSpotCheckMeasurement: "PLX Spot-check Measurement",
        plxContinuousMeasurement: "PLX Continuous Measurement", plxFeatures: "PLX Features",
        temperatureMeasurement: "Temperature Measurement", temperatureType: "Temperature Type",
        intermediateTemperature: "Intermediate Temperature", weightMeasurement: "Weight Measurement",
        weightScaleFeature: "Weight Scale Feature", heartRateMeasurement: "Heart Rate Measurement",
        glucoseMeasurement: "Glucose Measurement", glucoseMeasurementContext: "Glucose Measurement Context",
        glucoseFeature: "Glucose Feature",
    ]
}

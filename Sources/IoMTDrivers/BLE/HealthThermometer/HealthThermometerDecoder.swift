import IoMTCore

/// Health Thermometer Service 1.0 (0x1809); layouts from the GATT Specification Supplement §3.216
/// Temperature Measurement (also Intermediate Temperature 0x2A1E) and "Temperature Type".
public enum HealthThermometerProfile: GATTProfileDecoder {
    public static let profile = GATTProfile(driverId: "ble-health-thermometer", name: "Health Thermometer Service", service: GATTService.healthThermometer, [
        .init(GATTCharacteristic.temperatureMeasurement, .indicate), .init(GATTCharacteristic.intermediateTemperature, .notify, optional: true),
        .init(GATTCharacteristic.temperatureType, .read, optional: true),
    ])

    public static func decode(characteristic: BluetoothUUID, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded {
        switch characteristic {
        case GATTCharacteristic.temperatureType:
            var reader = GATTValueReader(characteristic: characteristic, bytes: value)
            let type = try reader.uint8("Temperature Type")
            // A static type applies to every later measurement without a type field (Health Thermometer Service spec).
            context.temperatureType = type
            return GATTDecoded(events: [.deviceInfo(key: "temperatureType", value: siteName(type))])
        default:
            return try measurement(value, characteristic: characteristic, staticType: context.temperatureType)
        }
    }

    /// Flags: bit 0 units (0 Celsius, 1 Fahrenheit), bit 1 Time Stamp, bit 2 Temperature Type; bits 3-7
    /// reserved. Fields: Temperature (FLOAT), Time Stamp (Date Time), Temperature Type (uint8).
    static func measurement(_ value: [UInt8], characteristic: BluetoothUUID, staticType: UInt8?) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: characteristic, bytes: value)
        let flags = try reader.uint8("Flags")
        let temperature = try reader.float("Temperature Measurement Value")
        let stamp = try reader.dateTime("Time Stamp", if: flags.has(1))
        let typeField = try reader.uint8("Temperature Type", if: flags.has(2))
        var status = stamp?.measurementStatus ?? []
        if characteristic == GATTCharacteristic.intermediateTemperature { status.insert(.measurementOngoing) }
        let measurement = DecodedMeasurement(type(for: typeField ?? staticType), temperature, unit: flags.has(0) ? "[degF]" : "Cel",
                                             status: status, deviceTime: stamp?.civilTime, rawFrame: value)
        var decoded = GATTDecoded(measurements: [measurement])
        decoded.events += reader.unreadEvents(flags: flags, definedMask: 0x07)
        return decoded
    }

    /// Temperature Type values: 1 armpit, 2 body (general), 3 ear (usually earlobe), 4 finger,
    /// 5 gastrointestinal tract, 6 mouth, 7 rectum, 8 toe, 9 tympanum (ear drum); others reserved and
    /// reported as body temperature.
    static func type(for site: UInt8?) -> MeasurementType {
        switch site {
        case 1: return .temperatureAxilla
        case 3: return .temperatureEar
        case 4: return .temperatureFinger
        case 5: return .temperatureGastrointestinal
        case 6: return .temperatureOral
        case 7: return .temperatureRectal
        case 8: return .temperatureToe
        case 9: return .temperatureTympanic
        default: return .bodyTemperature
        }
    }

    static func siteName(_ site: UInt8) -> String {
        let names = [1: "armpit", 2: "body", 3: "ear", 4: "finger", 5: "gastrointestinal-tract", 6: "mouth", 7: "rectum", 8: "toe", 9: "tympanum"]
        return names[Int(site)] ?? "reserved (\(site))"
    }
}

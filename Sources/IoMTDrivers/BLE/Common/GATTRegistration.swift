import IoMTCore
import IoMTProfiles

/// The Bluetooth SIG health profiles: one registration per profile decoder (they take no driverOptions).
enum GATTRegistration {
    static let decoders: [any GATTProfileDecoder.Type] = [
        BloodPressureProfile.self, PulseOximeterProfile.self, HealthThermometerProfile.self,
        WeightScaleProfile.self, HeartRateProfile.self, GlucoseProfile.self,
    ]

    static let all: [DriverRegistration] = decoders.map { decoder in
        DriverRegistration(id: decoder.profile.driverId, isGATT: true) { profile, _ throws(DriverConfigurationError) in
            try DriverRegistry.makeGATTSession(for: profile)
        }
    }
}

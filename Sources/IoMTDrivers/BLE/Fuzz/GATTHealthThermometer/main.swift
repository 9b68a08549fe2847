import IoMTDrivers

/// libFuzzer target: the HealthThermometer GATT decoder, every characteristic of its profile (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGATTHealthThermometer(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = GATTInvariants.violation(in: bytes, decoder: HealthThermometerProfile.self) { fatalError(violation) }
    return 0
}

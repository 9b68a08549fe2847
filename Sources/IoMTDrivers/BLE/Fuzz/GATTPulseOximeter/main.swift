import IoMTDrivers

/// libFuzzer target: the PulseOximeter GATT decoder, every characteristic of its profile (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGATTPulseOximeter(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = GATTInvariants.violation(in: bytes, decoder: PulseOximeterProfile.self) { fatalError(violation) }
    return 0
}

import IoMTDrivers

/// libFuzzer target: the WeightScale GATT decoder, every characteristic of its profile (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGATTWeightScale(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = GATTInvariants.violation(in: bytes, decoder: WeightScaleProfile.self) { fatalError(violation) }
    return 0
}

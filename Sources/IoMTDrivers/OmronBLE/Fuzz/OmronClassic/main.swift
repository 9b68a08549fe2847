import IoMTDrivers

/// libFuzzer target: the Omron classic reader fed arbitrary RX and unlock notifications (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOmronClassic(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = OmronClassicInvariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

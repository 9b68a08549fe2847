import IoMTDrivers

/// libFuzzer target: the Viatom "Oxy" reader (O2Ring) fed arbitrary notifications (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzViatomOxy(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = ViatomOxyInvariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

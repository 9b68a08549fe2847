import IoMTDrivers

/// libFuzzer target: older CMS50 firmware framer + decoder + window (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCMS50Legacy(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = CMS50Invariants.violation(in: bytes, generation: .legacy) { fatalError(violation) }
    return 0
}

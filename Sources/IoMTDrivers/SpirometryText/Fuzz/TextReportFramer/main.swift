import IoMTDrivers

/// libFuzzer target: text-report line framer + report parser (spirometer layout; see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTextReport(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = TextReportInvariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

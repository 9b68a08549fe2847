import IoMTDrivers

/// libFuzzer target: Nonin data format #2 framer + decoder + window (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNoninFormat2(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = NoninInvariants.violation(in: bytes, format: .format2) { fatalError(violation) }
    return 0
}

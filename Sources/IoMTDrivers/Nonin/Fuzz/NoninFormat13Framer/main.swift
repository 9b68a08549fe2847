import IoMTDrivers

/// libFuzzer target: Nonin data format #13 (9560 spot-check) framer + decoder + session (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNoninFormat13(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = NoninFormat13Invariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

import IoMTDrivers

/// libFuzzer target: the Nonin 3230 live reader fed arbitrary notifications (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNonin3230(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = LiveOximetryInvariants.violation(in: bytes, decoder: Nonin3230Stream.self) { fatalError(violation) }
    return 0
}

import IoMTDrivers

/// libFuzzer target: the Jumper JPD-500F live reader fed arbitrary notifications (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJumperJPD500F(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = LiveOximetryInvariants.violation(in: bytes, decoder: JumperJPD500FStream.self) { fatalError(violation) }
    return 0
}

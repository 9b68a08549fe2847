import IoMTDrivers

/// libFuzzer target: the Beurer PO60 stored-measurement reader fed arbitrary FF02 notifications (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBeurerPO60(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = BeurerPO60Invariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

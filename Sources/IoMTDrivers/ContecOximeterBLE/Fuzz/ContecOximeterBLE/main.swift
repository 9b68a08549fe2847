import IoMTDrivers

/// libFuzzer target: the Contec BLE oximeter reader fed arbitrary FF02 notifications (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContecOximeterBLE(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = ContecOximeterBLEInvariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

import IoMTDrivers

/// libFuzzer target: the Lepu PC-60FW live reader fed arbitrary notifications (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLepuPC60FW(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = LiveOximetryInvariants.violation(in: bytes, decoder: LepuPC60FWStream.self) { fatalError(violation) }
    return 0
}

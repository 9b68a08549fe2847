import IoMTDBus

/// libFuzzer target: the D-Bus message decoder and value unmarshaller (see scripts/fuzz.sh and
/// DBusWireInvariants).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDBusUnmarshaller(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = DBusWireInvariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

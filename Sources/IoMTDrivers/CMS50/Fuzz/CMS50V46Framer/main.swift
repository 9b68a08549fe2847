import IoMTDrivers

/// libFuzzer target: CMS50 firmware v4.6 framer + decoder + window, and the stored-data path (packages of every type,
/// the download session) over the same bytes (see scripts/fuzz.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCMS50V46(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = CMS50Invariants.violation(in: bytes, generation: .v46) { fatalError(violation) }
    if let violation = CMS50StoredDataInvariants.violation(in: bytes) { fatalError(violation) }
    return 0
}

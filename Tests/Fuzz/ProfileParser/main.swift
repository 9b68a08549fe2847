import IoMTProfiles

/// libFuzzer target: profile JSON parser and validator (see scripts/fuzz.sh). Any input must give
/// either a profile or an error with at least one issue naming the source.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProfileParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let loader = ProfileLoader(knownDriverIds: ["contec-cms50-legacy", "contec-cms50-v46"])
    do {
        let profile = try loader.parse(bytes: bytes, sourcePath: "fuzz.json")
        if profile.id.isEmpty { fatalError("empty id accepted") }
        if profile.transport == .serial, profile.serial == nil { fatalError("serial profile without serial settings") }
    } catch {
        if error.issues.isEmpty || error.issues.contains(where: { $0.file != "fuzz.json" }) { fatalError("error without located issues") }
        _ = error.description
    }
    return 0
}

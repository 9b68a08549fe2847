import Glibc
import IoMTDBus
import Testing

/// Replays the fuzz target's saved findings (Firmware-Fixtures/fuzz-crashes/DBusUnmarshaller) and its
/// seed corpus: messages libdbus produced, captured with `dbus-monitor --binary` on a private bus
/// while python-dbusmock's BlueZ template was driven with dbus-send.
@Suite struct FuzzFindingsTests {
    static let repository: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path
    }()

    static func files(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(directory + "/" + name) }
        }
        return names.sorted()
    }

    static func contents(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer.prefix(count)
        }
        return bytes
    }

    static func hexBytes(_ text: [UInt8]) -> [UInt8] {
        let digits = text.compactMap { byte -> UInt8? in
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    static var seeds: [[UInt8]] { files(in: repository + "/Tests/Fuzz/DBusUnmarshaller/seeds").map { hexBytes(contents($0)) } }

    @Test func savedFindingsStayFixed() {
        for path in Self.files(in: Self.repository + "/Firmware-Fixtures/fuzz-crashes/DBusUnmarshaller") {
            #expect(DBusWireInvariants.violation(in: Self.contents(path)) == nil, "\(path)")
        }
        for input: [UInt8] in [[], [0], [0xff], [0x6c], Array(repeating: 0, count: 64), MessageTests.bigEndianSignal] {
            #expect(DBusWireInvariants.violation(in: input) == nil)
        }
    }

    @Test func everyMessageLibdbusProducedDecodes() throws {
        let seeds = Self.seeds
        #expect(seeds.count >= 60)
        var members: Set<String> = []
        for seed in seeds {
            let message = try DBusMessage.decode(seed)
            if let member = message.member { members.insert(member) }
            #expect(DBusWireInvariants.violation(in: seed) == nil)
        }
        // The capture covers bus calls, BlueZ mock calls and the signals they caused.
        #expect(members.isSuperset(of: ["Hello", "AddAdapter", "AddDevice", "GetManagedObjects", "InterfacesAdded", "Introspect"]))
    }
}

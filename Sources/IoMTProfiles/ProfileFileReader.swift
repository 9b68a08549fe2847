import Glibc
import IoMTCore
import IoMTSystem

/// Reads profile files and lists profile directories with plain POSIX calls (no Foundation: the
/// daemon links this module and must stay small).
enum ProfileFileReader {
    /// Profiles are a few kilobytes; anything larger is a mistake (a log or a capture saved as .json).
    static let maximumFileSize = 1 << 20

    static func readBytes(path: String) throws(ProfileError) -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try FileIO.readBytes(path) } catch {
            throw ProfileError(file: path, field: "(file)", expected: "a readable file", found: Errno.text(error.errorNumber))
        }
        if bytes.count > maximumFileSize {
            throw ProfileError(file: path, field: "(file)", expected: "at most \(maximumFileSize) bytes", found: "a larger file")
        }
        return bytes
    }

    /// Names of the `*.json` entries of a directory, sorted so loading order (and error order) is stable.
    static func jsonFileNames(directory: String) throws(ProfileError) -> [String] {
        guard let handle = opendir(directory) else {
            throw ProfileError(file: directory, field: "(directory)", expected: "a readable directory", found: Errno.currentText)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".json"), !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }
}

import Glibc

/// Reads profile files and lists profile directories with plain POSIX calls (no Foundation: the
/// daemon links this module and must stay small).
enum ProfileFileReader {
    /// Profiles are a few kilobytes; anything larger is a mistake (a log or a capture saved as .json).
    static let maximumFileSize = 1 << 20

    static func readBytes(path: String) throws(ProfileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ProfileError(file: path, field: "(file)", expected: "a readable file", found: "error \(errorText(errno))")
        }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ProfileError(file: path, field: "(file)", expected: "a readable file", found: "read error \(errorText(errno))")
            }
            if count == 0 { break }
            result += buffer[0..<count]
            if result.count > maximumFileSize {
                throw ProfileError(file: path, field: "(file)", expected: "at most \(maximumFileSize) bytes", found: "a larger file")
            }
        }
        return result
    }

    /// Names of the `*.json` entries of a directory, sorted so loading order (and error order) is stable.
    static func jsonFileNames(directory: String) throws(ProfileError) -> [String] {
        guard let handle = opendir(directory) else {
            throw ProfileError(file: directory, field: "(directory)", expected: "a readable directory", found: "error \(errorText(errno))")
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

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "\(code)" }
        return "\(code) (\(String(cString: text)))"
    }
}

import Foundation

/// The convention that lets the build find every driver without a list: each driver folder below
/// Sources/IoMTDrivers declares its registrations in `<Name>Registration.swift`, as `enum <Name>Registration`
/// with `static let all: [DriverRegistration]`, and declares no `…Registration` enum anywhere else.
/// Files directly in Sources/IoMTDrivers are the drivers' shared code (`DriverRegistration.swift` is the type) and are
/// not scanned.
struct RegistrationFile: Equatable {
    /// The driver folder: the first path component below the drivers directory.
    let folder: String
    /// The path below the drivers directory (for sorting and the generated comment).
    let relativePath: String
    let typeName: String
}

/// A file that breaks the convention: the file, the line, what was expected and what was found.
struct ConventionViolation: Error, CustomStringConvertible {
    let path: String
    let line: Int
    let expected: String
    let found: String
    /// `path:line: error: …`, the form compilers print, so the build log and editors point at the file.
    var description: String { "\(path):\(line): error: expected \(expected); found \(found)" }
}

enum RegistrationConvention {
    static let suffix = "Registration"

    /// The registration files among `sources` (paths below `driversDirectory`, as the caller spells it), sorted by
    /// path; throws the first file that breaks the convention.
    static func registrationFiles(driversDirectory: String, sources: [String]) throws(ConventionViolation) -> [RegistrationFile] {
        let root = driversDirectory.hasSuffix("/") ? driversDirectory : driversDirectory + "/"
        var found: [RegistrationFile] = []
        for path in sources.sorted() where path.hasSuffix(".swift") {
            guard path.hasPrefix(root) else {
                throw ConventionViolation(path: path, line: 1, expected: "a source file below \(root)", found: "a file outside it")
            }
            let relative = String(path.dropFirst(root.count))
            let components = relative.split(separator: "/").map(String.init)
            guard components.count >= 2 else { continue }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ConventionViolation(path: path, line: 1, expected: "a readable UTF-8 Swift file", found: "\(error)")
            }
            if let file = try check(path: path, relative: relative, folder: components[0], text: text) { found.append(file) }
        }
        return found
    }

    /// One file: a registration file's declaration, nil for any other file, or the rule it breaks.
    static func check(path: String, relative: String, folder: String, text: String) throws(ConventionViolation) -> RegistrationFile? {
        let fileName = (relative as NSString).lastPathComponent
        let baseName = String(fileName.dropLast(".swift".count))
        let declarations = registrationEnums(in: text)
        guard baseName.hasSuffix(suffix), baseName.count > suffix.count else {
            if let stray = declarations.first {
                throw ConventionViolation(path: path, line: stray.line,
                                          expected: "`enum \(stray.name)` in a file of its own, \(stray.name).swift in \(folder)/ (the build finds drivers by that file name)",
                                          found: "it in \(fileName)")
            }
            return nil
        }
        let named = "a file named \(fileName) to declare `enum \(baseName)` with `static let all: [DriverRegistration]`"
        guard let declaration = declarations.first(where: { $0.name == baseName }) else {
            let others = declarations.map { "`enum \($0.name)` (line \($0.line))" }.joined(separator: ", ")
            throw ConventionViolation(path: path, line: 1, expected: named, found: others.isEmpty ? "no `enum \(baseName)`" : others)
        }
        if let other = declarations.first(where: { $0.name != baseName }) {
            throw ConventionViolation(path: path, line: other.line, expected: "only `enum \(baseName)` in \(fileName) (one registration enum per file)",
                                      found: "`enum \(other.name)` as well")
        }
        guard text.range(of: #"static\s+let\s+all\s*[:=]"#, options: .regularExpression) != nil else {
            throw ConventionViolation(path: path, line: declaration.line, expected: named, found: "no `static let all`")
        }
        return RegistrationFile(folder: folder, relativePath: relative, typeName: baseName)
    }

    /// Every `enum <X>Registration` declared at the start of a line (access modifiers allowed), with its line number.
    static func registrationEnums(in text: String) -> [(name: String, line: Int)] {
        let pattern = #"^\s*(?:(?:public|package|internal|fileprivate|private)\s+)?enum\s+([A-Za-z_][A-Za-z0-9_]*"# + suffix + #")\b"#
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        return text.components(separatedBy: "\n").enumerated().compactMap { index, line in
            let range = NSRange(line.startIndex..., in: line)
            guard let match = expression.firstMatch(in: line, range: range), let name = Range(match.range(at: 1), in: line) else { return nil }
            return (String(line[name]), index + 1)
        }
    }
}

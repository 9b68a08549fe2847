import Foundation

/// The checkout the tests run from: the nearest folder above this source file holding Package.swift.
public enum RepositoryRoot {
    public static let url: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    public static func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }
}

import Foundation
import PackagePlugin

/// Generates IoMTDrivers' list of drivers from its folders (DriverRegistryGenerator), so a new driver adds its folder and
/// no line elsewhere. Every Swift file of the target is an input: a registration declared in the wrong file fails the build.
@main
struct DriverRegistryPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let sources = module.sourceFiles(withSuffix: "swift").map { $0.url.path(percentEncoded: false) }
        // The target's folder from the package's: a target's `directoryURL` needs tools version 6.1 (the manifest says
        // 6.0), and its older `directory` is a deprecated Path.
        let directory = context.package.directoryURL.appending(path: "Sources/\(target.name)").path(percentEncoded: false)
        if let outside = sources.first(where: { !$0.hasPrefix(directory + "/") }) {
            throw PluginFailure(description: "\(outside): expected the sources of \(target.name) in \(directory)/ (where the plugin "
                                           + "looks for driver folders); found this file outside it")
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedDriverRegistrations.swift")
        return [.buildCommand(displayName: "Generating the driver registry of \(target.name)",
                              executable: try context.tool(named: "DriverRegistryGenerator").url,
                              arguments: [directory, output.path(percentEncoded: false)] + sources,
                              inputFiles: sources.map { URL(fileURLWithPath: $0) }, outputFiles: [output])]
    }
}

struct PluginFailure: Error, CustomStringConvertible {
    let description: String
}

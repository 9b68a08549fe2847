import IoMTConfiguration
import IoMTCore

/// `iomtctl help --man`: the man page (docs/man/iomtctl.1) rendered from the same help texts as
/// `iomtctl help COMMAND`, so the two cannot drift (a test compares them).
enum ManPage {
    /// Commands in the order the page lists them; any command with help text not listed here follows.
    static let order = ["status", "devices", "bind", "unbind", "bindings", "decode", "replay", "trend", "profiles",
                        "readings", "alerts", "rules", "scan", "pair", "forget", "quarantine", "metrics", "store", "doctor"]

    static func render() -> String {
        var lines = [
            ".TH IOMTCTL 1 \"2026-11\" \"iomtd \(ProductVersion.current)\" \"User Commands\"",
            ".SH NAME",
            "iomtctl \\- technician's command-line interface to iomtd",
            ".SH SYNOPSIS",
            ".B iomtctl",
            "\\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
            ".SH DESCRIPTION",
        ]
        lines += verbatim(CLIHelp.overview)
        lines.append(".SH COMMANDS")
        let listed = order.filter { CLIHelp.command[$0] != nil } + CLIHelp.command.keys.filter { !order.contains($0) }.sorted()
        for name in listed {
            lines.append(".SS \(name)")
            lines += verbatim(CLIHelp.command[name]!)
        }
        lines += [".SH EXIT STATUS",
                  "0 success; 1 the operation failed (daemon not reachable, store unreadable, problems found by doctor);",
                  "2 usage or input error (unknown option, profile or device, malformed hex, invalid PESEL or time, invalid",
                  "profile or rule file, rejected GATT value); 3 permission denied on the control socket.",
                  ".SH ENVIRONMENT",
                  "\\fBIOMTD_CONTROL_SOCKET\\fR: the daemon's control socket when \\-\\-socket is not given (default /run/iomtd/control.sock).",
                  ".br",
                  "\\fBIOMT_PROFILES_DIR\\fR: profiles directory when \\-\\-profiles\\-dir is not given.",
                  ".br",
                  "\\fBCOLUMNS\\fR: chart width for trend when the terminal size cannot be read.",
                  ".SH FILES",
                  "\(DaemonConfiguration.defaultPath), /run/iomtd/control.sock, /var/lib/iomtd/iomtd.sqlite, /usr/share/iomtd/profiles, /var/lib/iomtd/profiles",
                  ".SH SEE ALSO",
                  "\\fBiomtd\\fR(8), \\fBiomtd.json\\fR(5), \\fBiomtd-profile\\fR(5), \\fBiomtd-rules\\fR(5)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Help text as a no-fill block: roff escapes for backslashes and lines starting with . or '.
    static func verbatim(_ text: String) -> [String] {
        var lines = [".nf"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var escaped = line.split(separator: "\\", omittingEmptySubsequences: false).joined(separator: "\\e")
                .split(separator: "-", omittingEmptySubsequences: false).joined(separator: "\\-")
            if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
            lines.append(escaped)
        }
        lines.append(".fi")
        return lines
    }
}

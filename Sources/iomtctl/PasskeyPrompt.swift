import Glibc

/// `iomtctl pair ADDRESS --passkey -`: the passkey read from standard input rather than the command line (where it
/// would stay in the shell history and in `ps`). On a terminal it asks for it and does not echo it.
enum PasskeyPrompt {
    static func read() -> String? {
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            toTerminal("passkey (the 6 digits printed on the device): ")
            if tcgetattr(STDIN_FILENO, &saved) == 0 {
                var quiet = saved
                quiet.c_lflag &= ~tcflag_t(ECHO)
                _ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            }
        }
        defer {
            if terminal {
                _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                toTerminal("\n")
            }
        }
        return readLine(strippingNewline: true).map { String($0.filter { !$0.isWhitespace }) }
    }

    /// The prompt goes to standard error, so standard output stays the command's answer.
    private static func toTerminal(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

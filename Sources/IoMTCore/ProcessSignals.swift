import Glibc

/// Signal dispositions and masks survive exec: a parent that blocks or ignores SIGTERM (thread pools
/// often block every signal) would hand that to us and make us unstoppable. Reset them at start-up.
public enum ProcessSignals {
    public static func resetTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] {
            sigaddset(&set, number)
            signal(number, SIG_DFL)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        // Writes to a closed socket or pipe must fail with EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
    }
}

import Glibc

/// Waiting for an event with a deadline, for tests and lab scripts: the one polling loop they share (a condition that
/// holds returns at once; the deadline only bounds how long a failing wait takes).
public enum Eventually {
    /// Polls `condition` every `pollMilliseconds` until it holds or the deadline passes; returns whether it held.
    /// With `scaledByLoad`, the deadline is `seconds` × `loadScale()`, so a machine busy with other work gets longer
    /// before a wait counts as failed.
    public static func holds(within seconds: Double, scaledByLoad: Bool = true, pollMilliseconds: Int = 50,
                             _ condition: () async -> Bool) async -> Bool {
        let deadline = monotonicSeconds() + seconds * (scaledByLoad ? loadScale() : 1)
        while monotonicSeconds() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(pollMilliseconds))
        }
        return await condition()
    }

    /// Runnable threads per core over the last minute, between 1 and 8: how many times longer the same work takes now
    /// than on an idle machine (a 2-core machine running the parallel test pass reaches 6 and more).
    public static func loadScale() -> Double {
        var load = [0.0, 0.0, 0.0]
        guard getloadavg(&load, 3) > 0 else { return 1 }
        return min(8, max(1, load[0] / Double(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))))
    }

    private static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

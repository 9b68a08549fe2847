import Glibc

/// Runs `body` on its own detached pthread, off the Swift cooperative pool: blocking `poll()` and
/// sleeps there cannot starve async tasks. (Foundation's Thread is not available to the daemon.)
public enum DedicatedThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    public static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(context).release()
            fatalError("pthread_create failed: \(errnoText(result)); the process is out of threads")
        }
        pthread_detach(thread)
    }
}

/// Sleeps up to `milliseconds` in short slices, returning early when `shouldStop` becomes true.
func sleepInterruptibly(milliseconds: Int64, shouldStop: () -> Bool) {
    var remaining = milliseconds
    while remaining > 0, !shouldStop() {
        let slice = min(remaining, 20)
        usleep(UInt32(slice * 1000))
        remaining -= slice
    }
}

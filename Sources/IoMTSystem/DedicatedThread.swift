import Glibc

/// Runs `body` on its own detached pthread, off the Swift cooperative pool: blocking `poll()`, `read()` and
/// sleeps there cannot starve async tasks. (Foundation's Thread is not available to the daemon's modules.)
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
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(context).release()
            fatalError("pthread_create failed: \(Errno.text(result)); the process is out of threads")
        }
        pthread_detach(thread)
    }

    /// Runs blocking `work` on a fresh thread and awaits its result (a connect, a handshake).
    public static func run<T: Sendable, Failure: Error>(_ work: @escaping @Sendable () throws(Failure) -> T) async throws(Failure) -> T {
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            start {
                do throws(Failure) { continuation.resume(returning: .success(try work())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}

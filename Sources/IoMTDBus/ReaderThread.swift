import Glibc

/// Runs blocking socket work on its own pthread, off Swift's cooperative pool.
enum ReaderThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(context).release()
            fatalError("pthread_create failed: \(errnoText(result)); the process is out of threads")
        }
        pthread_detach(thread)
    }

    /// Runs blocking `work` on a fresh thread and awaits its result.
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws(DBusError) -> T) async throws(DBusError) -> T {
        let result: Result<T, DBusError> = await withCheckedContinuation { continuation in
            start {
                do throws(DBusError) { continuation.resume(returning: .success(try work())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}

/// Runs `body`, then `cleanup` whether `body` returned or threw: the `defer` for a cleanup that must be awaited (stopping
/// a child process, unmounting). A blocking cleanup in `defer` holds one of the cooperative pool's threads (2 on the
/// lab machine) and stalls every other test of a parallel pass meanwhile.
public func withAsyncCleanup<T>(_ cleanup: () async -> Void, _ body: () async throws -> T) async throws -> T {
    let result: T
    do { result = try await body() } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}

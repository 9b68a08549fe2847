/// glibc's mallopt(3); <malloc.h> is not part of Swift's Glibc module, so it is declared here.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

public enum MemoryTuning {
    /// M_ARENA_MAX from <malloc.h>.
    private static let arenaMaxParameter: Int32 = -8

    /// glibc gives each thread that allocates its own malloc arena (up to 8 per core); the daemon's
    /// reader threads do not need that concurrency, and two arenas keep the resident set small.
    public static func limitMallocArenas() {
        _ = glibcMallopt(arenaMaxParameter, 2)
    }
}

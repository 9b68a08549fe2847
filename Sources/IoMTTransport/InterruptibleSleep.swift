import Glibc

/// Sleeps up to `milliseconds` in short slices, returning early when `shouldStop` becomes true.
func sleepInterruptibly(milliseconds: Int64, shouldStop: () -> Bool) {
    var remaining = milliseconds
    while remaining > 0, !shouldStop() {
        let slice = min(remaining, 20)
        usleep(UInt32(slice * 1000))
        remaining -= slice
    }
}

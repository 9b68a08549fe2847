import Glibc

/// Standard termios rates we accept. Non-standard rates (BOTHER/termios2) are refused on purpose:
/// every supported device uses a standard rate, and a typo should fail loudly at open.
enum BaudRate {
    static let table: [(rate: Int, speed: speed_t)] = [
        (1200, speed_t(B1200)), (1800, speed_t(B1800)), (2400, speed_t(B2400)), (4800, speed_t(B4800)),
        (9600, speed_t(B9600)), (19200, speed_t(B19200)), (38400, speed_t(B38400)), (57600, speed_t(B57600)),
        (115200, speed_t(B115200)), (230400, speed_t(B230400)), (460800, speed_t(B460800)),
        (500000, speed_t(B500000)), (576000, speed_t(B576000)), (921600, speed_t(B921600)),
    ]

    static var supported: [Int] { table.map(\.rate) }

    static func speed(for rate: Int) -> speed_t? { table.first { $0.rate == rate }?.speed }

    static func rate(for speed: speed_t) -> Int? { table.first { $0.speed == speed }?.rate }
}

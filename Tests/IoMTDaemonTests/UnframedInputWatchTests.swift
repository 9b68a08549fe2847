import IoMTCore
@testable import IoMTDaemon
import Testing

/// A port that delivers bytes but no valid frame for 30 s is reported once, and cleared when frames decode;
/// time is the injected instants the runner passes (its WallClock), never a sleep.
@Suite struct UnframedInputWatchTests {
    static let start = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
    func at(_ seconds: Double) -> Instant { Self.start.adding(milliseconds: Int64(seconds * 1000)) }

    @Test func bytesWithoutFramesFor30SecondsRaiseOnceAndFramesClear() {
        var watch = UnframedInputWatch()
        var changes: [UnframedInputWatch.Change] = []
        for tenth in 0..<300 { changes.append(watch.bytesArrived(64, decoded: false, at: at(Double(tenth) / 10))) }
        #expect(changes.allSatisfy { $0 == .none }, "raised before 30 s")
        #expect(watch.stepped(decoded: false, at: at(29.99)) == .none)
        #expect(watch.stepped(decoded: false, at: at(30)) == .raised)
        #expect(watch.unframedBytes == 300 * 64)
        #expect(watch.bytesArrived(64, decoded: false, at: at(31)) == .none, "reported once")
        #expect(watch.stepped(decoded: false, at: at(90)) == .none)
        #expect(watch.bytesArrived(64, decoded: true, at: at(91)) == .cleared)
        #expect(watch.stepped(decoded: false, at: at(200)) == .none, "no bytes since the frames")
    }

    @Test func frameEverySecondOrSilenceNeverRaise() {
        var streaming = UnframedInputWatch()
        for second in 0..<600 {
            #expect(streaming.bytesArrived(300, decoded: false, at: at(Double(second))) == .none)
            #expect(streaming.stepped(decoded: true, at: at(Double(second) + 0.999)) == .none)
        }
        var silent = UnframedInputWatch()
        #expect((0..<600).allSatisfy { silent.stepped(decoded: false, at: at(Double($0))) == .none })
    }

    @Test func closingThePortEndsTheConditionWithoutClaimingFrames() {
        var watch = UnframedInputWatch()
        _ = watch.bytesArrived(10, decoded: false, at: at(0))
        #expect(watch.stepped(decoded: false, at: at(30)) == .raised)
        #expect(watch.portClosed() == .reset)
        #expect(watch.portClosed() == .none)
        _ = watch.bytesArrived(10, decoded: false, at: at(40))
        #expect(watch.stepped(decoded: false, at: at(69)) == .none, "the 30 s start again after a reconnect")
        #expect(watch.stepped(decoded: false, at: at(70)) == .raised)
        #expect(DeviceStatusBoard.wrongProfileSuspected == "bytes but no frames — wrong profile?")
    }
}

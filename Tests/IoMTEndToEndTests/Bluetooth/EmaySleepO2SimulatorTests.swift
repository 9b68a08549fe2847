import IoMTCore
import IoMTDrivers
import IoMTLab
import Testing

/// The EMAY SleepO2 of `iomt-lab ble-sim --device contec-oximeter-ble` against the gateway's live reader, without BlueZ:
/// the reader's writes go to the simulated device, its live frames come back as FF02 notifications, a second apart.
@Suite struct EmaySleepO2SimulatorTests {
    @Test func startedStreamIsReadAsOneWindowASecondWhileHeartbeatsKeepItGoing() {
        var device = EmaySleepO2Device()
        var reader = ContecOximeterBLEReader()
        var time = Instant(millisecondsSinceEpoch: 1_796_000_000_000)
        var seconds = 0.0
        var measurements: [DecodedMeasurement] = []
        var rejected: [String] = []
        func deliver(_ output: DeviceOutput) {
            measurements += output.measurements
            rejected += output.rejections
            for write in output.writes {
                let answer = device.handle(write.value, at: seconds).answer
                if !answer.isEmpty { deliver(reader.handle(.value(characteristic: 0xFF02, bytes: answer), at: time)) }
            }
        }
        deliver(reader.handle(.linkUp, at: time))
        #expect(device.streaming, "HELLO and START started the stream")
        for _ in 0..<10 {
            seconds += 1
            time = time.adding(milliseconds: 1000)
            if let frame = device.nextFrame(at: seconds) { deliver(reader.handle(.value(characteristic: 0xFF02, bytes: frame), at: time)) }
            deliver(reader.handle(.tick, at: time))
        }
        deliver(reader.handle(.linkDown, at: time))
        #expect(rejected.count == 2 && rejected[0].hasPrefix("unknown frame 0x89") && rejected[1].lowercased().hasPrefix("unknown frame 0x9b"),
                "the answers to HELLO and START (no published layout) are named and the stream goes on: \(rejected)")
        #expect(device.framesSent == 10 && device.heartbeats >= 8, "a frame every second; the reader's heartbeats kept the stream on")
        let spo2 = measurements.filter { $0.type == .spo2 }.compactMap { $0.value?.description }
        let pulse = measurements.filter { $0.type == .pulseRateOximetry }.compactMap { $0.value?.description }
        #expect(spo2 == (0..<10).map { String(EmaySleepO2Device.values(frame: $0).spo2) })
        #expect(pulse == (0..<10).map { String(EmaySleepO2Device.values(frame: $0).pulseRate) })
    }

    @Test func withoutHeartbeatsTheStreamPauses() {
        var device = EmaySleepO2Device()
        #expect(device.handle([0x89, 0x09], at: 0).answer == [0x89, 0x01, 0x0A])
        #expect(device.handle([0x9B, 0x01, 0x1C], at: 0).answer == [0x9B, 0x01, 0x1C])
        let frames = (1...8).compactMap { device.nextFrame(at: Double($0)) }
        #expect(frames.count == 5, "frames for 5 s after START, then none without a heartbeat")
        let sum: Int = 0xEB + 0x01 + 0x05 + 68 + 95 + 0x7F
        let expected: [UInt8] = [0xEB, 0x01, 0x05, 68, 95, 0x7F, 0x00, UInt8(sum & 0x7F)]
        #expect(frames.first == expected)
    }
}

import IoMTLab

// The test peers live in IoMTLab (shared with the BlueZ, simulator and end-to-end tests).
typealias PrivateBus = PrivateDBusDaemon
typealias ChildProcess = LabChildProcess
typealias TestFailure = LabFailure

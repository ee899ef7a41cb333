import Foundation
import Streams
import Testing

@Suite struct ShutdownSignalTests {
    @Test func sigtermRequestsAStopInsteadOfEndingTheProcess() {
        let shutdown = ShutdownSignal(signals: [SIGTERM])
        #expect(!shutdown.isRequested)
        #expect(!shutdown.wait(timeout: .milliseconds(50)))
        kill(getpid(), SIGTERM)
        #expect(shutdown.wait(timeout: .seconds(5)))
        #expect(shutdown.reason == "SIGTERM")
    }

    @Test func aRequestWakesAWaitingLoopAndTheFirstReasonStays() {
        let shutdown = ShutdownSignal(signals: [])
        let woke = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            if shutdown.wait() { woke.signal() }
        }
        shutdown.request(reason: "test over")
        shutdown.request(reason: "again")
        #expect(woke.wait(timeout: .now() + 5) == .success)
        #expect(shutdown.reason == "test over")
    }
}

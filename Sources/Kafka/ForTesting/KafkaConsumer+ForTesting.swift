extension KafkaConsumer {
    /// Polls until `count` records have arrived or `timeout` has passed, and returns them all
    /// (fewer than `count` on timeout, so a test can say how many were missing).
    public func poll(count: Int, within timeout: Duration) throws -> [KafkaMessage] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var messages: [KafkaMessage] = []
        while messages.count < count, clock.now < deadline {
            messages += try poll(maxMessages: count - messages.count, timeout: min(.milliseconds(200), deadline - clock.now))
        }
        return messages
    }
}

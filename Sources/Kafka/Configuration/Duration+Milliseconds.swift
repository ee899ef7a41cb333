extension Duration {
    /// The duration in whole milliseconds, the unit of librdkafka's settings and timeouts.
    var wholeMilliseconds: Int {
        let parts = components
        return Int(parts.seconds) * 1_000 + Int(parts.attoseconds / 1_000_000_000_000_000)
    }
}

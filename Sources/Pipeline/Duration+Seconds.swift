extension Duration {
    /// In seconds, for logs, metrics and rates.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}

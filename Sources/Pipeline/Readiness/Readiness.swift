/// What `/readyz` says of a stage: ready, with what it holds, or not, with why.
public enum Readiness: Equatable, Sendable {
    case ready(String)
    case notReady(String)

    public var isReady: Bool {
        if case .ready = self { return true }
        return false
    }

    public var explanation: String {
        switch self {
        case .ready(let text), .notReady(let text): text
        }
    }

    /// A process is ready when every stage in it is; the answer names each stage's state.
    public static func of(_ stages: [(name: String, readiness: Readiness)]) -> Readiness {
        let lines = stages.map { "\($0.name): \($0.readiness.isReady ? "ready" : "not ready"): \($0.readiness.explanation)" }
        let text = lines.joined(separator: "\n")
        return stages.allSatisfy(\.readiness.isReady) ? .ready(text) : .notReady(text)
    }
}

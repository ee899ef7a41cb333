/// How a consumer group moves partitions between members when one joins or leaves.
public enum KafkaRebalancing: String, Sendable, CaseIterable {
    /// Incremental (KIP-429, `cooperative-sticky`): members keep the partitions they still own
    /// and process them on while others move.
    case cooperative
    /// Stop-the-world (`range,roundrobin`): every member gives up all partitions, then gets a new set.
    case eager

    var assignmentStrategy: String {
        switch self {
        case .cooperative: "cooperative-sticky"
        case .eager: "range,roundrobin"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

public enum MetricsServerError: Error, CustomStringConvertible {
    case system(String, Int32)
    case badAddress(String)

    public var description: String {
        switch self {
        case .system(let operation, let code): "\(operation) failed: \(String(cString: strerror(code)))"
        case .badAddress(let host): "'\(host)' is not an IPv4 address"
        }
    }
}

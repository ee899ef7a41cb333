import Foundation

/// The instruction-set flags Linux reports for this CPU (`/proc/cpuinfo`), empty where the
/// file is not there.
public enum CPUFlags {
    public static let current: Set<String> = {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(flagsLine.split(separator: " ").map(String.init))
    }()
}

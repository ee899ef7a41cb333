import Ranking

/// Battles read from one or more input files, and what happened to every row.
public struct ImportedBattles: Sendable {
    public var battles: [LabelledBattle] = []
    public var summary = ReadSummary()

    public init() {}

    mutating func keep(_ battle: LabelledBattle) {
        battles.append(battle)
        summary.kept += 1
    }
}

/// The name a battle's `source` field gives a file: its format and base name.
public func sourceName(format: String, file: String) -> String {
    "\(format):\(file.split(separator: "/").last.map(String.init) ?? file)"
}

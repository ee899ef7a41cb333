/// Names ordered by how close they are to `name`, closest first: the edit distance between
/// their lower-cased forms, or between `name` and their last `/`-separated part where that is
/// closer (a hub's `org/model` against a configuration's `model`). For messages about a name
/// that was not found: the one meant is usually among the first.
public func closestNames(to name: String, among candidates: [String]) -> [String] {
    let wanted = Array(name.lowercased().unicodeScalars)
    func distance(_ candidate: String) -> Int {
        let whole = candidate.lowercased()
        let last = whole.split(separator: "/").last.map(String.init) ?? whole
        return min(editDistance(wanted, Array(whole.unicodeScalars)), editDistance(wanted, Array(last.unicodeScalars)))
    }
    return candidates.map { ($0, distance($0)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
}

/// Levenshtein distance: insertions, deletions and substitutions of one scalar each.
private func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, y) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// Rows as aligned columns for a terminal: the first `textColumns` columns left-aligned, the
/// figures after them right-aligned, two spaces apart.
struct TextTable {
    let header: [String]
    let rows: [[String]]
    let textColumns: Int

    var text: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column < textColumns ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

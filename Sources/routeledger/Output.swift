import Foundation

/// Prints named figures as aligned text lines, or as one JSON object with the figures as numbers.
func printFigures(_ figures: [(String, Any)], json: Bool) {
    if json {
        let object = Dictionary(figures, uniquingKeysWith: { _, last in last })
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
        return
    }
    let width = figures.map(\.0.count).max() ?? 0
    for (name, value) in figures {
        let text: String
        switch value {
        case let number as Double: text = formatFigure(number)
        default: text = "\(value)"
        }
        print("\(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(text)")
    }
}

/// Small numbers in scientific notation, others with up to four decimals.
func formatFigure(_ value: Double) -> String {
    if value != 0 && abs(value) < 0.01 { return String(format: "%.3e", value) }
    return String(format: "%.4f", value)
}

import Foundation

/// A small SVG writer: shapes and text in user units, every text escaped for XML.
struct SVGDocument {
    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    struct Stroke {
        var color = "#000000"
        var width = 1.0
        /// SVG dash pattern, e.g. "6 4"; nil for a solid line.
        var dash: String?

        var attributes: String {
            "stroke=\"\(color)\" stroke-width=\"\(number(width))\"" + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
        }
    }

    enum Anchor: String {
        case start, middle, end
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ stroke: Stroke) {
        elements.append("<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" \(stroke.attributes)/>")
    }

    mutating func polyline(_ points: [(x: Double, y: Double)], _ stroke: Stroke) {
        let list = points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(list)\" fill=\"none\" stroke-linejoin=\"round\" \(stroke.attributes)/>")
    }

    /// A closed, filled shape without an outline (a band between two curves).
    mutating func polygon(_ points: [(x: Double, y: Double)], fill: String, opacity: Double) {
        let list = points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
        elements.append("<polygon points=\"\(list)\" fill=\"\(fill)\" fill-opacity=\"\(number(opacity))\" stroke=\"none\"/>")
    }

    mutating func rectangle(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: Stroke? = nil) {
        elements.append("<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(width))\" height=\"\(number(height))\" "
                        + "fill=\"\(fill)\"" + (stroke.map { " \($0.attributes)" } ?? "") + "/>")
    }

    /// `rotation` in degrees about the anchor point (−90 for a vertical axis title).
    mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                       weight: String = "normal", rotation: Double = 0) {
        let transform = rotation == 0 ? "" : " transform=\"rotate(\(number(rotation)) \(number(x)) \(number(y)))\""
        elements.append("<text x=\"\(number(x))\" y=\"\(number(y))\" font-size=\"\(number(size))\" text-anchor=\"\(anchor.rawValue)\" "
                        + "font-weight=\"\(weight)\"\(transform)>\(escaped(content))</text>")
    }

    var rendered: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(number(width))" height="\(number(height))" viewBox="0 0 \(number(width)) \(number(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }
}

/// Coordinates with at most two decimals: enough for a screen, short in the file.
private func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    var text = String(format: "%.2f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
}

func escaped(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        default: result.append(character)
        }
    }
    return result
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The elements of an SVG file collected with an XML parser, so a missing escape or an unclosed
/// tag fails the test that reads a figure.
final class SVGElements: NSObject, XMLParserDelegate {
    var names: [String] = []
    var attributes: [[String: String]] = []
    /// The content of every `text` element.
    var texts: [String] = []
    private var current = ""

    static func parse(_ svg: String) throws -> SVGElements {
        let elements = SVGElements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = elements
        try #require(parser.parse(), "the SVG is not well-formed XML: \(String(describing: parser.parserError))")
        return elements
    }

    /// The attribute `attribute` of every element named `name`, in order.
    func attribute(_ attribute: String, of name: String) -> [String] {
        zip(names, attributes).filter { $0.0 == name }.compactMap { $0.1[attribute] }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String]) {
        names.append(name)
        self.attributes.append(attributes)
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        current += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
    }
}

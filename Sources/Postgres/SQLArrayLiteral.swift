/// A one-dimensional array in PostgreSQL's text form (`{"a","b \"quoted\""}`), passed as one
/// text parameter and cast in the SQL (`$1::text[]`): many rows in one statement, still with
/// every value apart from the SQL text.
public enum SQLArrayLiteral {
    public static func of(_ elements: some Sequence<String>) -> PostgresValue {
        var text = "{"
        var first = true
        for element in elements {
            if !first { text += "," }
            first = false
            text += "\""
            for character in element.unicodeScalars {
                if character == "\\" || character == "\"" { text += "\\" }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return .text(text + "}")
    }
}

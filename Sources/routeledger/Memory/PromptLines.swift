import Foundation

/// Prompts given as JSON lines on standard input: `{"prompt": …}`, with an optional `id` that
/// is echoed in the output. A line that is not such an object is reported as `stdin:LINE` and
/// skipped.
struct PromptLines {
    struct Prompt {
        let line: Int
        let text: String
        let id: Any?
    }

    private(set) var line = 0
    private(set) var skipped = 0

    /// Up to `count` prompts (fewer at the end of the input).
    mutating func next(_ count: Int) -> [Prompt] {
        var prompts: [Prompt] = []
        while prompts.count < count, let text = readLine(strippingNewline: true) {
            line += 1
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            guard let object, let prompt = object["prompt"] as? String, !prompt.isEmpty else {
                printStandardError("stdin:\(line): expected a JSON object with a non-empty \"prompt\" string; skipped\n")
                skipped += 1
                continue
            }
            prompts.append(Prompt(line: line, text: prompt, id: object["id"]))
        }
        return prompts
    }
}

/// Prompts an evaluation must leave out because they also appear in training data, as RouteLLM
/// publishes them: JSON lines with the evaluation-side prompt in `eval_prompt` (a plain `prompt`
/// field is accepted too).
public enum ContaminationList {
    public static func read(_ file: String) throws(InputError) -> Set<String> {
        var prompts = Set<String>()
        for (line, parsed) in JSONLines(bytes: try InputFiles.read(file)) {
            guard case .success(let object) = parsed,
                  let prompt = (object["eval_prompt"] ?? object["prompt"]) as? String else {
                throw InputError("\(file):\(line): expected an object with an 'eval_prompt' string")
            }
            prompts.insert(prompt)
        }
        return prompts
    }
}

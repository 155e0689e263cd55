import Foundation
import FlowConfig

/// Builds configurations for differ tests from a compact edge notation: `"T1 > T2"`,
/// `"> T1"` (a starting edge), `"T1, T2 > T3 | argsFieldExist:x"` (with a condition on
/// argument `x`). Every name that is not a flow becomes a task.
enum TestConfiguration {
    static func make(_ flows: KeyValuePairs<String, [String]>, extraTasks: [String] = [], flowFileOrder: [String]? = nil,
                     checks: Bool = false) throws -> Configuration {
        let flowNames = flows.map(\.key)
        var tasks = Set(extraTasks)
        var definitions: [String: String] = [:]
        for (name, edges) in flows {
            var text = "  - name: \(name)\n    edges:\n"
            for edge in edges {
                let (body, condition) = splitOnce(edge, "|")
                let (from, to) = splitOnce(body, ">")
                let sources = names(from), destinations = names(to ?? "")
                for node in sources + destinations where !flowNames.contains(node) { tasks.insert(node) }
                text += "      - from: \(sources.isEmpty ? "" : "[" + sources.joined(separator: ", ") + "]")\n"
                text += "        to: [\(destinations.joined(separator: ", "))]\n"
                if let condition {
                    let (predicate, argument) = splitOnce(condition, ":")
                    text += "        condition: {name: \(predicate), args: {key: \(argument ?? "x")}}\n"
                }
            }
            definitions[name] = text
        }
        let nodes = "tasks:\n" + tasks.sorted().map { "  - {name: \($0), import: app.tasks}\n" }.joined()
            + "flows: [\(flowNames.joined(separator: ", "))]\n"
        let order = flowFileOrder ?? flowNames
        let files = order.map { name in
            ConfigurationFiles.File(path: "\(name).yml", contents: Array(("flow-definitions:\n" + definitions[name]!).utf8))
        }
        let result = ConfigurationLoader(options: .init(checksConsistency: checks))
            .load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)), flows: files))
        return try result.get()
    }

    /// A configuration from the YAML texts of its nodes file and one flow file.
    static func load(nodes: String, flows: String) throws -> Configuration {
        try ConfigurationLoader().load(ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                                          flows: [.init(path: "flows.yml", contents: Array(flows.utf8))])).get()
    }

    /// The text before and after the first `separator` (trimmed), or the whole text and `nil`.
    private static func splitOnce(_ text: String, _ separator: Character) -> (String, String?) {
        guard let index = text.firstIndex(of: separator) else { return (text.trimmingCharacters(in: .whitespaces), nil) }
        return (String(text[..<index]).trimmingCharacters(in: .whitespaces),
                String(text[text.index(after: index)...]).trimmingCharacters(in: .whitespaces))
    }

    private static func names(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

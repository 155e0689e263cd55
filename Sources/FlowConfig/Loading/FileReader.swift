import Foundation
import YAMLTree

/// Reads values out of one YAML file's node tree, turning every problem into a
/// ``ConfigDiagnostic`` that points at the offending node. Readers of the nodes file and of
/// flow files are extensions of this type.
struct FileReader {
    let file: String
    var diagnostics: [ConfigDiagnostic] = []
    var budget: YAMLWalkBudget
    let environment: [String: String]
    /// "Did you mean" hints given for unknown node names so far: each compares the name with
    /// every node, so a file of thousands of unknown names gets hints for the first ones only.
    var unknownNodeSuggestions = 0
    /// The valid node names to suggest from, collected on the first unknown name.
    var suggestableNodeNames: [String]?
    /// Mappings Selinon's loader changes in place as it reads them (a selective run's, a
    /// selective run function), by what read each first: a second use of one (an alias, or a
    /// value a merge key copied) sees what the first left.
    var mappingsChangedInPlace: [YAMLNodeIdentity: String] = [:]
    /// Whether errors in `global.trace` are errors (see ``ConfigurationLoader/Options/checksTrace``).
    var checksTrace = true

    init(file: String, budget: YAMLWalkBudget, environment: [String: String]) {
        self.file = file
        self.budget = budget
        self.environment = environment
    }

    func location(_ node: YAMLNode) -> FileLocation {
        FileLocation(file: file, line: node.mark.line, column: node.mark.column)
    }

    mutating func report(_ severity: ConfigDiagnostic.Severity, _ code: ConfigDiagnostic.Code, _ message: String,
                         at node: YAMLNode, hint: String = "") {
        diagnostics.append(ConfigDiagnostic(severity, code, message, at: location(node), hint: hint))
    }

    mutating func error(_ code: ConfigDiagnostic.Code, _ message: String, at node: YAMLNode, hint: String = "") {
        report(.error, code, message, at: node, hint: hint)
    }

    mutating func warning(_ code: ConfigDiagnostic.Code, _ message: String, at node: YAMLNode, hint: String = "") {
        report(.warning, code, message, at: node, hint: hint)
    }

    // MARK: - Shapes

    /// The pairs of a mapping node; reports `what must be a mapping` otherwise.
    mutating func mapping(_ node: YAMLNode, _ what: @autoclosure () -> String, hint: String = "") -> YAMLMapping? {
        if let pairs = node.mapping { return pairs }
        error(.wrongType, "\(what()) must be a mapping, found \(describe(node))", at: node, hint: hint.isEmpty ? Self.mappingHint(for: node) : hint)
        return nil
    }

    /// What to write instead of `node` where a mapping belongs.
    static func mappingHint(for node: YAMLNode) -> String {
        if node.isNull { return "give it its keys and values (key: value, indented below it), or remove it" }
        if node.sequence != nil { return "write its keys and values without '- ' before them: a mapping, not a list" }
        return "write its keys and values (key: value) on the lines below it, indented"
    }

    /// The items of a sequence node; reports `what must be a list` otherwise.
    mutating func sequence(_ node: YAMLNode, _ what: @autoclosure () -> String, hint: String = "") -> YAMLSequence? {
        if let items = node.sequence { return items }
        error(.wrongType, "\(what()) must be a list, found \(describe(node))", at: node, hint: hint.isEmpty ? Self.sequenceHint(for: node) : hint)
        return nil
    }

    /// What to write instead of `node` where a list belongs.
    static func sequenceHint(for node: YAMLNode) -> String {
        if node.isNull { return "give it its items ([a, b], or one per line after '- '), or remove it" }
        if node.mapping != nil { return "write each item on its own line after '- ': a list, not a mapping" }
        return "write a list: [\(node.scalar?.text ?? "…")]"
    }

    /// Reports every key of `pairs` that is not in `known`, with a suggestion.
    mutating func checkKeys(_ pairs: YAMLMapping, known: [String], in what: @autoclosure () -> String,
                            severity: ConfigDiagnostic.Severity = .error, extraHint: [String: String] = [:]) {
        for pair in pairs {
            let key = keyText(pair.key)
            guard pair.key.string == nil || !known.contains(key) else { continue }
            var hint = extraHint[key] ?? NameSuggestion.hint(for: key, in: known)
            if hint.isEmpty { hint = "known keys: " + known.joined(separator: ", ") }
            if case .bool? = pair.key.value {
                hint = "YAML 1.1 reads the key '\(key)' as a boolean; " + hint
            }
            report(severity, .unknownKey, "unknown key '\(key)' in \(what())", at: pair.key, hint: hint)
        }
    }

    /// The text of a mapping key as the user wrote it.
    func keyText(_ key: YAMLNode) -> String {
        key.scalar?.text ?? key.kindDescription
    }

    /// How a node reads in a message: "a list", "the boolean true (from 'yes')", "the string 'x'".
    func describe(_ node: YAMLNode) -> String {
        guard let scalar = node.scalar else { return node.kindDescription }
        switch scalar.value {
        case .null: return "null"
        case .bool(let value):
            return scalar.text == String(value) ? "the boolean \(value)" : "the boolean \(value) (YAML 1.1 reads '\(scalar.text)' as one)"
        case .string(let text): return "the string '\(text)'"
        default: return "\(scalar.value.kindDescription) '\(scalar.text)'"
        }
    }

    /// A hint for a scalar that YAML 1.1 resolved to something other than the string the user
    /// probably meant.
    func quoteHint(_ node: YAMLNode) -> String {
        guard let scalar = node.scalar, scalar.style == .plain, !scalar.text.isEmpty else { return "" }
        switch scalar.value {
        case .string: return ""
        case .null: return ""
        default: return "quote it to make it a string: '\(scalar.text)'"
        }
    }

    // MARK: - Scalars

    mutating func string(_ node: YAMLNode, _ what: @autoclosure () -> String) -> String? {
        if let text = node.string { return text }
        let code: ConfigDiagnostic.Code = if case .bool? = node.value { .yamlBoolean } else { .wrongType }
        let hint = node.scalar == nil ? "write one value here, not a list or mapping" : node.isNull ? "give it a value, or remove the key" : quoteHint(node)
        error(code, "\(what()) must be a string, found \(describe(node))", at: node, hint: hint)
        return nil
    }

    /// A string that must not be empty.
    mutating func nonEmptyString(_ node: YAMLNode, _ what: @autoclosure () -> String) -> String? {
        guard let text = string(node, what()) else { return nil }
        if text.isEmpty {
            error(.invalidValue, "\(what()) must not be empty", at: node, hint: "give it a value, or remove the key")
            return nil
        }
        return text
    }

    mutating func bool(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Bool? {
        if case .bool(let value)? = node.value { return value }
        let quoted = node.string.map { $0.lowercased() }.flatMap { ["true": true, "yes": true, "on": true, "false": false, "no": false, "off": false][$0] }
        error(.wrongType, "\(what()) must be a boolean (true or false), found \(describe(node))", at: node,
              hint: quoted.map { "write \($0) without quotes" } ?? "write true or false")
        return nil
    }

    /// A non-negative integer. A boolean is accepted with a warning, as Python treats it as 0 or 1.
    mutating func count(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Int? {
        switch node.value {
        case .int(let integer)?:
            guard let value = integer.intValue ?? (integer.description.hasPrefix("-") ? -1 : nil) else {
                // Python takes any int; this tool (and any dispatcher's counter) stops at 64 bits.
                error(.invalidValue, "\(what()) is \(integer), beyond the largest count this tool handles (\(Int.max))", at: node,
                      hint: "use a smaller number")
                return nil
            }
            guard value >= 0 else {
                error(.invalidValue, "\(what()) must be a non-negative integer, found \(integer)", at: node, hint: "write 0 or a positive number")
                return nil
            }
            return value
        case .bool(let value)?:
            warning(.wrongType, "\(what()) is the boolean \(value); Selinon reads it as \(value ? 1 : 0)", at: node,
                    hint: "write \(value ? 1 : 0)")
            return value ? 1 : 0
        default:
            let quotedNumber = node.string.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { $0 >= 0 } == true
            error(.wrongType, "\(what()) must be a non-negative integer, found \(describe(node))", at: node,
                  hint: quotedNumber ? "remove the quotes: \(node.string!.trimmingCharacters(in: .whitespaces))" : "write a whole number, such as 3")
            return nil
        }
    }

    /// A flow's `max_retry` or `retry_countdown`. Selinon does not validate them; it writes them
    /// with `%d` into the workers' start-up code, so a float is truncated toward zero and a
    /// negative integer is kept (it acts as 0) — both loaded with a warning — while infinity,
    /// NaN and non-numbers break start-up (errors).
    mutating func flowCount(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Int? {
        switch node.value {
        case .float(let value)?:
            guard value.isFinite, let truncated = Int(exactly: value.rounded(.towardZero)) else {
                error(.invalidValue, "\(what()) is \(PythonFloat.repr(value)), which Selinon cannot write into the workers' start-up code "
                      + "(they would fail to start)", at: node, hint: "use a non-negative integer")
                return nil
            }
            warning(.wrongType, "\(what()) is the float \(PythonFloat.repr(value)); Selinon truncates it to \(truncated)", at: node,
                    hint: "write \(max(truncated, 0))")
            return truncated
        case .int(let integer)? where integer.description.hasPrefix("-") && integer.intValue != nil:
            warning(.invalidValue, "\(what()) is negative (\(integer)); Selinon keeps it, and it acts as 0", at: node, hint: "write 0")
            return integer.intValue
        default:
            return count(node, what())
        }
    }

    /// Whether Python's `bool()` of the value `node` loads as is false.
    static func isFalseInPython(_ node: YAMLNode) -> Bool {
        switch node.content {
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return true
            case .bool(let value): return !value
            case .int(let integer): return integer == .small(0)
            case .float(let value): return value == 0
            case .string(let text): return text.isEmpty
            case .timestamp: return false
            }
        case .sequence(let items): return items.isEmpty
        case .mapping(let pairs): return pairs.isEmpty
        }
    }

    /// A number (for `throttling` components).
    mutating func number(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Double? {
        switch node.value {
        case .int(let integer)?: return Double(integer.description)
        case .float(let value)?: return value
        case .bool(let value)?: return value ? 1 : 0
        default:
            let quotedNumber = node.string.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } != nil
            error(.wrongType, "\(what()) must be a number, found \(describe(node))", at: node,
                  hint: quotedNumber ? "remove the quotes: \(node.string!.trimmingCharacters(in: .whitespaces))" : "write a number, such as 2.5")
            return nil
        }
    }

    /// A node name or a list of node names (`to`, `nowait`, failure `nodes`, …), each with the
    /// node it came from.
    mutating func names(_ node: YAMLNode, _ what: @autoclosure () -> String) -> [(name: String, node: YAMLNode)] {
        let items = node.sequence.map(Array.init) ?? [node]
        var result: [(String, YAMLNode)] = []
        for item in items {
            if let name = string(item, "each name in \(what())") { result.append((name, item)) }
        }
        return result
    }

    /// A value passed through uninterpreted; `nil` when its aliases expand past the file's walk
    /// budget, reported once per file, at the value that uses them.
    mutating func configValue(_ node: YAMLNode) -> ConfigValue? {
        do {
            return try ConfigValue.make(from: node, budget: &budget)
        } catch {
            if !diagnostics.contains(where: { $0.code == .yamlLimit }) {
                self.error(.yamlLimit, "this value's aliases expand the file past \(budget.limit) nodes "
                    + "(an alias bomb?)", at: node, hint: "reduce the use of aliases here")
            }
            return nil
        }
    }

    /// Spends the walk budget on one node; false (with a diagnostic) when it is exhausted.
    mutating func spend(_ node: YAMLNode) -> Bool {
        do {
            try budget.spend(at: node.mark)
            return true
        } catch {
            if !diagnostics.contains(where: { $0.code == .yamlLimit }) {
                self.error(.yamlLimit, error.message, at: node, hint: "write the value without aliases that repeat it this many times")
            }
            return false
        }
    }

    /// Expands `{VAR}` placeholders; reports a failure at `node`.
    mutating func expandEnvironment(_ template: String, at node: YAMLNode, _ what: @autoclosure () -> String) -> String? {
        switch EnvironmentExpansion.expand(template, environment: environment) {
        case .success(let value):
            return value
        case .failure(let failure):
            let code: ConfigDiagnostic.Code = switch failure {
            case .missingVariable, .notUTF8: .environmentVariable
            default: .invalidValue
            }
            let hint = if case .notUTF8 = failure { "give the variable a UTF-8 value in the environment of every worker, or write the value literally" }
                else { "set the variable in the environment of every worker, or write the value literally" }
            error(code, "cannot expand \(what()) '\(template)': \(failure.message)", at: node, hint: hint)
            return nil
        }
    }

    /// A `throttling` mapping (`timedelta` keyword arguments); any value Python reads as false
    /// (null, `false`, `0`, `''`, `[]`, `{}`) means none, as Selinon's `if not throttling` does.
    mutating func throttling(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Throttling? {
        if Self.isFalseInPython(node) { return nil }
        guard let pairs = mapping(node, "\(what()) 'throttling'") else { return nil }
        if pairs.isEmpty { return nil }
        let factors: [String: Double] = [
            "weeks": 604_800, "days": 86_400, "hours": 3_600, "minutes": 60, "seconds": 1,
            "milliseconds": 0.001, "microseconds": 0.000_001,
        ]
        let known = ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"]
        checkKeys(pairs, known: known, in: "\(what()) 'throttling'")
        var seconds = 0.0
        var valid = true
        for pair in pairs {
            guard let key = pair.key.string, let factor = factors[key],
                  let value = number(pair.value, "throttling '\(key)' of \(what())")
            else { continue }
            guard value.isFinite else {
                // Selinon builds a datetime.timedelta, which raises on these: its workers would not start.
                error(.invalidValue, "throttling '\(key)' of \(what()) is \(pair.value.scalar?.text ?? String(value)); Python's timedelta "
                      + "raises an error on it, so Selinon cannot load the configuration", at: pair.value,
                      hint: "write a finite number: \(key): 10")
                valid = false
                continue
            }
            seconds += value * factor
        }
        // timedelta's range: from -999,999,999 days to 999,999,999 days, 23:59:59.999999.
        let limit = 999_999_999.0 * 86_400
        if valid && !(-limit <= seconds && seconds < limit + 86_400) {
            error(.invalidValue, "\(what()) 'throttling' adds up to beyond ±999999999 days, more than Python's timedelta holds "
                  + "(OverflowError), so Selinon cannot load the configuration", at: node, hint: "throttle for a shorter time")
            valid = false
        }
        return valid ? Throttling(seconds: seconds) : nil
    }

    /// A `cache` mapping (`name`, `import`, `configuration`, each defaulted separately).
    mutating func cache(_ node: YAMLNode, _ what: @autoclosure () -> String) -> CacheSettings? {
        guard let pairs = mapping(node, "\(what()) 'cache'") else { return nil }
        checkKeys(pairs, known: ["name", "import", "configuration"], in: "\(what()) 'cache'")
        var cache = CacheSettings()
        if let name = node["name"], let text = string(name, "cache 'name' of \(what())") {
            cache.name = text
            // Also part of the cache's variable name (_cache_OWNER_NAME): no spaces around it.
            checkPythonName(text, exact: true, at: name, "cache 'name' of \(what())")
        }
        if let module = node["import"], let text = string(module, "cache 'import' of \(what())") {
            cache.importPath = text
            checkPythonName(text, module: true, at: module, "cache 'import' of \(what())")
        }
        if let configuration = node["configuration"] {
            if configuration.mapping == nil {
                error(.wrongType, "cache 'configuration' of \(what()) must be a mapping, found \(describe(configuration))",
                      at: configuration, hint: Self.mappingHint(for: configuration))
            } else if let value = configValue(configuration) {
                cache.configuration = value
                checkArgumentsInStartupCode(value, at: configuration, "cache 'configuration' of \(what())")
            }
        }
        if cache.importPath == "selinon.caches" { checkBuiltinCache(cache, node: node, what()) }
        return cache
    }

    /// The classes of `selinon.caches`; each takes exactly `max_cache_size`.
    static let builtinCaches = ["FIFO", "LIFO", "LRU", "MRU", "RR"]

    /// A cache of `selinon.caches`: the workers' start-up code imports the class and calls it
    /// with the configuration as keyword arguments, so an unknown class (ImportError) or another
    /// argument than `max_cache_size` (TypeError) stops every worker.
    private mutating func checkBuiltinCache(_ cache: CacheSettings, node: YAMLNode, _ what: String) {
        guard Self.builtinCaches.contains(cache.name) else {
            error(.invalidValue, "there is no cache class '\(cache.name)' in selinon.caches (\(Self.builtinCaches.joined(separator: ", "))): "
                    + "Selinon's workers fail to start (ImportError)",
                  at: node["name"] ?? node, hint: NameSuggestion.hint(for: cache.name, in: Self.builtinCaches))
            return
        }
        guard case .mapping(let entries) = cache.configuration else { return }
        let given = entries.map(\.key)
        if given == ["max_cache_size"], let size = entries.first?.value {
            // Each class begins with `assert max_cache_size >= 0`: a negative number fails it, a value that is no number cannot be compared.
            let failure: String? = switch size {
            case .bool: nil
            case .integer(.small(let value)): value < 0 ? "AssertionError" : nil
            case .integer(.big(let digits)): digits.hasPrefix("-") ? "AssertionError" : nil
            case .float(let value): value.isNaN ? nil : value < 0 ? "AssertionError" : nil
            default: "TypeError"
            }
            guard let failure else { return }
            let sizeNode = node["configuration"]?["max_cache_size"]
            error(.invalidValue, "'max_cache_size' of cache class '\(cache.name)' is \(sizeNode.map(describe) ?? size.displayText), not a number "
                    + "of 0 or more: Selinon's workers fail to start (\(failure))",
                  at: sizeNode ?? node, hint: "configuration: {max_cache_size: 100}")
            return
        }
        guard given != ["max_cache_size"] else { return }
        let extra = given.filter { $0 != "max_cache_size" }
        error(.invalidValue, "cache class '\(cache.name)' of selinon.caches takes exactly 'max_cache_size'"
                + (given.contains("max_cache_size") ? "" : "; it is missing")
                + (extra.isEmpty ? "" : "; unexpected \(extra.map { "'\($0)'" }.joined(separator: ", "))")
                + ": Selinon's workers fail to start (TypeError)",
              at: node["configuration"] ?? node, hint: "configuration: {max_cache_size: 100}")
    }
}

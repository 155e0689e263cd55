import YAMLTree

/// What Selinon's generated worker start-up module can hold. Selinon 1.4 writes the
/// configuration into Python source (`System.dump2stream`, executed by every worker as it
/// starts) without escaping: names after `from … import … as …`, strings between single
/// quotes as they are (`'%s'`), storage and cache settings as keyword arguments, condition
/// arguments with Python's `str()`. A value that breaks that source passes Selinon's own
/// validation, and then no worker starts. Each function returns why a value breaks it, or `nil`.
enum StartupCode {
    /// `text` pasted between single quotes (queues, output schemas, storage task names, top-level
    /// string settings): a quote or line break ends the literal, and a backslash starts an escape
    /// that must be complete.
    static func quotedProblem(_ text: String) -> String? {
        // Nearly every value holds none of the characters that matter: no copy for those.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") || $0 == 0x0A || $0 == 0x0D || $0 == 0 })
        else { return nil }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func hexDigits(_ count: Int, after start: Int) -> UInt32? {
            guard start + count <= scalars.count else { return nil }
            var value: UInt32 = 0
            for scalar in scalars[start..<start + count] {
                guard let digit = Int(String(scalar), radix: 16) else { return nil }
                value = value * 16 + UInt32(digit)
            }
            return value
        }
        while index < scalars.count {
            switch scalars[index] {
            case "'": return "holds a single quote (')"
            case "\n", "\r": return "holds a line break (a block scalar keeps one at its end unless written |- or >-)"
            case "\u{0}": return "holds a NUL character"
            case "\\":
                guard index + 1 < scalars.count else { return "ends with a backslash, which would escape the closing quote" }
                let escape = scalars[index + 1]
                switch escape {
                case "x", "u", "U":
                    let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                    guard let value = hexDigits(width, after: index + 2), value <= 0x10FFFF else {
                        return "holds '\\\(escape)' without \(width) hex digits of a code point, which Python cannot read"
                    }
                    index += 2 + width
                case "N":
                    guard index + 2 < scalars.count, scalars[index + 2] == "{",
                          let close = scalars[(index + 3)...].firstIndex(of: "}"), close > index + 3 else {
                        return "holds '\\N' without a character name in braces, which Python cannot read"
                    }
                    index = close + 1
                default:
                    index += 2
                }
            default:
                index += 1
            }
        }
        return nil
    }

    /// A name Selinon writes as Python code (a class, a function, an import alias): an
    /// identifier that is not a keyword, by Python's rule (`str.isidentifier`: the first
    /// character XID_Start or `_`, the others XID_Continue, so `A²` or `t😀` is none). Spaces
    /// around it are allowed unless the name is also part of a longer one (`exact`).
    static func nameProblem(_ text: String, exact: Bool = false) -> String? {
        // The common case, a plain ASCII name, without copies.
        if let first = text.utf8.first, first == UInt8(ascii: "_") || PythonNames.isASCIILetter(first),
           text.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || PythonNames.isASCIILetter($0) || (0x30...0x39).contains($0) }) {
            return PythonNames.unbindableReason(text)
        }
        let trimmed = exact ? text : trimmed(text)
        guard let first = trimmed.unicodeScalars.first else { return "is empty" }
        if let reason = PythonNames.unbindableReason(trimmed) { return reason }
        if !(first == "_" || first.properties.isXIDStart) {
            return "starts with \(Self.shown(first)), which a Python name cannot"
        }
        if let bad = trimmed.unicodeScalars.dropFirst().first(where: { !$0.properties.isXIDContinue }) {
            return "holds \(Self.shown(bad)), which a Python name cannot"
        }
        return nil
    }

    /// A module path after `from`: names separated by dots (leading dots for a relative import).
    static func modulePathProblem(_ text: String) -> String? {
        // The common case, dotted plain ASCII names, without copies.
        if text.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || PythonNames.isASCIILetter($0) || (0x30...0x39).contains($0) }),
           text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy({ part in
               part.first.map { !(0x30...0x39).contains($0) } ?? false
           }) {
            return text.split(separator: ".").contains { PythonNames.keywords.contains(String($0)) } ? slowModulePathProblem(text) : nil
        }
        return slowModulePathProblem(text)
    }

    /// A character as a message shows it: itself, with its code point when it is not ASCII
    /// (`'²' (U+00B2)`), as Python's own error does.
    private static func shown(_ scalar: Unicode.Scalar) -> String {
        guard !scalar.isASCII else { return "'\(scalar)'" }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "'\(scalar)' (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))"
    }

    private static func slowModulePathProblem(_ text: String) -> String? {
        // By scalars: a dot followed by a combining mark is one Character, and still a dot.
        let parts = trimmed(text).unicodeScalars.split(separator: ".", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        let leadingDots = parts.prefix { $0.isEmpty }.count
        let names = parts.dropFirst(leadingDots)
        guard !names.isEmpty || leadingDots > 0 else { return "is empty" }
        for name in names {
            if let problem = nameProblem(name) {
                return name.isEmpty ? "is not a dotted module path" : "is not a module path: '\(trimmed(name))' \(problem)"
            }
        }
        return nil
    }

    /// A value Selinon writes with `expr2str` as an argument: a string between quotes, a list
    /// or mapping as Python's `repr`, anything else with `str()`.
    static func expressionProblem(_ value: ConfigValue) -> String? {
        switch value {
        case .string(let text): return quotedProblem(text)
        case .timestamp:
            return "is a YAML timestamp, which Selinon writes unquoted (2001-12-14 is read as the number 1975, a time is a syntax error)"
        default: return nonFiniteProblem(value) ?? nestingProblem(value)
        }
    }

    /// The most lists and mappings a value written as a call's argument may nest: Python's
    /// parser stops at 200 nested brackets ("too many nested parentheses"), and the call's own
    /// parentheses are one of them.
    static let maximumNesting = 199

    /// A list or mapping nested deeper than ``maximumNesting``.
    static func nestingProblem(_ value: ConfigValue) -> String? {
        func depth(_ value: ConfigValue) -> Int {
            switch value {
            case .list(let items): return 1 + (items.lazy.map(depth).max() ?? 0)
            case .mapping(let entries): return 1 + (entries.lazy.map { depth($0.value) }.max() ?? 0)
            default: return 0
            }
        }
        let levels = depth(value)
        guard levels > maximumNesting else { return nil }
        return "nests lists and mappings \(levels) levels deep, where Python compiles at most \(maximumNesting) inside a call "
            + "(SyntaxError: too many nested parentheses)"
    }

    /// Keyword arguments written with `dict2strkwargs` (`key=value, …`): storage and cache
    /// settings, sampling arguments. Returns each key whose entry breaks the code, and why.
    static func keywordArgumentsProblems(_ value: ConfigValue) -> [(key: String, problem: String)] {
        guard case .mapping(let entries) = value else { return [] }
        return entries.compactMap { entry in
            if let problem = nameProblem(entry.key) { return (entry.key, "the key '\(entry.key)' \(problem), so it cannot name a keyword argument") }
            return expressionProblem(entry.value).map { (entry.key, "'\(entry.key)' \($0)") }
        }
    }

    /// Infinity and NaN anywhere in a value: Python writes them as `inf` and `nan`, names the
    /// generated code does not define.
    static func nonFiniteProblem(_ value: ConfigValue) -> String? {
        switch value {
        case .float(let number) where !number.isFinite:
            return "holds \(PythonFloat.repr(number)), which Python writes as a name the generated code does not define (NameError)"
        case .list(let items): return items.lazy.compactMap(nonFiniteProblem).first
        case .mapping(let entries): return entries.lazy.compactMap { nonFiniteProblem($0.value) }.first
        default: return nil
        }
    }

    /// A condition argument: the edge's `condition_str` is `str()` of the whole predicate with
    /// every `'` turned into `\'`, between single quotes, so a string argument's own quotes,
    /// backslashes and line breaks must survive that; a string inside a list or mapping is
    /// written with `repr`, which escapes a quote when the text holds both kinds. (The condition
    /// itself is generated through Python's AST, which spells an infinity or NaN argument as an
    /// expression — but not one inside a list or mapping, which it writes with `repr`.)
    static func conditionArgumentProblem(_ value: ConfigValue) -> String? {
        switch value {
        case .float: return nil
        case .list, .mapping: if let problem = nonFiniteProblem(value) ?? nestingProblem(value) { return problem }
        default: break
        }
        switch value {
        case .string(let text):
            // Its quotes are escaped: only a backslash, a line break or NUL can break the literal.
            guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else { return nil }
            let escaped = "\\'" + text.replacingOccurrences(of: "'", with: "\\'") + "\\'"
            guard let problem = quotedProblem(escaped) else { return nil }
            return problem.hasPrefix("holds a single quote") ? "holds a backslash before a quote or at its end" : problem
        default:
            return bothQuotesProblem(value)
        }
    }

    private static func bothQuotesProblem(_ value: ConfigValue) -> String? {
        func holdsBoth(_ text: String) -> Bool { text.contains("'") && text.contains("\"") }
        switch value {
        case .string(let text) where holdsBoth(text):
            return "holds a string with both quote characters in a list or mapping (Python's repr escapes the quote with a backslash)"
        case .list(let items): return items.lazy.compactMap(bothQuotesProblem).first
        case .mapping(let entries):
            return entries.lazy.compactMap { holdsBoth($0.key) ? bothQuotesProblem(.string($0.key)) : bothQuotesProblem($0.value) }.first
        default: return nil
        }
    }

    private static func trimmed(_ text: String) -> String {
        String(text.unicodeScalars.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
            .map(Character.init))
    }
}

extension FileReader {
    /// The hint of every start-up code error.
    private static let startupHint = "Selinon copies this value into the Python module its workers run at start-up"

    /// Reports `text`, which Selinon writes between single quotes, when it breaks the start-up module.
    mutating func checkQuotedInStartupCode(_ text: String, at node: YAMLNode, _ what: @autoclosure () -> String) {
        guard let problem = StartupCode.quotedProblem(text) else { return }
        error(.workerStartup, "\(what()) \(problem); Selinon writes it between quotes into its workers' start-up code, "
              + "which then does not compile (no worker starts)", at: node, hint: Self.startupHint + " as it is")
    }

    /// Reports `text`, which Selinon writes as a Python name (`module` for a module path).
    mutating func checkPythonName(_ text: String, module: Bool = false, exact: Bool = false, at node: YAMLNode,
                                  _ what: @autoclosure () -> String) {
        guard let problem = module ? StartupCode.modulePathProblem(text) : StartupCode.nameProblem(text, exact: exact) else { return }
        error(.workerStartup, "\(what()) '\(text)' \(problem); Selinon writes it into an import in its workers' start-up code, "
              + "which then does not compile (no worker starts)", at: node,
              hint: module ? "write the module's dotted path, e.g. myapp.tasks" : "write the Python name, e.g. MyTask")
    }

    /// Reports settings written as keyword arguments (a mapping) or as one argument.
    mutating func checkArgumentsInStartupCode(_ value: ConfigValue, at node: YAMLNode, _ what: @autoclosure () -> String) {
        if case .mapping = value {
            for (key, problem) in StartupCode.keywordArgumentsProblems(value) {
                let at = node.mapping?.first { $0.key.string == key }.map { $0.value } ?? node
                    error(.workerStartup, "\(what()): \(problem); Selinon writes these settings as keyword arguments into its "
                      + "workers' start-up code, which then fails (no worker starts)", at: at, hint: Self.startupHint + " as code")
            }
        } else if let problem = StartupCode.expressionProblem(value) {
            error(.workerStartup, "\(what()) \(problem); Selinon writes it into its workers' start-up code, which then fails "
                  + "(no worker starts)", at: node, hint: Self.startupHint + " as code")
        }
    }
}

/// Names Selinon's generated start-up code imports from more than one module.
enum StartupImports {
    /// Each item whose `name` an earlier item imported from another `module`, with that earlier
    /// item: in the start-up code the later import replaces the earlier one.
    static func importedTwice<Item>(_ items: [Item], name: (Item) -> String, module: (Item) -> String) -> [(item: Item, first: Item)] {
        var firsts: [String: Item] = [:]
        var result: [(item: Item, first: Item)] = []
        for item in items {
            guard let first = firsts[name(item)] else {
                firsts[name(item)] = item
                continue
            }
            if module(first) != module(item) { result.append((item, first)) }
        }
        return result
    }
}

/// The signatures of the predicates in Selinon 1.4's built-in module `selinon.predicates`, which
/// a port that cannot import Python must know to check conditions as Selinon does.
public struct PredicateSignature: Sendable, Hashable {
    /// The predicate's name.
    public var name: String
    /// The parameters that must be given in `args`, in signature order.
    public var parameters: [String]
    /// Whether the predicate reads the stored result of a node (its signature has `message`).
    public var readsResult: Bool

    /// The signature of predicate `name`.
    public init(name: String, parameters: [String], readsResult: Bool) {
        self.name = name
        self.parameters = parameters
        self.readsResult = readsResult
    }
}

/// The built-in predicates of Selinon 1.4 (`selinon.predicates`), with their quirks.
public enum PredicateCatalog {
    /// Every usable built-in predicate by name.
    public static let builtins: [String: PredicateSignature] = {
        var table: [String: PredicateSignature] = [:]
        func add(_ name: String, _ parameters: [String], readsResult: Bool) {
            table[name] = PredicateSignature(name: name, parameters: parameters, readsResult: readsResult)
        }
        add("alwaysTrue", [], readsResult: false)
        add("alwaysFalse", [], readsResult: false)
        add("envExist", ["env"], readsResult: false)
        add("envEqual", ["env", "value"], readsResult: false)
        add("httpStatus", ["host", "path", "status"], readsResult: false)
        add("empty", [], readsResult: true)
        add("argsEmpty", [], readsResult: false)
        for type in ["Bool", "Dict", "Float", "Int", "List", "None", "Str"] {
            add("is\(type)", [], readsResult: true)
            add("argsIs\(type)", [], readsResult: false)
            add("field\(type)", ["key"], readsResult: true)
            add("argsField\(type)", ["key"], readsResult: false)
        }
        let families: [(suffixes: [String], parameters: [String])] = [
            (["Exist"], ["key"]),
            (["Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual", "Contain"], ["key", "value"]),
            (["LenEqual", "LenNotEqual", "LenGreater", "LenGreaterEqual", "LenLess"], ["key", "length"]),
            (["UrlScheme"], ["key", "scheme"]),
            (["UrlNetloc"], ["key", "netloc"]),
            (["UrlPath"], ["key", "path"]),
        ]
        for family in families {
            for suffix in family.suffixes {
                add("field\(suffix)", family.parameters, readsResult: true)
                add("argsField\(suffix)", family.parameters, readsResult: false)
            }
        }
        return table
    }()

    /// Names that exist in Selinon 1.4's module but resolve to sub-modules, not functions, so a
    /// configuration using them fails to load in Selinon.
    public static let unusable: Set<String> = ["fieldLenLessEqual", "argsFieldLenLessEqual"]

    /// Names whose Selinon 1.4 implementation computes something else than the name says.
    public static let misleading: [String: String] = [
        "fieldLenGreaterEqual": "Selinon 1.4 binds this name to an implementation of len <= length, not >=",
        "argsFieldLenGreaterEqual": "Selinon 1.4 binds this name to an implementation of len <= length, not >=",
    ]
}

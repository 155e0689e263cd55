import Foundation

/// Expands `{VARIABLE}` placeholders from the environment the way Selinon does with Python's
/// `str.format(**os.environ)`: `{{` and `}}` stand for literal braces.
///
/// Only named placeholders are supported; Python's attribute, index, conversion and format-spec
/// forms (`{HOME[0]}`, `{X!r}`, `{X:>8}`) are rejected as unsupported rather than imitated.
enum EnvironmentExpansion {
    /// Why a template cannot be expanded.
    enum Failure: Error, Equatable {
        case missingVariable(String)
        /// The variable's value in this process is not UTF-8: read as UTF-8 it would name
        /// another path than the one Selinon's workers (Python) expand it to.
        case notUTF8(String)
        case positionalField(String)
        case unsupportedField(String)
        case singleOpeningBrace
        case singleClosingBrace

        var message: String {
            switch self {
            case .missingVariable(let name): return "environment variable '\(name)' is not set"
            case .notUTF8(let name):
                return "environment variable '\(name)' holds bytes that are not valid UTF-8, so selinon-migrate cannot read "
                    + "the value Selinon's workers expand it to"
            case .positionalField(let field): return "'{\(field)}' is a positional placeholder; Selinon expands only named environment variables"
            case .unsupportedField(let field): return "'{\(field)}' uses Python format syntax beyond a plain variable name"
            case .singleOpeningBrace: return "a single '{' without a closing '}' (write '{{' for a literal brace)"
            case .singleClosingBrace: return "a single '}' (write '}}' for a literal brace)"
            }
        }
    }

    static func expand(_ template: String, environment: [String: String]) -> Result<String, Failure> {
        var output = ""
        var characters = template[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            switch character {
            case "{":
                if characters.first == "{" {
                    characters = characters.dropFirst()
                    output.append("{")
                    continue
                }
                guard let close = characters.firstIndex(of: "}") else { return .failure(.singleOpeningBrace) }
                let field = String(characters[..<close])
                characters = characters[characters.index(after: close)...]
                if field.isEmpty || field.allSatisfy(\.isNumber) { return .failure(.positionalField(field)) }
                guard PythonNames.isValidNodeName(field) else { return .failure(.unsupportedField(field)) }
                guard let value = environment[field] else { return .failure(.missingVariable(field)) }
                // Foundation reads such a value with U+FFFD in place of the bytes it cannot decode.
                if value.contains("\u{FFFD}"), let raw = getenv(field), String(validatingCString: raw) == nil {
                    return .failure(.notUTF8(field))
                }
                output += value
            case "}":
                guard characters.first == "}" else { return .failure(.singleClosingBrace) }
                characters = characters.dropFirst()
                output.append("}")
            default:
                output.append(character)
            }
        }
        return .success(output)
    }
}

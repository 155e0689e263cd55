/// Python's rules for the names Selinon puts into generated Python code.
package enum PythonNames {
    /// Selinon's node-name pattern `^[_a-zA-Z][_a-zA-Z0-9]*$`, without Python's `$` quirk that
    /// also accepts one trailing newline (such a name breaks Selinon's worker start-up).
    package static func isValidNodeName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isASCIILetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isASCIILetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// Whether Python holds the two names equal: it compares strings code point by code point,
    /// while Swift's `==` also equates canonically equivalent ones ("ö" as one code point, and
    /// "o" followed by a combining diaeresis). Names that may hold any text (storages) are
    /// compared with this, so that a configuration Selinon rejects is not called valid.
    package static func same(_ lhs: String, _ rhs: String) -> Bool {
        lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars)
    }

    static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    /// Python 3's reserved words: a task class cannot be imported under such a name.
    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
        "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
        "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// Why Python cannot bind `name` (as the alias of an import, a class or a function name) —
    /// a keyword, or `__debug__`, which is no keyword yet cannot be assigned (`SyntaxError:
    /// cannot assign to __debug__`) — or `nil` when it can.
    static func unbindableReason(_ name: String) -> String? {
        if keywords.contains(name) { return "is a Python keyword" }
        if name == "__debug__" { return "is Python's __debug__, which no import can bind" }
        return nil
    }
}

/// "Did you mean …?" for misspelled keys and names (and, in the command-line tool, commands).
package enum NameSuggestion {
    /// Known misspellings that edit distance does not catch or that Selinon's own documentation
    /// uses.
    static let knownAliases: [String: String] = [
        "storage_read_only": "storage_readonly",
        "flow_definitions": "flow-definitions",
        "flowdefinitions": "flow-definitions",
    ]

    /// The candidate closest to `name`, if it is close enough to be a likely typo; of equally
    /// close candidates the first in code-point order, so the same input always gets the same
    /// suggestion (candidates often come from a set).
    package static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        if let alias = knownAliases[name], candidates.contains(alias) { return alias }
        let lowered = name.lowercased()
        let limit = max(1, min(3, name.count / 3))
        let length = lowered.count
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            // Lengths further apart than the limit are further apart in edits too: no table (a
            // name of 10,000 characters would cost a table of that many rows per candidate).
            let known = candidate.lowercased()
            guard abs(known.count - length) <= limit else { continue }
            let distance = editDistance(lowered, known, limit: limit)
            if let current = best, distance > current.distance || (distance == current.distance && current.candidate.unicodeScalars.lexicographicallyPrecedes(candidate.unicodeScalars)) {
                continue
            }
            best = (candidate, distance)
        }
        if let best, best.distance <= limit { return best.candidate }
        // A known key cut short or extended ("migration_directory" for "migration_dir").
        return candidates.filter { candidate in
            let known = candidate.lowercased()
            return min(known.count, lowered.count) >= 4 && (lowered.hasPrefix(known) || known.hasPrefix(lowered))
        }.min { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }

    /// Edit distance over characters where swapping two neighbours counts as one edit
    /// (optimal string alignment), so "Fecth" is one edit from "Fetch" — exact up to `limit`,
    /// and `limit + 1` for anything further. Only cells within `limit` of the diagonal are
    /// computed, three rows at a time: two names of 30,000 characters cost 30,000 × 7 cells,
    /// not a table of 900 million.
    static func editDistance(_ lhs: String, _ rhs: String, limit: Int) -> Int {
        let left = Array(lhs), right = Array(rhs)
        let beyond = limit + 1
        guard abs(left.count - right.count) <= limit else { return beyond }
        guard !left.isEmpty, !right.isEmpty else { return min(max(left.count, right.count), beyond) }
        // Rows i-2, i-1 and i of the table, columns 0...right.count; cells off the band stay `beyond`.
        var older = [Int](repeating: beyond, count: right.count + 1)
        var previous = [Int](repeating: beyond, count: right.count + 1)
        var current = [Int](repeating: beyond, count: right.count + 1)
        for j in 0...min(limit, right.count) { previous[j] = j }
        for i in 1...left.count {
            // The array last held row i-3: of its cells, only the one left of the band is read.
            let low = max(1, i - limit)
            current[low - 1] = low == 1 && i <= limit ? i : beyond
            var rowMinimum = current[low - 1]
            for j in low...min(right.count, i + limit) {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, left[i - 1] == right[j - 2], left[i - 2] == right[j - 1] {
                    value = min(value, older[j - 2] + 1)
                }
                current[j] = min(value, beyond)
                rowMinimum = min(rowMinimum, current[j])
            }
            // Every path to the end crosses this row: past the limit here, past it at the end.
            if rowMinimum >= beyond { return beyond }
            (older, previous, current) = (previous, current, older)
        }
        return previous[right.count]
    }

    /// `did you mean 'x'?` or an empty string.
    static func hint(for name: String, in candidates: some Sequence<String>) -> String {
        if let twin = candidates.first(where: { $0 == name && !PythonNames.same($0, name) }) {
            return "it differs from '\(twin)' only in how an accented letter is encoded (one code point, or a letter and a "
                + "combining mark): Selinon compares names code point by code point, so type both the same way"
        }
        return closest(to: name, in: candidates).map { "did you mean '\($0)'?" } ?? ""
    }
}

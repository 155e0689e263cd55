/// Python's rules for the names Selinon puts into generated Python code.
enum PythonNames {
    /// Selinon's node-name pattern `^[_a-zA-Z][_a-zA-Z0-9]*$`, without Python's `$` quirk that
    /// also accepts one trailing newline (such a name breaks Selinon's worker start-up).
    static func isValidNodeName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isASCIILetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isASCIILetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
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
}

/// "Did you mean …?" for misspelled keys and names.
enum NameSuggestion {
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
    static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
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
            let distance = editDistance(lowered, known)
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
    /// (optimal string alignment), so "Fecth" is one edit from "Fetch".
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs), right = Array(rhs)
        guard !left.isEmpty else { return right.count }
        guard !right.isEmpty else { return left.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: right.count + 1), count: left.count + 1)
        for i in 0...left.count { table[i][0] = i }
        for j in 0...right.count { table[0][j] = j }
        for i in 1...left.count {
            for j in 1...right.count {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, left[i - 1] == right[j - 2], left[i - 2] == right[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[left.count][right.count]
    }

    /// `did you mean 'x'?` or an empty string.
    static func hint(for name: String, in candidates: some Sequence<String>) -> String {
        closest(to: name, in: candidates).map { "did you mean '\($0)'?" } ?? ""
    }
}

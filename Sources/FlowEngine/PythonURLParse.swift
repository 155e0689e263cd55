import Foundation

/// The parts of a URL that Selinon's URL predicates (`fieldUrlScheme`, `fieldUrlNetloc`,
/// `fieldUrlPath` and their `args` forms) compare, split as Python 3.11's
/// `urllib.parse.urlparse` splits them — code point by code point, as Python strings are.
enum PythonURLParse {
    /// The scheme (lower-cased), the network location (verbatim: user info and port included) and
    /// the path (without `;params` where the scheme uses them, the query and the fragment).
    case parts(scheme: String, netloc: String, path: String)
    /// `urlparse` raises `ValueError` (unbalanced brackets in the network location, or characters
    /// that NFKC normalisation turns into URL delimiters); the predicates then return false.
    case raises
    /// A bracketed host (`http://[::1]/`): Python checks it as an IP address in ways that differ
    /// between versions, so the outcome is not decided here.
    case undecided

    /// Schemes whose paths carry `;params` (Python's `uses_params`).
    private static let usesParams: Set<String> = [
        "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtspu", "sip", "sips", "mms", "sftp", "tel",
    ]

    init(_ text: String) {
        // Leading C0 controls and spaces are stripped, tabs and line breaks removed anywhere.
        var url = Array(text.unicodeScalars.drop { $0.value <= 0x20 })
        url.removeAll { $0 == "\t" || $0 == "\r" || $0 == "\n" }

        var scheme: [Unicode.Scalar] = []
        if let colon = url.firstIndex(of: ":"), colon > 0, Self.isASCIILetter(url[0]),
           url[..<colon].allSatisfy({ Self.isASCIILetter($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) }) {
            scheme = url[..<colon].map { Self.isASCIILetter($0) ? Unicode.Scalar($0.value | 0x20)! : $0 }
            url.removeSubrange(...colon)
        }
        var netloc: [Unicode.Scalar] = []
        if url.starts(with: ["/", "/"]) {
            let end = url[2...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.count
            netloc = Array(url[2..<end])
            url.removeSubrange(..<end)
            let opens = netloc.contains("["), closes = netloc.contains("]")
            if opens != closes {
                self = .raises
                return
            }
            if opens {
                self = .undecided
                return
            }
        }
        if let hash = url.firstIndex(of: "#") { url.removeSubrange(hash...) }
        if let question = url.firstIndex(of: "?") { url.removeSubrange(question...) }
        if Self.failsNFKCCheck(netloc) {
            self = .raises
            return
        }
        let schemeText = Self.string(scheme)
        if Self.usesParams.contains(schemeText), url.contains(";") {
            // Python's _splitparams: the ';' after the last '/', if any; else the first.
            if let slash = url.lastIndex(of: "/") {
                if let semicolon = url[slash...].firstIndex(of: ";") { url.removeSubrange(semicolon...) }
            } else if let semicolon = url.firstIndex(of: ";") {
                url.removeSubrange(semicolon...)
            }
        }
        self = .parts(scheme: schemeText, netloc: Self.string(netloc), path: Self.string(url))
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func string(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Python's _checknetloc: a non-ASCII network location that NFKC normalisation changes must
    /// not gain '/', '?', '#', '@' or ':' (as `℀`, which becomes `a/c`).
    private static func failsNFKCCheck(_ netloc: [Unicode.Scalar]) -> Bool {
        guard netloc.contains(where: { !$0.isASCII }) else { return false }
        let stripped = netloc.filter { !"@:#?".unicodeScalars.contains($0) }
        let normalized = Array(string(stripped).precomposedStringWithCompatibilityMapping.unicodeScalars)
        return normalized != stripped && normalized.contains { "/?#@:".unicodeScalars.contains($0) }
    }
}

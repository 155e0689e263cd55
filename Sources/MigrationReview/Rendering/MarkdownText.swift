import FlowConfig

/// Markdown for text of any content (node and flow names, condition values, paths): code spans
/// whose fence is longer than any run of backticks inside them, inline text with Markdown's
/// punctuation escaped, and the plain reading of text that holds code spans.
package enum MarkdownText {
    /// `text` as one code span, shown exactly as it is: the fence is one backtick longer than
    /// the longest run of backticks in `text`, and padded with spaces where `text` starts or
    /// ends with a backtick (CommonMark strips one space at each end). Line breaks and other
    /// control characters are shown escaped (`\n`, `\u{1B}`): a blank line would end the span
    /// and let the rest be read as Markdown — text from a pull request's files must not.
    package static func codeSpan(_ text: String) -> String {
        let text = visibleControls(text)
        var longest = 0, run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let padded = text.hasPrefix("`") || text.hasSuffix("`") || (text.hasPrefix(" ") && text.hasSuffix(" ")) ? " \(text) " : text
        return fence + padded + fence
    }

    /// `text` cut after `limit` Unicode scalars, with `…` — by scalars, not characters: one
    /// character can carry any number of combining marks.
    static func cut(_ text: String, afterScalars limit: Int) -> String {
        guard text.unicodeScalars.count > limit else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) + "…"
    }

    /// `text` with line breaks and other control characters written as Swift writes them in a
    /// string literal (`\n`, `\r`, `\t`, `\u{1B}`); other text unchanged.
    /// `keepingLineBreaks`: `\n` stays a line break (for text made of lines).
    static func visibleControls(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !(keepingLineBreaks && $0 == "\n") }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where keepingLineBreaks: result.unicodeScalars.append(scalar)
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The characters diagnostics show as escapes (``ConfigDiagnostic/actsOrHides(_:)``): in a
    /// review posted as a pull-request comment they would show a name reversed, the rest of its
    /// line out of order, or two different names alike.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { ConfigDiagnostic.actsOrHides(scalar) }

    /// `text` as inline Markdown that shows exactly `text`: every character Markdown could read
    /// as markup (emphasis, code, links, HTML, entities, tables) is escaped with a backslash, and
    /// line breaks and other control characters are shown escaped (`\n`), so that the text stays
    /// on its line (in a table row, a list item). A word GitHub would turn into something else
    /// after Markdown — a mention (`@team`), a link (`https://…`, `www.…`), an issue reference
    /// (`#12`), an emoji (`:+1:`), math (`$x$`) — which no backslash prevents, is a code span.
    package static func escaped(_ text: String) -> String {
        let text = visibleControls(text)
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for (index, word) in text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { result.append(" ") }
            if isRewrittenByGitHub(word) {
                result += codeSpan(String(word))
                continue
            }
            for character in word {
                if Self.markup.contains(character) { result.append("\\") }
                result.append(character)
            }
        }
        return result
    }

    private static let markup: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&", "#", "!"]

    /// Whether GitHub's filters, which read the text after Markdown (outside code), would make
    /// `word` a mention, a link, an issue reference, an emoji or math.
    static func isRewrittenByGitHub(_ word: Substring) -> Bool {
        if word.contains("@") || word.contains("$") || word.contains("://") || word.lowercased().contains("www.") { return true }
        let characters = Array(word)
        for (index, character) in characters.enumerated() where index + 1 < characters.count {
            let next = characters[index + 1]
            // `#12`, `repo#12`, `#name` (GitHub's references), and `:name:` (an emoji).
            if character == "#", next.isLetter || next.isNumber { return true }
            if character == ":", next.isLetter || next.isNumber || next == "+" || next == "-" || next == "_",
               characters[(index + 1)...].dropFirst().contains(":") {
                return true
            }
        }
        return false
    }

    /// `markdown` with its code spans reduced to their content (`` run `a`b` `` → ``run a`b``),
    /// for plain text; everything else is left as it is.
    package static func plain(_ markdown: String) -> String {
        let characters = Array(markdown)
        var result = ""
        var index = 0
        while index < characters.count {
            guard characters[index] == "`" else {
                result.append(characters[index])
                index += 1
                continue
            }
            var fenceEnd = index
            while fenceEnd < characters.count && characters[fenceEnd] == "`" { fenceEnd += 1 }
            let length = fenceEnd - index
            // The closing fence: the next run of exactly as many backticks.
            var search = fenceEnd
            var close: Int?
            while search < characters.count {
                guard characters[search] == "`" else { search += 1; continue }
                var runEnd = search
                while runEnd < characters.count && characters[runEnd] == "`" { runEnd += 1 }
                if runEnd - search == length { close = search; break }
                search = runEnd
            }
            guard let close else {
                result += String(characters[index..<fenceEnd])
                index = fenceEnd
                continue
            }
            var content = characters[fenceEnd..<close]
            if content.count >= 2, content.first == " ", content.last == " ", content.contains(where: { $0 != " " }) {
                content = content.dropFirst().dropLast()
            }
            result += String(content)
            index = close + length
        }
        return result
    }
}

/// Text from flow data (ids, flow names, stored values) shown in a message to people: control
/// and format characters — line breaks, terminal escape sequences, direction marks — written as
/// `\u{…}`, so that a message shows them instead of acting on them.
package enum PrintableText {
    /// `text` with its invisible characters written as `\u{…}`; other text unchanged.
    package static func escaped(_ text: String) -> String {
        guard hasInvisibleCharacters(text) else { return text }
        var shown = ""
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) {
                shown += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    /// Whether ``escaped(_:)`` changes `text`.
    package static func hasInvisibleCharacters(_ text: String) -> Bool { text.unicodeScalars.contains(where: isInvisible) }

    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        [.control, .format, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory)
    }
}

/// "1 flow", "3 flows": a count with its noun in the right number (nouns that take an "s").
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

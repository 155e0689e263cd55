/// The directory part of `path` ("" when it has none, "/" for a file at the root) — what
/// `NSString.deletingLastPathComponent` gives, which crashes on a one-character path in the
/// Foundation of Swift 6.3 on Linux. For the package's modules that handle paths.
package func parentDirectory(of path: String) -> String {
    var path = Substring(path)
    while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

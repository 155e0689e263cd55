import Foundation

/// Reads test fixtures that a test target copies as resources.
public enum Fixtures {
    /// The bytes of `name` inside `subdirectory` of `bundle`.
    public static func data(_ name: String, in bundle: Bundle, subdirectory: String = "Fixtures") throws -> Data {
        guard let url = bundle.url(forResource: name, withExtension: nil, subdirectory: subdirectory) else {
            throw FixtureError.missing("\(subdirectory)/\(name)")
        }
        return try Data(contentsOf: url)
    }

    /// The URL of the fixture directory of `bundle`.
    public static func directory(in bundle: Bundle, subdirectory: String = "Fixtures") throws -> URL {
        guard let url = bundle.resourceURL?.appendingPathComponent(subdirectory),
              FileManager.default.fileExists(atPath: url.path)
        else { throw FixtureError.missing(subdirectory) }
        return url
    }

    /// The repository's root directory (where `Package.swift` is), found from this source file.
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }
}

/// A fixture the test expected is not there.
public enum FixtureError: Error, CustomStringConvertible {
    case missing(String)

    public var description: String {
        switch self {
        case .missing(let name): return "fixture \(name) is missing from the test bundle"
        }
    }
}

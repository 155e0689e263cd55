import FlowConfig
import Foundation
import GitHistory

/// Finding the newest revision that changed the configuration and reading it, in a repository
/// of 10,000 commits that mostly touch other files: libgit2 through GitHistory, against the git
/// command line (`git log -1 -- paths` and `git show`) in the same run.
enum GitBenchmark {
    static func run(commits: Int, repetitions: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("selinon-migrate-git-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try git(["init", "-q", "-b", "main"], in: directory)
        try fastImport(commits: commits, into: directory)
        try git(["checkout", "-q", "main"], in: directory)
        print("repository: \(commits) commits; the configuration last changed in commit \(commits / 2)")

        let paths = ConfigurationPaths(nodesFile: "config/nodes.yml", flowPaths: ["config/flows"])
        var ours = ""
        let library = Measurement.median(repetitions) {
            do {
                let repository = try GitRepository(containing: directory.path)
                let commit = try repository.newestCommitChanging(paths, from: repository.commit("HEAD").id)!
                let files = try GitConfigurationSource(repository: repository, paths: paths, location: .revision(commit, label: "last")).read()
                ours = commit.id.hex
                precondition(files.flows.count == 2)
            } catch {
                fatalError("\(error)")
            }
        }
        var theirs = ""
        let command = Measurement.median(repetitions) {
            do {
                theirs = try git(["log", "-1", "--format=%H", "--", "config/nodes.yml", "config/flows"], in: directory)
                _ = try git(["show", "\(theirs):config/nodes.yml"], in: directory)
                let names = try git(["ls-tree", "-r", "--name-only", theirs, "config/flows"], in: directory).split(separator: "\n")
                for name in names { _ = try git(["show", "\(theirs):\(name)"], in: directory) }
            } catch {
                fatalError("\(error)")
            }
        }
        precondition(ours == theirs, "libgit2 and git disagree: \(ours) vs \(theirs)")
        print("GitHistory (libgit2):         \(Measurement.format(library))")
        print("git log + git show (commands): \(Measurement.format(command))   \(Measurement.ratio(command, library))× slower")
    }

    @discardableResult
    static func git(_ arguments: [String], in directory: URL, input: Data? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        let output = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardInput = standardInput
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(input) }
        try standardInput.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes the history with `git fast-import` (seconds, not minutes).
    private static func fastImport(commits: Int, into directory: URL) throws {
        var stream = ""
        func data(_ text: String) { stream += "data \(text.utf8.count)\n\(text)\n" }
        let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [one, two]\n"
        for number in 1...commits {
            stream += "commit refs/heads/main\ncommitter Bench <bench@example.org> \(1_700_000_000 + number) +0000\n"
            data("commit \(number)")
            if number == 1 {
                stream += "M 100644 inline config/nodes.yml\n"
                data(nodes)
                stream += "M 100644 inline config/flows/one.yml\n"
                data("flow-definitions: [{name: one, edges: [{from: , to: A}]}]\n")
                stream += "M 100644 inline config/flows/two.yml\n"
                data("flow-definitions: [{name: two, edges: [{from: , to: B}]}]\n")
            } else if number == commits / 2 {
                stream += "M 100644 inline config/flows/one.yml\n"
                data("flow-definitions: [{name: one, edges: [{from: , to: A}, {from: A, to: B}]}]\n")
            } else {
                stream += "M 100644 inline src/file\(number % 100).txt\n"
                data("change \(number)\n")
            }
        }
        try git(["fast-import", "--quiet"], in: directory, input: Data(stream.utf8))
    }
}

import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

extension SelinonMigrate {
    /// `rebase --onto REV`: renumber this branch's migrations after another branch's.
    struct Rebase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebase",
            abstract: "Regenerate this branch's migrations after the migrations of the branch it merged (two branches added the same number).",
            discussion: """
                When two branches each add migration N, the one merged first keeps it. On the other \
                branch, merge (or git rebase onto) the first one — resolving the YAML, and leaving \
                the migration directory as it comes — then run rebase --onto with that branch. It \
                keeps REV's migrations byte for byte, drops this branch's (they were generated \
                against a configuration REV has changed since, so their edge indices are wrong — \
                renaming them is not enough), and generates one migration from the configuration \
                at REV to the working tree's, numbered after REV's, with migrations.sum. The \
                directory is replaced as a whole: a failure leaves it as it was.

                Only for migrations no deployment has applied: once deployed, a migration stays.

                Example:
                  git merge origin/main        # conflict in migrations/: leave it
                  selinon-migrate rebase --onto origin/main -n config/nodes.yml -f config/flows
                  selinon-migrate review 3 -n config/nodes.yml -f config/flows  # the new one
                  git add migrations && git commit

                Exit codes: 0 rebased (or nothing to do); 1 REV is not merged into HEAD, a \
                configuration is invalid, or the directory at REV is; 2 git or the file system \
                failed; 64 usage error.
                """)

        @Option(help: ArgumentHelp("The branch (revision) whose migrations come first.", valueName: "revision"))
        var onto: String

        @OptionGroup var location: ConfigLocationOptions

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (default: global.migration_dir of the nodes file, else ./migrations if it exists).", valueName: "dir"))
        var migrationDirectory: String?

        @Option(name: [.customShort("t"), .customLong("tainted-flows")],
                help: "The regenerated migration's strategy (default: the most severe of this branch's migrations).")
        var strategy: TaintedFlowStrategy?

        @Flag(help: ArgumentHelp("During a merge: drop the migrations the branch being merged adds that REV lacks (they were never deployed; its change is migrated again after REV's)."))
        var dropMerged = false

        @Flag(name: .customLong("dry-run"), help: "Say what would happen; change nothing.")
        var dryRun = false

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment)
            let workingTree = try location.source(environment: environment)
            let context: GitContext
            let ontoCommit: GitCommit
            do {
                context = try GitContext(workingTree: workingTree)
                ontoCommit = try context.repository.commit(onto)
                // REV is in HEAD's history, or in the merge under way (MERGE_HEAD, conflicts unresolved).
                var merged: [GitCommit] = [try context.repository.commit("HEAD")]
                if let mergeHead = try? context.repository.commit("MERGE_HEAD") { merged.append(mergeHead) }
                guard try merged.contains(where: { try context.repository.mergeBase($0.id, ontoCommit.id) == ontoCommit.id }) else {
                    let options = location.shellArguments + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
                    terminal.message("error: \(onto) is not merged into HEAD: the working tree must hold its configuration changes too\n"
                        + "  hint: git merge \(shellWord(onto)) (or git rebase \(shellWord(onto))), resolve the YAML, then run "
                        + "selinon-migrate rebase --onto \(shellWord(onto))\(options) again")
                    throw ExitStatus.inputFailed
                }
            } catch let error as GitError {
                throw terminal.fail(error)
            }
            let loader = location.loader(environment: environment)
            // (Where REV has the files: this branch may have moved them.)
            let ontoSource = GitConfigurationSource(repository: context.repository, paths: context.paths(at: ontoCommit),
                                                    location: .revision(ontoCommit, label: onto))
            var (old, new) = try await terminal.loadConfigurations(old: ontoSource, new: workingTree, with: loader, olderConfiguration: .none)
            var oldSource: any ConfigurationSource = ontoSource
            guard let directoryPath = migrationDirectory ?? new.global.expandedMigrationDirectory ?? existingDefaultMigrationDirectory else {
                terminal.message("error: no migration directory: pass -m, or set global.migration_dir in the nodes file")
                throw ExitStatus.inputFailed
            }
            // Held from before the directory is read until the process ends (another writer is refused).
            let directoryLock = dryRun ? nil : try terminal.lockMigrationDirectory(directoryPath)
            defer { withExtendedLifetime(directoryLock) {} }
            if let note = DirectoryReplacement.recoverInterruptedReplacement(of: directoryPath) { terminal.message(note) }
            try terminal.refuseMisplacedMigrationDirectory(directoryPath, configuration: workingTree.nodesFile)

            // REV's migrations, and this branch's as committed (without conflict markers): at HEAD,
            // and — in the middle of a `git rebase`, where HEAD is REV's side — at the branch it replays.
            let baseFiles: [Int: [UInt8]], branchFiles: [[Int: [UInt8]]]
            do {
                baseFiles = try context.repository.migrationFiles(in: directoryPath, at: ontoCommit)
                let branchHeads = [try context.repository.commit("HEAD")] + [context.repository.rebasedBranchHead].compactMap { $0 }
                branchFiles = try branchHeads.map { head throws(GitError) in try context.repository.migrationFiles(in: directoryPath, at: head) }
            } catch {
                throw terminal.fail(error)
            }
            // During a merge, the merged branch's migrations may be deployed already: rebasing onto a
            // revision that lacks them would drop them. With --drop-merged, their change is migrated
            // again after REV's, and their strategies count like this branch's.
            var droppedMergedStrategies: [TaintedFlowStrategy] = []
            let mergedFiles = context.repository.isMerging ? (try? context.repository.commit("MERGE_HEAD")).flatMap { mergeHead in
                try? context.repository.migrationFiles(in: directoryPath, at: mergeHead) } : nil
            if let mergedFiles {
                let lost = mergedFiles.filter { version, bytes in baseFiles[version].map(MigrationSum.hash) != MigrationSum.hash(bytes) }
                let names = lost.keys.sorted().map { "\($0).json" }.joined(separator: ", ")
                if !lost.isEmpty && !dropMerged {
                    let options = location.shellArguments + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
                    terminal.message("error: the merge under way brings \(names) from MERGE_HEAD, which \(onto) does not have: "
                        + "rebasing onto \(onto) would drop \(lost.count == 1 ? "it" : "them"), and a deployed migration must stay\n"
                        + "  hint: if the branch being merged may be deployed (main merged into a feature branch), keep its migrations: "
                        + "selinon-migrate rebase --onto MERGE_HEAD\(options); if it was never deployed, add --drop-merged")
                    throw ExitStatus.inputFailed
                }
                if !lost.isEmpty {
                    terminal.message("note: dropping \(names) of the branch being merged (--drop-merged): its change is migrated after \(onto)'s")
                    droppedMergedStrategies = lost.compactMap { try? Migration(selinonJSON: $0.value, file: "\($0.key).json").strategy }
                }
            }
            let baseLatest = baseFiles.keys.max() ?? 0
            guard baseFiles.count == baseLatest else {
                terminal.message("error: the migration directory at \(onto) has gaps; fix it there first")
                throw ExitStatus.inputFailed
            }
            // The files kept as they are must be migrations: said of the file at REV, before anything is built.
            for version in baseFiles.keys.sorted() {
                // (As git names a file at a revision: REV:PATH.)
                let name = "\(onto):\(MigrationDirectory.filePath(version: version, in: directoryPath))"
                do {
                    _ = try Migration(selinonJSON: baseFiles[version]!, file: name)
                } catch {
                    terminal.message("\(error)\n  hint: rebase keeps \(onto)'s migrations as they are: fix the file there "
                        + "(selinon-migrate verify on \(onto) names what is wrong), then run rebase again; nothing was changed")
                    throw ExitStatus.inputFailed
                }
            }
            // This branch's migrations: the versions whose file (as committed on the branch, else in
            // the working tree) is not REV's.
            // Rebase replaces every N.json of the directory: anything else named like one (a
            // directory, `01.json`, `notes.json`) would be lost with them, so it is refused first.
            let strays = MigrationSum.migrationFileNames(in: directoryPath).filter { name in
                var status = stat()
                let isFile = stat((directoryPath as NSString).appendingPathComponent(name), &status) == 0 && status.st_mode & S_IFMT == S_IFREG
                return !isFile || Int(name.dropLast(5)).map { $0 < 1 || "\($0).json" != name } ?? true
            }
            if !strays.isEmpty {
                terminal.message("error: \(directoryPath) holds \(strays.joined(separator: ", ")), named like migration files but "
                    + "not one (a directory, or not named N.json); rebase replaces the directory's migration files and would lose "
                    + "\(strays.count == 1 ? "it" : "them")\n  hint: move \(strays.count == 1 ? "it" : "them") out of \(directoryPath), then run rebase again")
                throw ExitStatus.inputFailed
            }
            let workingVersions = MigrationSum.migrationFileNames(in: directoryPath).compactMap { Int($0.dropLast(5)) }
            func workingFile(_ version: Int) -> [UInt8]? {
                FileManager.default.contents(atPath: MigrationDirectory.filePath(version: version, in: directoryPath)).map { [UInt8]($0) }
            }
            // Rebase puts REV's files in place and regenerates this branch's: a file git does not
            // hold as it is here would be lost — refused, as git refuses to overwrite local changes.
            // (A stop of a git rebase holds the files of the commit it replays, which a later commit
            // of the branch may have changed.)
            let replayedCommitFiles = (try? context.repository.commit("REBASE_HEAD"))
                .flatMap { try? context.repository.migrationFiles(in: directoryPath, at: $0) }
            let unsaved = Self.filesGitDoesNotHold(workingVersions.sorted(), workingFile: workingFile,
                                                   committed: [baseFiles] + branchFiles + [mergedFiles, replayedCommitFiles].compactMap { $0 })
            if !unsaved.isEmpty {
                func path(_ version: Int) -> String { MigrationDirectory.filePath(version: version, in: directoryPath) }
                let edited = unsaved.filter(\.wasCommitted).map { path($0.version) }, loose = unsaved.filter { !$0.wasCommitted }.map { path($0.version) }
                let steps = (edited.isEmpty ? [] : ["restore \(edited.count == 1 ? "the file" : "the files") git has (git checkout HEAD -- "
                                                    + "\(edited.map(gitPathWord).joined(separator: " ")))"])
                    + (loose.isEmpty ? [] : ["remove \(loose.map(shellWord).joined(separator: " "))"])
                terminal.message("error: rebase would lose "
                    + unsaved.map { "\(path($0.version)) (\($0.wasCommitted ? "edited since it was committed" : "never committed, and not written by selinon-migrate"))" }
                        .joined(separator: ", ")
                    + ": it puts \(onto)'s migrations in place and regenerates this branch's, and git does not hold "
                    + "\(unsaved.count == 1 ? "this file" : "these files") as \(unsaved.count == 1 ? "it is" : "they are")\n"
                    + "  hint: copy what is worth keeping elsewhere, \(steps.joined(separator: " and ")), then run rebase again")
                throw ExitStatus.inputFailed
            }
            let committedVersions = branchFiles.reduce(Set<Int>()) { $0.union($1.keys) }
            let dropped = committedVersions.union(workingVersions).sorted().filter { version in
                let versions = branchFiles.compactMap { $0[version] }
                return versions.isEmpty ? workingFile(version) != baseFiles[version] : versions.contains { $0 != baseFiles[version] }
            }
            // A stop of a `git rebase` migrates the commit being replayed only (the later commits' changes
            // come with their own stops): the strategies of the files that commit added, where it added
            // any, not the most severe of the whole branch.
            let replayedFiles = context.repository.rebasedBranchHead == nil ? [:] : Self.migrationFilesAddedByReplayedCommit(
                in: directoryPath, repository: context.repository).filter { $0.value != baseFiles[$0.key] }
            let branchStrategies = replayedFiles.isEmpty
                ? dropped.flatMap { version in
                    branchFiles.compactMap { $0[version] }.filter { $0 != baseFiles[version] }
                        .compactMap { try? Migration(selinonJSON: $0, file: "\(version).json").strategy }
                }
                : replayedFiles.compactMap { try? Migration(selinonJSON: $0.value, file: "\($0.key).json").strategy }
            // At a stop of a `git rebase`, HEAD holds the commits replayed so far — this branch's,
            // some perhaps without their migration (committed apart, in the commit being replayed):
            // the change to migrate starts where HEAD's migrations end, not at HEAD.
            if context.repository.rebasedBranchHead != nil, let head = try? context.repository.commit("HEAD"), head.id == ontoCommit.id,
               let start = Self.whereMigrationsEnd(baseFiles, before: head, old: old, paths: context.paths(at: head),
                                                   repository: context.repository, loader: loader) {
                (old, oldSource) = start
            }
            let chosen = strategy ?? (branchStrategies + droppedMergedStrategies).max() ?? .ignore
            let plan = MigrationDiffer().plan(from: old, to: new, strategy: chosen)
            if !plan.warnings.isEmpty { terminal.message(MigrationWarning.describing(plan.warnings)) }

            var migration = plan.migration
            migration.metadata = MigrationMetadata(
                toolVersion: ToolVersion.current, oldSource: oldSource.sourceDescription, newSource: workingTree.sourceDescription,
                oldDigest: StructureDigest.digest(of: old), newDigest: StructureDigest.digest(of: new), warnings: plan.warnings,
                edgeCounts: MigrationMetadata.edgeCounts(old: old, new: new), date: Date(), host: ProcessInfo.processInfo.hostName,
                user: userName(environment: environment)
            ).jsonValue

            let kept = baseLatest == 0 ? "no migrations" : (baseLatest == 1 ? "1.json" : "1.json … \(baseLatest).json")
            // Nothing collides: the directory is REV's migrations followed by files that migrate the
            // change since REV (run again after a rebase, or REV added no migration) — regenerating
            // them would only change their _meta, an edit of committed migrations. (Bytes compared as
            // the sum compares them: a checkout's line endings are no change. And the sum must agree.)
            let holdsBaseFiles = baseFiles.allSatisfy { base in workingFile(base.key).map(MigrationSum.hash) == MigrationSum.hash(base.value) }
            let following = workingVersions.filter { $0 > baseLatest }.sorted()
            if plan.isNeeded, let last = following.last, Set(workingVersions) == Set(1...last), holdsBaseFiles,
               let migrations = try? following.map({ version in try Migration(selinonJSON: workingFile(version) ?? [], file: "\(version).json") }),
               // (The strategy they bring is the one rebase would choose: the most severe of this branch's.)
               migrations.map(\.strategy).max() == chosen,
               plan.coverage(by: migrations, from: old, oldName: onto).matches,
               DirectoryIntegrity(path: directoryPath, requireSum: true).findings.isEmpty {
                let names = following.map { "\($0).json" }, one = names.count == 1
                terminal.output("nothing to do: \(names.joined(separator: ", ")) "
                    + (baseLatest == 0 ? "migrate\(one ? "s" : "") the change since \(onto), which has no migrations"
                        : "already follow\(one ? "s" : "") \(kept) from \(onto)" + (one ? "" : " and migrate the change since")))
                return
            }
            // Nothing of this branch to redo: the directory is REV's already, and needs no migration after it.
            if !plan.isNeeded, Set(workingVersions) == Set(baseFiles.keys), holdsBaseFiles,
               DirectoryIntegrity(path: directoryPath, requireSum: !baseFiles.isEmpty).findings.isEmpty {
                terminal.output("nothing to do: the directory holds \(kept) from \(onto), and no migration is needed after it")
                return
            }
            var lines = ["kept \(kept) from \(onto)"]
            // (Only the files here: in a git rebase, the later commits' files come with their own stops.)
            let droppedHere = dropped.filter { version in
                let base = baseFiles[version].map(MigrationSum.hash)
                return workingFile(version).map { MigrationSum.hash($0) != base } ?? false
                    || branchFiles[0][version].map { MigrationSum.hash($0) != base } ?? false
            }
            if !droppedHere.isEmpty { lines.append("dropped this branch's \(droppedHere.map { "\($0).json" }.joined(separator: ", "))") }
            lines.append(plan.isNeeded ? "\(dryRun ? "would write" : "wrote") \(baseLatest + 1).json (\(chosen.rawValue)): "
                         + plan.changeSummaries.joined(separator: "; ")
                         : "no migration needed after \(onto)")
            if dryRun {
                terminal.output(lines.joined(separator: "\n"))
                return
            }
            do {
                if let warning = try DirectoryReplacement.replace(directoryPath, base: baseFiles, appending: plan.isNeeded ? migration : nil) {
                    terminal.message(warning)
                }
            } catch {
                // (A write error names its file and says "error:" itself.)
                terminal.message((error is MigrationWriteError ? "\(error)" : "error: \(error)") + "\nthe migration directory was left as it was")
                throw ExitStatus.toolFailed
            }
            // In a merge (or a stop of a git rebase), git holds the migration files as unmerged until they are added.
            let commit = context.repository.isMerging ? "git add \(shellWord(directoryPath)), then conclude the merge (git commit)"
                : context.repository.rebasedBranchHead != nil ? "git add \(shellWord(directoryPath)), then go on with the rebase (git rebase --continue)"
                : "commit \(directoryPath)"
            if plan.isNeeded {
                lines.append("review it (selinon-migrate review \(baseLatest + 1) -m \(shellWord(directoryPath))\(location.shellArguments)), "
                    + "then \(commit)")
            } else {
                lines.append(commit)
            }
            terminal.output(lines.joined(separator: "\n"))
        }

        /// The migration files here (`versions`, read with `workingFile`) that git holds in none
        /// of `committed` (REV's, this branch's, the merged branch's) as they are: edited since
        /// committed (`wasCommitted`), or never committed and not a migration `generate` wrote
        /// (which rebase regenerates). A file with git's conflict markers is the merge's, not an edit.
        static func filesGitDoesNotHold(_ versions: [Int], workingFile: (Int) -> [UInt8]?,
                                        committed: [[Int: [UInt8]]]) -> [(version: Int, wasCommitted: Bool)] {
            versions.compactMap { version in
                guard let bytes = workingFile(version) else { return nil }
                let known = committed.compactMap { $0[version].map(MigrationSum.hash) }
                if known.contains(MigrationSum.hash(bytes)) || hasConflictMarkers(bytes) { return nil }
                if !known.isEmpty { return (version, true) }
                let generated = (try? Migration(selinonJSON: bytes, file: "\(version).json"))?.metadata?["tool"] != nil
                return generated ? nil : (version, false)
            }
        }

        /// Whether `bytes` hold a line git's conflict markers begin (`<<<<<<< `).
        private static func hasConflictMarkers(_ bytes: [UInt8]) -> Bool {
            let marker = Array("<<<<<<< ".utf8)
            return bytes.starts(with: marker) || bytes.indices.contains { index in
                bytes[index] == UInt8(ascii: "\n") && bytes[(index + 1)...].starts(with: marker)
            }
        }

        /// The configuration the newest of `files` (`_meta.digests.new`) leads to, with its source,
        /// when that is not `old` (the configuration of `head`) but one of the last configuration
        /// changes before it from which `old` needs a migration; `nil` otherwise.
        private static func whereMigrationsEnd(_ files: [Int: [UInt8]], before head: GitCommit, old: Configuration, paths: ConfigurationPaths,
                                               repository: GitRepository, loader: ConfigurationLoader)
            -> (configuration: Configuration, source: any ConfigurationSource)? {
            guard let newest = files.keys.max(), let bytes = files[newest],
                  let leadsTo = (try? Migration(selinonJSON: bytes, file: "\(newest).json"))?.metadata?["digests"]?["new"]?.stringValue,
                  leadsTo != StructureDigest.digest(of: old),
                  let changes = try? repository.commitsChanging(paths, from: head.id, limit: 50) else { return nil }
            for commit in changes.dropFirst() {
                let source = GitConfigurationSource(repository: repository, paths: paths, location: .revision(commit, label: commit.id.short))
                guard let configuration = try? loader.load(source.read()).configuration,
                      StructureDigest.digest(of: configuration) == leadsTo else { continue }
                return MigrationDiffer().plan(from: configuration, to: old, strategy: .ignore).isNeeded ? (configuration, source) : nil
            }
            return nil
        }

        /// The migration files that the commit a stopped `git rebase` replays (`REBASE_HEAD`) added
        /// to its parent's; none when git names no such commit (a rebase stopped to edit a commit
        /// before git 2.17, say) or it cannot be read.
        private static func migrationFilesAddedByReplayedCommit(in directory: String, repository: GitRepository) -> [Int: [UInt8]] {
            guard let replayed = try? repository.commit("REBASE_HEAD") else { return [:] }
            let parent = replayed.parents.first.flatMap { try? repository.commit(id: $0) }
            return (try? repository.migrationFilesAdded(in: directory, by: replayed, after: parent)) ?? [:]
        }
    }
}

/// Replaces a migration directory as a whole: the new contents are built in a sibling
/// directory, then swapped in with two renames; other files of the directory are carried over.
enum DirectoryReplacement {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `path` becomes `base` (version → bytes) plus `migration` as the next version, with
    /// `migrations.sum`; files that are not migrations (`README.md`, …) are kept.
    /// A symbolic link to the directory stays a link: the directory it points to is replaced.
    /// Returns a warning when the replaced directory, moved aside, could not be removed.
    static func replace(_ given: String, base: [Int: [UInt8]], appending migration: Migration?) throws -> String? {
        let path = URL(fileURLWithPath: given).resolvingSymlinksInPath().path
        let staging = stagingPath(of: path, processID: ProcessInfo.processInfo.processIdentifier)
        let backup = staging + ".old"
        let manager = FileManager.default
        let parent = parentDirectory(of: path).isEmpty ? "." : parentDirectory(of: path)
        // Its files could be swapped out but not deleted: the old ones would stay behind.
        // A sum linked out of the directory is not rewritten (generate refuses it too): said of the
        // directory, not of the copy being built.
        let sum = (path as NSString).appendingPathComponent(MigrationSum.fileName)
        if let destination = try? manager.destinationOfSymbolicLink(atPath: sum),
           case let target = URL(fileURLWithPath: sum).resolvingSymlinksInPath().path, !target.hasPrefix(path + "/") {
            let shown = (given as NSString).appendingPathComponent(MigrationSum.fileName)
            throw Failure(description: "\(shown) is a symbolic link to \(destination), outside the migration directory: nothing is "
                + "written there (remove the link, rm \(shellWord(shown)), and run rebase again: it writes the sum as a file of its own)")
        }
        if manager.fileExists(atPath: path) && access(path, W_OK) != 0 {
            throw Failure(description: "cannot replace \(path): \(String(cString: strerror(errno))) (rebase rewrites the migration "
                + "directory; make it writable, for example chmod u+w \(shellWord(path)), and run it again)")
        }
        // Built and swapped in with signals held off: Ctrl-C or SIGTERM meanwhile takes effect once
        // the new directory is in place (or the old one is back), never between the two renames,
        // and never while the new one is half built beside it (which a handler could not remove
        // while this thread goes on writing into it).
        InterruptCleanup.say(onInterrupt: "interrupted: \(given) is as it was, nothing rebased; run the same rebase again")
        /// Builds the new directory, swaps it in and removes the old one; returns a warning when
        /// the old one, moved aside, could not be removed.
        func buildAndSwap() throws -> String? {
            try? manager.removeItem(atPath: staging)
            do {
                do {
                    try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
                } catch {
                    let reason = access(parent, W_OK) != 0 ? String(cString: strerror(errno)) : FileSystemReason.describe(error)
                    throw Failure(description: "cannot create \(staging): \(reason) (rebase builds the new migration directory next to "
                        + "\(path) and swaps it in, so \(parent) must be writable)")
                }
                for version in base.keys.sorted() {
                    let file = MigrationDirectory.filePath(version: version, in: staging)
                    try Data(base[version]!).write(to: URL(fileURLWithPath: file))
                    // A file kept keeps its permissions.
                    var status = stat()
                    if stat(MigrationDirectory.filePath(version: version, in: path), &status) == 0 { chmod(file, status.st_mode & 0o7777) }
                }
                // Everything but the migration files is carried over, the sum too: rewritten below as
                // generate rewrites it, it keeps its permissions, and a link stays a link.
                for other in (try? manager.contentsOfDirectory(atPath: path)) ?? [] where !(other.hasSuffix(".json") && !other.hasPrefix(".")) {
                    try manager.copyItem(atPath: (path as NSString).appendingPathComponent(other), toPath: (staging as NSString).appendingPathComponent(other))
                }
                // (The base's files were checked before: a file here that is not a migration was written wrong.)
                guard let directory = try? MigrationDirectory.load(from: staging) else {
                    throw Failure(description: "the migrations taken from the base revision are not a valid directory")
                }
                try MigrationSum(directory: directory).write(toDirectory: staging)
                if let migration { _ = try MigrationWriter().write(migration, toDirectory: staging) }
                var status = stat()
                if stat(path, &status) == 0 { chmod(staging, status.st_mode & 0o7777) }
            } catch let error as CocoaError {
                try? manager.removeItem(atPath: staging)
                throw Failure(description: "cannot write the new migration directory next to \(path): \(FileSystemReason.describe(error))")
            } catch {
                try? manager.removeItem(atPath: staging)
                throw error
            }
            let exists = manager.fileExists(atPath: path)
            if exists && rename(path, backup) != 0 {
                let code = errno
                try? manager.removeItem(atPath: staging)
                // A mount point (a bind mount, a container volume) cannot be renamed.
                let hint = code == EBUSY ? " (a mount point, such as a container volume, cannot be moved: rebase replaces the "
                    + "directory as a whole, so run it where the directory is an ordinary one, or copy its result in)" : ""
                throw Failure(description: "cannot move \(path) aside: \(String(cString: strerror(code)))\(hint)")
            }
            guard rename(staging, path) == 0 else {
                let reason = String(cString: strerror(errno))
                if exists { rename(backup, path) }
                try? manager.removeItem(atPath: staging)
                throw Failure(description: "cannot move the new directory into place: \(reason)")
            }
            guard exists, (try? manager.removeItem(atPath: backup)) == nil else { return nil }
            return "warning: the replaced migration directory, moved aside as \(backup), could not be removed: delete it "
                + "(rm -rf \(shellWord(backup))) and do not commit it"
        }
        return try InterruptCleanup.holdingSignals(buildAndSwap) { _ in
            "interrupted: \(given) was rebased (the new migrations are in place); check it with selinon-migrate verify -m \(shellWord(given))"
        }
    }

    /// `.NAME.rebase-PID` next to the directory `path` (symbolic links resolved).
    private static func stagingPath(of path: String, processID: pid_t) -> String {
        let parent = parentDirectory(of: path)
        return ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).rebase-\(processID)")
    }

    /// Cleans up after a `rebase` killed while it replaced `given` (SIGKILL, a power cut), once
    /// its process is gone: a directory moved aside when the new one was not yet in its place is
    /// moved back (the replacement never happened), a moved-aside directory next to a directory
    /// in place is removed (the replacement happened), and a staging directory unchanged for
    /// ``LeftoverTemporaryFiles/minimumAge`` is removed (younger, it may be a rebase's in a
    /// container, whose process this one cannot see: it is named, so that it is not committed).
    /// Returns the notes to give: a directory moved back, staging directories left.
    static func recoverInterruptedReplacement(of given: String) -> String? {
        let path = URL(fileURLWithPath: given).resolvingSymlinksInPath().path
        let manager = FileManager.default
        let now = Date().timeIntervalSince1970
        var notes: [String] = []
        var young: [String] = []
        for (leftover, isBackup, status) in leftovers(of: path) {
            if isBackup {
                if manager.fileExists(atPath: path) {
                    try? manager.removeItem(atPath: leftover)
                } else if rename(leftover, path) == 0 {
                    notes.append("note: a rebase killed while it replaced \(given) had moved it aside as \(leftover): moved it back "
                        + "(the rebase did not happen; run it again)")
                }
            } else if now - TimeInterval(status.st_mtim.tv_sec) >= LeftoverTemporaryFiles.minimumAge {
                try? manager.removeItem(atPath: leftover)
            } else {
                young.append(leftover)
            }
        }
        if !young.isEmpty {
            let them = young.count == 1 ? "it" : "them"
            notes.append("note: \(young.joined(separator: ", ")) \(young.count == 1 ? "is a staging directory" : "are staging directories") of "
                + "a rebase whose process is gone (killed?), removed once ten minutes old; unless a rebase runs in a container that "
                + "shares this directory, remove \(them) now (rm -rf \(young.map(shellWord).joined(separator: " "))), and do not commit \(them)")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "\n")
    }

    /// Where a `rebase` killed while it replaced `given` (its process gone) left the directory
    /// moved aside, when `given` is not there: what reads the directory would take it for one
    /// without migrations. ``recoverInterruptedReplacement(of:)`` moves it back.
    static func setAside(_ given: String) -> String? {
        let path = URL(fileURLWithPath: given).resolvingSymlinksInPath().path
        guard !FileManager.default.fileExists(atPath: path) else { return nil }
        return leftovers(of: path).first(where: \.isBackup)?.path
    }

    /// The staging and moved-aside directories next to `path` of `rebase` processes that are gone.
    private static func leftovers(of path: String) -> [(path: String, isBackup: Bool, status: stat)] {
        let parent = parentDirectory(of: path)
        let listed = parent.isEmpty ? "." : parent
        let prefix = ".\((path as NSString).lastPathComponent).rebase-"
        return ((try? FileManager.default.contentsOfDirectory(atPath: listed)) ?? []).sorted().compactMap { entry in
            guard entry.hasPrefix(prefix) else { return nil }
            let rest = entry.dropFirst(prefix.count)
            let isBackup = rest.hasSuffix(".old")
            guard let processID = pid_t(isBackup ? rest.dropLast(4) : rest), kill(processID, 0) != 0 && errno == ESRCH else { return nil }
            let leftover = (listed as NSString).appendingPathComponent(entry)
            var status = stat()
            guard lstat(leftover, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return nil }
            return (leftover, isBackup, status)
        }
    }
}
